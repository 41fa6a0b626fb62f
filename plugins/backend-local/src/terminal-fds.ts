import { findHostTool } from './util';

/**
 * The terminal masters the daemon holds, for TTY containers and execs. node-pty opens them (openpty,
 * forkpty) without O_CLOEXEC, and Node has no fcntl to set the flag afterwards, so each would be inherited
 * by every process spawned later: a container could read and type into another's terminal through
 * /proc/self/fd/N. runc closes every descriptor above 2 before it execs a container's process; here a
 * spawn made while terminals are open starts as a host busybox shell that closes those descriptors and
 * then execs the real program in place (same pid, same argv). With no terminal open nothing changes, nor
 * for a sandbox or exec started through the confine helper, which closes every descriptor above 2 itself.
 */
const openTerminals = new Set<number>();

export function terminalOpened(fd: number | undefined): void {
  if (fd !== undefined && fd > 2) openTerminals.add(fd);
}

export function terminalClosed(fd: number | undefined): void {
  if (fd !== undefined) openTerminals.delete(fd);
}

let shell: string | null | undefined;
/** Any busybox of the host: it only runs there, before the exec, so it need not be static. */
function closingShell(): string | undefined {
  if (shell === undefined) shell = findHostTool('busybox') ?? null;
  return shell ?? undefined;
}

/** `file args` as a spawn that inherits none of the open terminals (unchanged when none is open or no busybox). */
export function withoutOpenTerminals(file: string, args: string[], firstInherited = 3): { file: string; args: string[] } {
  // Below `firstInherited` the child's descriptors are the ones spawn's stdio gives it (stdio, and the
  // extra fds a sandbox start hands over): those numbers hold no terminal there and must stay open.
  const inherited = [...openTerminals].filter((fd) => fd >= firstInherited);
  const bb = inherited.length > 0 ? closingShell() : undefined;
  if (!bb) return { file, args };
  // `N>&-` of a descriptor that is not open is no error in sh; "$0" is looked up in PATH as spawn would.
  const closes = inherited.map((fd) => `${fd}>&-`).join(' ');
  return { file: bb, args: ['sh', '-c', `exec ${closes}; exec "$0" "$@"`, file, ...args] };
}
