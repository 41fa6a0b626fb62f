import { closeSync, readdirSync, readFileSync } from 'node:fs';

/** O_CLOEXEC as /proc/PID/fdinfo/N prints it in `flags:` (octal): the kernel shows FD_CLOEXEC there. */
const O_CLOEXEC = 0o2000000;

/**
 * Closes every descriptor above stdio that this process inherited without close-on-exec, so that no
 * sandbox, helper, monitor or nsenter the daemon starts later gets it. Node and libuv open their own
 * descriptors with O_CLOEXEC, but one left open by whatever started the daemon (`exec 200>file` in a
 * shell, a supervisor's socket) is passed into every child: a workload could write it through
 * /proc/self/fd/200. dockerd avoids this by opening everything with O_CLOEXEC and runc by closing
 * every fd above 2 before it execs the container's process; here only the first holds, so the daemon
 * drops what it inherited, once, at boot, before it spawns anything. Node's own IPC channel
 * (NODE_CHANNEL_FD, when a parent forked us) is kept; descriptors handed over on purpose (systemd's
 * LISTEN_FDS, should socket activation ever be supported) would have to be kept the same way. Returns the
 * descriptors it closed.
 */
export function closeInheritedFds(): number[] {
  const keep = new Set([0, 1, 2]);
  const channel = Number(process.env.NODE_CHANNEL_FD);
  if (Number.isInteger(channel)) keep.add(channel);
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return []; // no procfs (not Linux): nothing to read the flags from
  }
  const closed: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || keep.has(fd)) continue;
    const flags = fdFlags(fd);
    // undefined: gone since the listing (the listing's own descriptor, closed by readdir).
    if (flags === undefined || (flags & O_CLOEXEC) !== 0) continue;
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      // Closed meanwhile: nothing left to leak.
    }
  }
  return closed;
}

function fdFlags(fd: number): number | undefined {
  try {
    const m = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m ? parseInt(m[1], 8) : undefined;
  } catch {
    return undefined;
  }
}
