import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import { InvalidArgumentError, resolveInRoot, type WorkloadMount } from '@sockerless/sdk';
import type { ExecUser } from './users';
import { DEFAULT_PATH } from './util';

/**
 * Where the host's static busybox is bound inside the sandbox: under bwrap's /dev tmpfs, so it never lands
 * in the container's layer. The basename must be `busybox` for it to take its applet from argv[1]; the
 * directory is world-readable so a helper still runs after the switch to a non-root user.
 */
export const SANDBOX_HELPER_DIR = '/dev/.sockerless';
export const SANDBOX_BUSYBOX = `${SANDBOX_HELPER_DIR}/busybox`;

/** Docker's default capability set: root in a container is not root on the host. */
export const DOCKER_DEFAULT_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP',
  'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];

export interface SandboxArgs {
  root: string;
  hostname: string;
  mounts: WorkloadMount[];
  workingDir: string;
  env: Record<string, string>;
  user: ExecUser;
  /** Host path of a statically linked busybox: the in-sandbox helper for user switching and exec. */
  busybox?: string;
  resolvConf: boolean;
  sys: boolean;
  tty: boolean;
  argv: string[];
  /** argv[0] resolved against the container's PATH (a container path), see checkExecutable. */
  exe: string;
  /** Host file bound read-write at /etc/hosts, rewritten in place as peers come and go. */
  hostsFile?: string;
  /** Network mode `none`: a network namespace with only `lo`. */
  unshareNet?: boolean;
}

/**
 * The bwrap argv (without the bwrap path). The workload runs as pid 1 of its own pid namespace
 * (--as-pid-1, as in Docker without --init), so a signal to it has Docker's semantics and its death takes
 * every process of the container with it.
 */
export function bwrapArgs(a: SandboxArgs): string[] {
  const args = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--hostname', a.hostname, '--as-pid-1', '--die-with-parent'];
  if (a.unshareNet) args.push('--unshare-net');
  // A new session keeps a sandboxed process from pushing input into the daemon's terminal (TIOCSTI); with a
  // TTY the pty must stay the controlling terminal, so no new session there.
  if (!a.tty) args.push('--new-session');
  args.push('--bind', a.root, '/', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/dev/shm');
  // Bound in every sandbox, not only for a non-root user: exec uses it to drop capabilities as Docker does.
  if (a.busybox) args.push('--perms', '0755', '--dir', SANDBOX_HELPER_DIR, '--ro-bind', a.busybox, SANDBOX_BUSYBOX);
  if (a.sys) args.push('--ro-bind', '/sys', '/sys');
  if (a.resolvConf) args.push('--ro-bind', '/etc/resolv.conf', '/etc/resolv.conf');
  // Before the user's mounts, so a `-v file:/etc/hosts` still wins as in Docker.
  if (a.hostsFile) args.push('--bind', a.hostsFile, '/etc/hosts');
  // Parents before children, so a mount inside another mount's target is not hidden by it.
  const mounts = [...a.mounts].sort((x, y) => posix.normalize(x.target).split('/').length - posix.normalize(y.target).split('/').length);
  for (const m of mounts) {
    const target = posix.normalize(`/${m.target}`);
    if (m.type === 'tmpfs') args.push('--tmpfs', target);
    else args.push(m.readOnly ? '--ro-bind' : '--bind', m.source, target);
  }
  args.push('--chdir', a.workingDir || '/', '--clearenv');
  for (const [k, v] of Object.entries(a.env)) args.push('--setenv', k, v);
  args.push('--cap-drop', 'ALL');
  for (const cap of DOCKER_DEFAULT_CAPS) args.push('--cap-add', `CAP_${cap}`);
  args.push(...userSwitch(a));
  return args;
}

/**
 * bwrap 0.8 only changes uid inside a user namespace it maps to the caller's uid, which as root makes the
 * container user the owner of every root-owned file. Instead the sandbox starts as root and the host's
 * static busybox switches to the user with its `nsenter -S/-G` applet and execs the workload in place, so
 * the workload keeps pid 1 and real uid/gid checks apply. Supplementary groups are reduced to the primary
 * group (busybox sets only that one).
 */
function userSwitch(a: SandboxArgs): string[] {
  const { user, busybox } = a;
  const session = workloadLeadsSession(a) ? [SANDBOX_BUSYBOX, 'setsid', '-c'] : [];
  if (user.uid === 0 && user.gid === 0) return session.length ? ['--', ...session, ...execInPlace(a.env, a.exe, a.argv)] : ['--', ...a.argv];
  if (busybox) {
    return ['--', ...session, SANDBOX_BUSYBOX, 'nsenter', '-F', '-S', String(user.uid), '-G', String(user.gid), '--', ...execInPlace(a.env, a.exe, a.argv)];
  }
  // Last resort without a static busybox: ids are right inside, but file ownership is not enforced.
  return ['--unshare-user', '--uid', String(user.uid), '--gid', String(user.gid), '--', ...a.argv];
}

/**
 * With a TTY the workload leads a session of its own with the terminal as its controlling tty, as under
 * runc: busybox `setsid -c` execs it in place (it stays pid 1), so a Ctrl-C reaches the workload's
 * foreground group only, never bwrap outside the namespace. bwrap must then be started on a terminal that
 * is nobody's controlling tty yet (spawnProcess's `workloadLeadsSession`).
 */
export function workloadLeadsSession(a: Pick<SandboxArgs, 'tty' | 'busybox'>): boolean {
  return a.tty && a.busybox !== undefined;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The argv that makes the sandbox's busybox exec the workload exactly as runc would: the resolved file
 * with the caller's argv[0] and environment. Busybox applets run their own built-in version of any program
 * named like an applet (`sh`, `ls`, `tar`...) instead of the image's, so the hand-over goes through its
 * shell's `exec -a` with an absolute path, and the variables the shell itself adds are put back as given.
 */
export function execInPlace(env: Record<string, string>, exe: string, argv: string[]): string[] {
  const restore = ['SHLVL', 'PWD', 'OLDPWD']
    .map((k) => (k in env ? `export ${k}=${shellQuote(env[k])}` : `unset ${k}`))
    .join('; ');
  return [SANDBOX_BUSYBOX, 'sh', '-c', `${restore}; exec -a "$0" "$@"`, argv[0], exe, ...argv.slice(1)];
}

/**
 * Where a container path lands when a bind or volume covers it (the innermost mount wins): the program may
 * come from a mount, whose target in the root is only an empty mount point.
 */
async function hostPathInMount(mounts: WorkloadMount[], path: string): Promise<string | undefined> {
  let best: WorkloadMount | undefined;
  let bestTarget = '';
  for (const m of mounts) {
    const target = posix.normalize(`/${m.target}`).replace(/\/$/, '');
    if (m.type !== 'tmpfs' && (path === target || path.startsWith(`${target}/`)) && target.length > bestTarget.length) {
      best = m;
      bestTarget = target;
    }
  }
  return best ? posix.join(best.source, path.slice(bestTarget.length)) : undefined;
}

/**
 * Docker's error when argv[0] cannot be run, checked before the sandbox starts so the core can answer as
 * Docker does (127/126). Resolution follows the container's PATH against its own root; the result is the
 * executable's path as the container sees it.
 */
export async function checkExecutable(root: string, argv0: string | undefined, env: Record<string, string>, workingDir: string, mounts: WorkloadMount[] = []): Promise<string> {
  if (!argv0) throw new InvalidArgumentError('No command specified');
  const candidates = argv0.includes('/')
    ? [posix.resolve(workingDir || '/', argv0)]
    : (env.PATH ?? DEFAULT_PATH).split(':').filter(Boolean).map((d) => posix.join(posix.resolve('/', d), argv0));
  let foundNonExec = false;
  for (const c of candidates) {
    const host = (await hostPathInMount(mounts, c)) ?? (await resolveInRoot(root, c, true));
    const st = await fs.stat(host).catch(() => undefined);
    if (!st || st.isDirectory()) continue;
    if (st.mode & 0o111) return c;
    foundNonExec = true;
  }
  if (foundNonExec) throw new InvalidArgumentError(`exec: "${argv0}": permission denied`);
  if (argv0.includes('/')) throw new InvalidArgumentError(`exec: "${argv0}": stat ${argv0}: no such file or directory`);
  throw new InvalidArgumentError(`exec: "${argv0}": executable file not found in $PATH`);
}
