import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import { DOCKER_DEFAULT_CAPABILITIES, InvalidArgumentError, resolveInRoot, type WorkloadMount, type WorkloadSecurity } from '@sockerless/sdk';
import { DEFAULT_SECURITY, MASKED_PATHS, READONLY_PATHS, SANDBOX_CONFINE, SANDBOX_HELPER_DIR, SANDBOX_SECCOMP, confineArgv, mountArgs } from './confinement';
import type { ExecUser } from './users';
import { DEFAULT_PATH } from './util';

/**
 * Where the host's static busybox is bound inside the sandbox, next to confine (SANDBOX_HELPER_DIR): the
 * basename must be `busybox` for it to take its applet from argv[1]; the directory is world-readable so a
 * helper still runs after the switch to a non-root user. Without confine it switches the user instead.
 */
export const SANDBOX_BUSYBOX = `${SANDBOX_HELPER_DIR}/busybox`;

/** The container's confinement, applied by the static confine helper inside the sandbox. */
export interface SandboxConfinement {
  /** Host path of the compiled confine helper. */
  helper: string;
  /** Host path of the container's compiled seccomp filter; absent for `unconfined` and privileged. */
  seccompFilter?: string;
  caps: string[];
  noNewPrivileges: boolean;
  /** The device cgroup's cgroup.procs is open on CGROUP_FD of bwrap (and stays open across it). */
  cgroupFd: boolean;
  /** The resource groups' cgroup.procs follow it: this many files from CGROUP_FD on in all. */
  cgroupFds?: number;
  /** The fd of bwrap open on the remapped user namespace, for confine to enter (see UsernsRemap). */
  usernsFd?: number;
  /** `key=value` sysctls confine writes in the container's namespaces (see UsernsRemap.sysctls). */
  sysctls?: string[];
}

export interface SandboxArgs {
  root: string;
  hostname: string;
  mounts: WorkloadMount[];
  workingDir: string;
  env: Record<string, string>;
  user: ExecUser;
  /** Host path of a statically linked busybox: the user switch where confine cannot be built. */
  busybox?: string;
  confine?: SandboxConfinement;
  security?: WorkloadSecurity;
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
  /** `--ipc host`: the host's /dev/shm (see MountConfinement). */
  shm?: string;
  /** `--pid container:<id>`: the fd (as bwrap sees it) open on that container's pid namespace. */
  pidns?: number;
}

/**
 * The bwrap argv (without the bwrap path). The workload runs as pid 1 of its own pid namespace
 * (--as-pid-1, as in Docker without --init), so a signal to it has Docker's semantics and its death takes
 * every process of the container with it. A namespace shared with the host or another container (PidMode,
 * IpcMode, UTSMode) is simply not unshared; joining another container's is done by nsenter before bwrap.
 */
export function bwrapArgs(a: SandboxArgs): string[] {
  const security = a.security ?? DEFAULT_SECURITY;
  const args: string[] = [];
  if (security.pidMode === '') args.push('--unshare-pid', '--as-pid-1');
  // bwrap joins it and mounts its /proc (without a pid namespace of its own it would bind the host's).
  if (a.pidns !== undefined) args.push('--pidns', String(a.pidns));
  if (!security.ipcMode.startsWith('container:') && security.ipcMode !== 'host') args.push('--unshare-ipc');
  if (security.utsMode !== 'host') args.push('--unshare-uts', '--hostname', a.hostname);
  args.push('--die-with-parent');
  if (a.unshareNet) args.push('--unshare-net');
  // A new session keeps a sandboxed process from pushing input into the daemon's terminal (TIOCSTI); with a
  // TTY the pty must stay the controlling terminal, so no new session there.
  if (!a.tty) args.push('--new-session');
  // bwrap's --bind is nodev; Docker's root is not. Device nodes made in the root work as in Docker only
  // where the device cgroup decides which may be opened; without one, nodev stays the safety net.
  args.push(a.confine?.cgroupFd ? '--dev-bind' : '--bind', a.root, '/');
  if (a.confine) args.push(...mountArgs({ privileged: security.privileged, devices: security.devices, sys: a.sys, shm: a.shm }));
  else {
    args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/dev/shm');
    if (a.sys) args.push('--ro-bind', '/sys', '/sys');
  }
  // Bound in every sandbox: exec runs them too (confine to be confined as the workload is).
  if (a.busybox || a.confine) args.push('--perms', '0755', '--dir', SANDBOX_HELPER_DIR);
  if (a.busybox) args.push('--ro-bind', a.busybox, SANDBOX_BUSYBOX);
  if (a.confine) args.push('--ro-bind', a.confine.helper, SANDBOX_CONFINE);
  if (a.confine?.seccompFilter) args.push('--ro-bind', a.confine.seccompFilter, SANDBOX_SECCOMP);
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
  if (a.confine) {
    // bwrap keeps every capability so that confine can bound them (CAP_SETPCAP) and load the filter.
    const c = a.confine;
    return [...args, '--', ...confineArgv({
      caps: c.caps, seccomp: c.seccompFilter !== undefined, noNewPrivileges: c.noNewPrivileges, user: a.user,
      leadSession: workloadLeadsSession(a), cgroupFd: c.cgroupFd, cgroupFds: c.cgroupFds, usernsFd: c.usernsFd, sysctls: c.sysctls, exe: a.exe, argv: a.argv, unsetEnv: 'PWD' in a.env ? [] : ['PWD'],
      // Docker's privileged containers have neither.
      readonlyPaths: security.privileged ? [] : security.readonlyPaths ?? READONLY_PATHS,
      maskedPaths: security.privileged ? [] : security.maskedPaths ?? MASKED_PATHS,
    })];
  }
  args.push('--cap-drop', 'ALL');
  for (const cap of DOCKER_DEFAULT_CAPABILITIES) args.push('--cap-add', cap);
  args.push(...userSwitch(a));
  return args;
}

/**
 * Without confine: bwrap 0.8 only changes uid inside a user namespace it maps to the caller's uid, which as
 * root makes the container user the owner of every root-owned file. Instead the sandbox starts as root and
 * the host's static busybox switches to the user with its `nsenter -S/-G` applet and execs the workload in
 * place. Supplementary groups are reduced to the primary group (busybox sets only that one).
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
 * runc: confine (or busybox `setsid -c`) does it in place (the workload stays pid 1), so a Ctrl-C reaches
 * the workload's foreground group only, never bwrap outside the namespace. bwrap must then be started on a
 * terminal that is nobody's controlling tty yet (spawnProcess's `workloadLeadsSession`).
 */
export function workloadLeadsSession(a: Pick<SandboxArgs, 'tty' | 'busybox' | 'confine'>): boolean {
  return a.tty && (a.busybox !== undefined || a.confine !== undefined);
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
    if (!st) continue;
    // A path to a directory (`docker run img /`): runc's LookPath answers permission denied (Docker's 126).
    if (st.isDirectory()) { if (argv0.includes('/')) foundNonExec = true; continue; }
    if (st.mode & 0o111) return c;
    foundNonExec = true;
  }
  if (foundNonExec) throw new InvalidArgumentError(`exec: "${argv0}": permission denied`);
  if (argv0.includes('/')) throw new InvalidArgumentError(`exec: "${argv0}": stat ${argv0}: no such file or directory`);
  throw new InvalidArgumentError(`exec: "${argv0}": executable file not found in $PATH`);
}
