import { DOCKER_DEFAULT_CAPABILITIES, type WorkloadProcess } from '@sockerless/sdk';
import type { Spawned } from './process';
import { descendantsOf } from './top';
import { confineArgv } from './confinement';
import type { ExecUser } from './users';
import { SANDBOX_BUSYBOX, execInPlace } from './sandbox';

/**
 * util-linux nsenter argv (without the nsenter path) that runs `argv` inside a running sandbox: the same
 * pid, ipc, uts, network and mount namespaces and root as the workload (host pid `target`), in `workingDir` as seen
 * inside, as `user`. nsenter forks into the pid namespace and hands back the child's exit status, dying of
 * the same signal if the child did, so codes are real. The environment is nsenter's own (spawn env).
 */
export function nsenterArgs(target: number, workingDir: string, user: ExecUser | undefined, argv: string[]): string[] {
  return [
    '--target', String(target), '--pid', '--ipc', '--uts', '--net', '--mount', '--root', `--wdns=${workingDir || '/'}`,
    // Always set both, so the daemon's own supplementary groups never leak into the container; with confine
    // inside, it switches the user (with the user's real supplementary groups) after confining.
    ...(user ? ['--setuid', String(user.uid), '--setgid', String(user.gid)] : []),
    '--', ...argv,
  ];
}

/** The container's confinement, which confine inside the sandbox applies to an exec as to the workload. */
export interface ExecConfinement {
  caps: string[];
  seccomp: boolean;
  noNewPrivileges: boolean;
  /** The container's device cgroup's cgroup.procs is open on CGROUP_FD. */
  cgroupFd: boolean;
  /** The resource groups' cgroup.procs follow it: this many files from CGROUP_FD on in all. */
  cgroupFds?: number;
  /** The fd open on the container's user namespace when it is remapped (see UsernsRemap). */
  usernsFd?: number;
}

export interface ExecCommand {
  file: string;
  args: string[];
}

export interface ExecPlan {
  nsenter: string;
  /** util-linux setpriv on the host; without it the exec keeps the daemon's full capabilities. */
  setpriv?: string;
  /** True when the sandbox has the busybox helper bound (sandboxes started by this version do). */
  helperInside: boolean;
  target: number;
  workingDir: string;
  user: ExecUser;
  env: Record<string, string>;
  argv: string[];
  /** argv[0] resolved in the container. */
  exe: string;
  /** A TTY exec leads a session of its own on it, as the container's workload does (see execLeadsSession). */
  tty?: boolean;
  /** Set when the sandbox has confine inside (started by a daemon that could build it). */
  confine?: ExecConfinement;
}

/** With a TTY and the helper inside, busybox `setsid -c` makes the exec's process lead its own session. */
export function execLeadsSession(p: Pick<ExecPlan, 'tty' | 'helperInside' | 'confine'>): boolean {
  return !!p.tty && (p.helperInside || p.confine !== undefined);
}

/** What nsenter itself needs beyond the container's set: joining namespaces and reading a workload's ns files. */
const ENTER_CAPS = ['SYS_ADMIN', 'SYS_PTRACE'];

/**
 * The host command for `docker exec`. Docker gives an exec the container's capabilities, not the daemon's,
 * but nsenter needs CAP_SYS_ADMIN to join the namespaces. So setpriv first locks root out of automatic
 * capabilities (SECBIT_NOROOT) and leaves only Docker's set plus the two nsenter needs, as ambient caps that
 * survive exec; inside, the sandbox's busybox lowers those two again (inheritable too, so no file
 * capability can bring them back) before the program runs. Without the helper inside (a sandbox started
 * by an older daemon) a non-root user is still safe, as the switch of uid clears every capability.
 */
export function execCommand(p: ExecPlan): ExecCommand {
  if (p.confine) {
    // As runc's exec: nsenter (full root) only enters; confine gives the process the container's bounding
    // set, seccomp filter, no_new_privs, device cgroup and user before it execs the program.
    const c = p.confine;
    const inside = confineArgv({
      caps: c.caps, seccomp: c.seccomp, noNewPrivileges: c.noNewPrivileges, user: p.user, leadSession: execLeadsSession(p),
      cgroupFd: c.cgroupFd, cgroupFds: c.cgroupFds, usernsFd: c.usernsFd, exe: p.exe, argv: p.argv,
    });
    return { file: p.nsenter, args: nsenterArgs(p.target, p.workingDir, undefined, inside) };
  }
  const session = execLeadsSession(p) ? [SANDBOX_BUSYBOX, 'setsid', '-c'] : [];
  if (!p.setpriv || (p.user.uid === 0 && !p.helperInside)) {
    const argv = session.length ? [...session, ...execInPlace(p.env, p.exe, p.argv)] : p.argv;
    return { file: p.nsenter, args: nsenterArgs(p.target, p.workingDir, p.user, argv) };
  }
  const caps = [...DOCKER_DEFAULT_CAPABILITIES.map((c) => c.slice('CAP_'.length)), ...ENTER_CAPS].map((c) => `+${c.toLowerCase()}`).join(',');
  const lower = ENTER_CAPS.map((c) => `-${c.toLowerCase()}`).join(',');
  const inside = p.helperInside
    ? [...session, SANDBOX_BUSYBOX, 'setpriv', '--inh-caps', lower, '--ambient-caps', lower, '--', ...execInPlace(p.env, p.exe, p.argv)]
    : p.argv;
  return {
    file: p.setpriv,
    args: [
      '--securebits=+noroot,+noroot_locked', `--inh-caps=-all,${caps}`, `--ambient-caps=-all,${caps}`,
      '--', p.nsenter, ...nsenterArgs(p.target, p.workingDir, p.user, inside),
    ],
  };
}

/**
 * An exec'd process the core can end (a health probe past its timeout). nsenter's child lives on when only
 * nsenter dies, so every descendant is killed, deepest first.
 */
export function killable({ proc, pid }: Spawned): WorkloadProcess {
  if (pid <= 0) return proc;
  proc.kill = () => {
    void descendantsOf(pid).then((pids) => {
      for (const p of pids.reverse()) { try { process.kill(p, 'SIGKILL'); } catch { /* already gone */ } }
    });
  };
  return proc;
}
