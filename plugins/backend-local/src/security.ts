import { closeSync, openSync } from 'node:fs';
import {
  ConflictError, NO_RESOURCE_LIMITS, NotImplementedError, hasResourceLimits, UnavailableError, type Logger, type WorkloadSecurity, type WorkloadSpec,
} from '@sockerless/sdk';
import { ConfineHelper } from './confine-helper';
import { DEFAULT_SECURITY, SANDBOX_CONFINE, SANDBOX_SECCOMP, containerCapabilities } from './confinement';
import { DeviceCgroups, deviceRule } from './device-cgroup';
import { ResourceCgroups } from './resource-cgroups';
import type { ExecConfinement } from './exec';
import { canPassFds } from './process';
import type { SandboxConfinement } from './sandbox';
import { profileOf } from './seccomp/profile';
import { inOtherUserns, type UsernsRemap } from './userns';
import { exists } from './util';

/** What a start or an exec gets: the confinement for confine, and descriptors to hand over as fd 3... */
export interface Confined<T> {
  confine?: T;
  extraFds: number[];
  /** Closes the daemon's copies of extraFds once the program is spawned. */
  close(): void;
}

const securityOf = (spec: WorkloadSpec): WorkloadSecurity => spec.security ?? DEFAULT_SECURITY;

/** A Confined whose close() closes whatever extraFds holds by then (the caller may add to it). */
function confined<T>(confine: T | undefined, extraFds: number[] = []): Confined<T> {
  return {
    confine, extraFds,
    close() { for (const fd of extraFds) { try { closeSync(fd); } catch { /* closed */ } } },
  };
}

const MISSING_HELPER = 'sandbox "bubblewrap" is configured but the confine helper could not be built (install gcc, libc6-dev and libseccomp-dev)';

/** Anything beyond Docker's default that only confine (or a device cgroup) can honour. */
function asksForMore(s: WorkloadSecurity): string | undefined {
  if (s.privileged) return 'Privileged';
  if (s.devices.length > 0) return 'Devices';
  if (s.capAdd.length > 0) return 'CapAdd';
  return undefined;
}

/**
 * The local backend's side of Docker's confinement: checks a container's security at create (devices,
 * seccomp profile), prepares its device cgroup and seccomp filter there so a start pays for neither, and
 * gives starts and execs what confine needs. Without the confine helper (no C compiler or libseccomp) a
 * container runs with bwrap's capability drop only, and what asks for more than the default is refused.
 */
export class ContainerSecurity {
  readonly helper: ConfineHelper;
  private readonly cgroups: DeviceCgroups;
  /** The container's memory, cpu, pids, freezer... groups (limits, pause, stats). */
  readonly resources: ResourceCgroups;

  /** `userns`: the daemon's remapping (usernsRemap), entered by confine; absent by default. */
  constructor(private readonly logger: Logger, stateDir: string, private readonly required: boolean, readonly userns?: UsernsRemap) {
    this.helper = new ConfineHelper(logger, stateDir);
    this.cgroups = new DeviceCgroups(logger, stateDir);
    this.resources = new ResourceCgroups(logger, stateDir);
  }

  /** At create: Docker's 400s for bad devices or profiles, then the cgroup and filter, ready for start. */
  async prepare(spec: WorkloadSpec): Promise<void> {
    const s = securityOf(spec);
    const rules = s.privileged ? [] : s.devices.map(deviceRule);
    const profile = s.privileged ? undefined : profileOf(s.seccomp);
    if (this.userns?.applies(spec)) this.userns.check(spec);
    const helper = await this.helper.helper();
    if (!helper) {
      if (this.required || this.userns?.applies(spec)) throw new UnavailableError(MISSING_HELPER);
      const more = asksForMore(s) ?? (hasResourceLimits(spec.resources ?? NO_RESOURCE_LIMITS) ? 'a resource limit' : undefined);
      if (more) throw new NotImplementedError(`${more} needs the confine helper, which could not be built on this host (install gcc, libc6-dev and libseccomp-dev)`);
      return;
    }
    const unsupported = this.resources.unsupported(spec.resources ?? NO_RESOURCE_LIMITS);
    if (unsupported) throw new NotImplementedError(`${unsupported} needs a cgroup v1 controller this host does not have mounted`);
    if (profile) await this.helper.seccompFilter(profile, containerCapabilities(s));
    this.cgroups.ensure(spec.id, rules, s.privileged);
  }

  /** The workload's confinement; throws when the sandbox mode demands confine and it is missing. */
  async forStart(spec: WorkloadSpec): Promise<Confined<SandboxConfinement>> {
    const s = securityOf(spec);
    const helper = await this.helper.helper();
    if (!helper) {
      if (this.required || this.userns?.applies(spec)) throw new UnavailableError(MISSING_HELPER);
      return confined<SandboxConfinement>(undefined);
    }
    const caps = containerCapabilities(s);
    const profile = s.privileged ? undefined : profileOf(s.seccomp);
    const seccompFilter = profile ? await this.helper.seccompFilter(profile, caps) : undefined;
    const { fds, cgroupFd } = await this.cgroupFds(spec, s, spec.tty, true);
    const cgroupFds = fds.length;
    const remapped = this.userns?.applies(spec) ? this.userns : undefined;
    const usernsFd = remapped ? await this.usernsFd(spec.tty, fds, () => remapped.openNamespace()) : undefined;
    const sysctls = remapped?.sysctls(spec);
    return confined({ helper, seccompFilter, caps, noNewPrivileges: s.noNewPrivileges, cgroupFd, cgroupFds, usernsFd, sysctls }, fds);
  }

  /**
   * An exec's confinement: the container's, read back from what its sandbox has inside (a sandbox started
   * without confine gets the older setpriv path). `privileged` (docker exec --privileged) widens the
   * capabilities to all, as Docker does.
   */
  async forExec(spec: WorkloadSpec, workloadPid: number, tty: boolean, privileged: boolean): Promise<Confined<ExecConfinement>> {
    const root = `/proc/${workloadPid}/root`;
    if (!(await exists(`${root}${SANDBOX_CONFINE}`))) return confined<ExecConfinement>(undefined);
    const s = securityOf(spec);
    const caps = privileged ? containerCapabilities({ ...s, privileged: true }) : containerCapabilities(s);
    const seccomp = await exists(`${root}${SANDBOX_SECCOMP}`);
    const { fds, cgroupFd } = await this.cgroupFds(spec, s, tty, false);
    const cgroupFds = fds.length;
    // An exec joins the workload's user namespace (there is one only where the daemon remapped it).
    const usernsFd = inOtherUserns(workloadPid) ? await this.usernsFd(tty, fds, async () => openSync(`/proc/${workloadPid}/ns/user`, 'r')) : undefined;
    return confined({ caps, seccomp, noNewPrivileges: s.noNewPrivileges, cgroupFd, cgroupFds, usernsFd }, fds);
  }

  /** Adds a descriptor on the user namespace to `fds` and returns its number in the child (3 is the first). */
  private async usernsFd(tty: boolean, fds: number[], open: () => Promise<number>): Promise<number> {
    // Never a silent fallback to host ids: without a way to pass the descriptor the start fails.
    try {
      if (!canPassFds(tty)) throw new UnavailableError('user namespace remapping with a TTY needs node-pty\'s native binding');
      fds.push(await open());
    } catch (err) {
      confined(undefined, fds).close();
      throw err;
    }
    return 2 + fds.length;
  }

  /**
   * The cgroup.procs files confine joins, opened: the device cgroup's first (`cgroupFd`: it is there, on
   * CGROUP_FD, which the monitor joins too), then the resource groups' (made afresh with the limits at a
   * start, `fresh`; re-created if a reboot lost them).
   */
  private async cgroupFds(spec: WorkloadSpec, s: WorkloadSecurity, tty: boolean, fresh: boolean): Promise<{ fds: number[]; cgroupFd: boolean }> {
    if (!canPassFds(tty)) return { fds: [], cgroupFd: false };
    const devices = this.cgroups.ensure(spec.id, s.privileged ? [] : s.devices.map(deviceRule), s.privileged);
    const paths = [...(devices ? [devices] : []), ...(await this.resources.ensure(spec.id, spec.resources ?? NO_RESOURCE_LIMITS, fresh))];
    const fds: number[] = [];
    try {
      for (const p of paths) fds.push(openSync(p, 'w'));
    } catch (err) {
      confined(undefined, fds).close();
      this.logger.warn('cannot open the container\'s cgroups', { id: spec.id, error: (err as Error).message });
      if (hasResourceLimits(spec.resources ?? NO_RESOURCE_LIMITS)) throw err;
      return { fds: [], cgroupFd: false };
    }
    return { fds, cgroupFd: devices !== undefined };
  }

  /** The containers of this home that have a device cgroup. */
  cgroupIds(): string[] {
    return this.cgroups.groups();
  }

  /** Every process in the container's device cgroup: the whole container, its monitor and execs included. */
  processesOf(id: string): number[] {
    return this.cgroups.processesOf(id);
  }

  /**
   * Not awaited by remove: a cgroup rmdir waits for the kernel to retire the group (about 2.5 ms here),
   * which `docker run --rm` would otherwise wait for; its processes are gone already.
   */
  remove(id: string): void {
    void this.cgroups.remove(id);
    void this.resources.remove(id);
  }

  async close(): Promise<void> {
    this.userns?.close();
    await Promise.all([this.cgroups.close(), this.resources.close()]);
  }
}

/** `--ipc host` shares the host's /dev/shm as Docker does (see MountConfinement for `container:<id>`). */
export function sharedShm(s: WorkloadSecurity | undefined): string | undefined {
  return s?.ipcMode === 'host' ? '/dev/shm' : undefined;
}

/** The host pid of the container a `container:<id>` mode names; Docker's 409 when it is not running. */
async function ownerPid(kind: 'PID' | 'IPC', mode: string, pidOf: (id: string) => Promise<number | undefined>): Promise<number | undefined> {
  if (!mode.startsWith('container:')) return undefined;
  const id = mode.slice('container:'.length);
  const pid = await pidOf(id);
  if (!pid) throw new ConflictError(`cannot join ${kind} of a non running container: ${id}`);
  return pid;
}

/**
 * What joining another container's namespaces takes, found before anything is set up: for `--pid
 * container:<id>` a descriptor on its pid namespace, for bwrap's `--pidns` (which then mounts a /proc of
 * that namespace; without it bwrap would bind the host's /proc), handed over as an extra fd; for `--ipc
 * container:<id>` the nsenter option that puts bwrap into its IPC namespace.
 */
export async function namespacesToJoin(
  s: WorkloadSecurity | undefined, pidOf: (id: string) => Promise<number | undefined>,
): Promise<{ pidnsFd?: number; nsenterOptions: string[] }> {
  const ipcOwner = await ownerPid('IPC', s?.ipcMode ?? '', pidOf);
  const pidOwner = await ownerPid('PID', s?.pidMode ?? '', pidOf);
  return {
    pidnsFd: pidOwner === undefined ? undefined : openSync(`/proc/${pidOwner}/ns/pid`, 'r'),
    nsenterOptions: ipcOwner === undefined ? [] : [`--ipc=/proc/${ipcOwner}/ns/ipc`],
  };
}

/** The network's nsenter prefix with `options` added; `-F`: nsenter execs bwrap in place, so the pid stays bwrap's. */
export function withNamespaces(netEnter: string[], options: string[], nsenter: string | undefined): string[] {
  if (options.length === 0) return netEnter;
  if (!nsenter) throw new UnavailableError('joining another container\'s namespaces needs nsenter (util-linux) on the host');
  const netOpts = netEnter.length > 0 ? netEnter.slice(1, -1) : [];
  return [nsenter, ...netOpts, ...options, '-F', '--'];
}
