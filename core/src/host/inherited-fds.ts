import { closeSync, readdirSync, readFileSync } from 'node:fs';

/** O_CLOEXEC as /proc/PID/fdinfo/N prints it in `flags:` (octal): the kernel shows FD_CLOEXEC there. */
const O_CLOEXEC = 0o2000000;

/**
 * Closes, once at boot, every descriptor above stdio inherited without close-on-exec (`exec 200>file` in a shell, a
 * supervisor's socket), which every child would get: a workload could write it through /proc/self/fd/200. dockerd opens
 * all with O_CLOEXEC and runc closes fds above 2; only the first holds here. Node's IPC channel is kept (so would
 * systemd's LISTEN_FDS have to be). Returns the descriptors closed.
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
    } catch { /* closed meanwhile: nothing left to leak */ }
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
