import { readFileSync } from 'node:fs';
import { DOCKER_DEFAULT_CAPABILITIES, LINUX_CAPABILITIES, capabilitiesOf, type WorkloadDevice, type WorkloadSecurity } from '@sockerless/sdk';
import type { ExecUser } from './users';

/**
 * Docker's default confinement as bwrap options and `confine` arguments (see native/confine.c and
 * docs/isolation.md): masked and read-only /proc and /sys paths as runc applies them, a /dev with only the
 * default devices, and the capability, seccomp, no_new_privs and user settings confine applies inside.
 */

/** Where the in-sandbox helpers are bound: under bwrap's /dev tmpfs, so they never land in the container's layer. */
export const SANDBOX_HELPER_DIR = '/dev/.sockerless';
export const SANDBOX_CONFINE = `${SANDBOX_HELPER_DIR}/confine`;
/** The container's compiled seccomp filter, read by confine for the workload and for every exec. */
export const SANDBOX_SECCOMP = `${SANDBOX_HELPER_DIR}/seccomp.bpf`;
/** The fd on which confine finds the container's device cgroup's cgroup.procs, opened by the daemon. */
export const CGROUP_FD = 3;

/**
 * moby's defaultLinuxMaskedPaths: hidden behind /dev/null (files) or an empty read-only tmpfs (dirs); a path
 * the kernel does not have is skipped, as runc does.
 */
export const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/sched_debug',
  '/proc/scsi', '/proc/timer_list', '/proc/timer_stats', '/sys/devices/virtual/powercap', '/sys/firmware',
];
/** moby's ReadonlyPaths: bound read-only over themselves. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Default security: what a container gets when the core sends no WorkloadSecurity. */
export const DEFAULT_SECURITY: WorkloadSecurity = {
  privileged: false, capAdd: [], capDrop: [], devices: [], seccomp: 'default', noNewPrivileges: false, pidMode: '', ipcMode: '', utsMode: '',
};

export interface MountConfinement {
  privileged: boolean;
  devices: WorkloadDevice[];
  /** The image has a /sys to mount the host's over. */
  sys: boolean;
  /**
   * `--ipc host`: the host's /dev/shm, as Docker binds it. (With `container:<id>` the IPC namespace is
   * shared but not /dev/shm: Linux refuses to bind a mount of another mount namespace, even with open_tree.)
   */
  shm?: string;
}

/**
 * The bwrap options for /proc, /dev and /sys: bwrap's minimal /dev (null zero full random urandom tty,
 * ptmx, pts, shm, the fd links, console for a TTY) plus the asked devices, or the host's /dev and a
 * writable /sys when privileged. The masked and read-only paths are confine's (see pathsToConfine).
 */
export function mountArgs(c: MountConfinement): string[] {
  const args = ['--proc', '/proc'];
  if (c.privileged) args.push('--dev-bind', '/dev', '/dev');
  else args.push('--dev', '/dev');
  // Docker shares the host's /dev/shm along with its IPC namespace (`--ipc host`).
  args.push(...(c.shm ? ['--bind', c.shm, '/dev/shm'] : ['--tmpfs', '/dev/shm']));
  if (c.sys) args.push(c.privileged ? '--bind' : '--ro-bind', '/sys', '/sys');
  if (c.privileged) return args;
  for (const d of c.devices) args.push('--dev-bind', d.hostPath, d.containerPath);
  return args;
}

/** The daemon's own bounding set: a privileged container cannot be given more. */
function daemonCapabilities(): string[] {
  let status = '';
  try { status = readFileSync('/proc/self/status', 'utf8'); } catch { /* not Linux: assume all */ }
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (!hex) return [...LINUX_CAPABILITIES];
  const mask = BigInt(`0x${hex}`);
  return LINUX_CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}
let available: string[] | undefined;

/** The container's capability set (Docker's TweakCapabilities), limited to what the daemon holds. */
export function containerCapabilities(security: WorkloadSecurity | undefined): string[] {
  available ??= daemonCapabilities();
  return security ? capabilitiesOf(security, available) : DOCKER_DEFAULT_CAPABILITIES.filter((c) => available!.includes(c));
}

export interface ConfineOptions {
  caps: string[];
  /** The seccomp filter is bound at SANDBOX_SECCOMP. */
  seccomp: boolean;
  noNewPrivileges: boolean;
  user: ExecUser;
  /** Lead a new session with stdin as controlling terminal (a TTY workload or exec). */
  leadSession: boolean;
  /** The device cgroup's cgroup.procs is open on CGROUP_FD. */
  cgroupFd: boolean;
  /** How many cgroup.procs files are open from CGROUP_FD on (the device cgroup's first when cgroupFd). */
  cgroupFds?: number;
  /** The fd (as confine sees it) open on the remapped user namespace to enter (usernsRemap). */
  usernsFd?: number;
  /** `key=value` sysctls of the container's own namespaces, written before /proc/sys turns read-only. */
  sysctls?: string[];
  exe: string;
  argv: string[];
  /** Variables to remove that the runtime added on the way (bwrap's --chdir sets PWD). */
  unsetEnv?: string[];
  /**
   * The workload only (an exec finds them done): runc's read-only and masked paths, applied by confine
   * with one mount call each; bwrap's own binds re-read the whole mount table per bind, ~1 ms each here.
   */
  readonlyPaths?: string[];
  maskedPaths?: string[];
}

/** The in-sandbox argv that confines and then execs the workload (or an exec's program) in place. */
export function confineArgv(o: ConfineOptions): string[] {
  const args = [SANDBOX_CONFINE];
  // Each cgroup.procs is written "0" (confine itself) before anything runs, so no process escapes a limit.
  for (let i = 0; i < (o.cgroupFds ?? (o.cgroupFd ? 1 : 0)); i++) args.push('--cgroup-fd', String(CGROUP_FD + i));
  for (const s of o.sysctls ?? []) args.push('--sysctl', s);
  for (const p of o.readonlyPaths ?? []) args.push('--ro-path', p);
  for (const p of o.maskedPaths ?? []) args.push('--mask-path', p);
  if (o.leadSession) args.push('--setsid-ctty');
  if (o.usernsFd !== undefined) args.push('--userns-fd', String(o.usernsFd));
  const numbers = o.caps.map((c) => (LINUX_CAPABILITIES as readonly string[]).indexOf(c)).filter((n) => n >= 0).sort((a, b) => a - b);
  args.push('--caps', numbers.join(',') || '-');
  if (o.seccomp) args.push('--seccomp-file', SANDBOX_SECCOMP);
  if (o.noNewPrivileges) args.push('--nnp');
  args.push('--uid', String(o.user.uid), '--gid', String(o.user.gid), '--groups', o.user.groups.join(',') || '-');
  for (const name of o.unsetEnv ?? []) args.push('--unset-env', name);
  args.push('--argv0', o.argv[0] ?? o.exe, '--', o.exe, ...o.argv.slice(1));
  return args;
}
