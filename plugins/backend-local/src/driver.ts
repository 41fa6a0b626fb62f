import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  ConflictError, InvalidArgumentError, NO_RESOURCE_LIMITS, NotFoundError, UnavailableError, hasResourceLimits, normalizeSignal, signalNumber,
  type BackendDriver, type BackendDriverContext, type ExecSpec, type HostEntry,
  type FilesystemChange, type Logger, type ManagedWorkload, type PathStat, type WorkloadEndpoint, type WorkloadProcess, type WorkloadSpec,
  type WorkloadResources, type WorkloadStats,
} from '@sockerless/sdk';
import type { Readable } from 'node:stream';
import { ContainerFiles } from './container-files';
import { execCommand, execLeadsSession, killable } from './exec';
import { detectHostTools, warnAboutSandbox, type HostTools } from './host-tools';
import { Leftovers, LiveRestore } from './live-restore';
import type { Monitored } from './monitor';
import { spawnProcess } from './process';
import { BusyboxHelper } from './busybox-helper';
import { ContainerNetworks } from './network/container-networks';
import type { SharedHostBridges } from './network/host-bridges';
import { OverlayRoots, upperDir } from './rootfs';
import { UsernsRemap, type UsernsRemapOptions } from './userns';
import { ResourceControl } from './resource-control';
import { RunningContainers } from './running';
import { StartCache } from './start-cache';
import { ContainerSecurity, namespacesToJoin, sharedShm, withNamespaces } from './security';
import { SANDBOX_BUSYBOX, bwrapArgs, checkExecutable, workloadLeadsSession } from './sandbox';
import { descendantsOf, pidsInNamespaceOf, top } from './top';
import { WorkloadSpecs, identityFromStateDir } from './spec-identity';
import { resolveUser } from './users';
import { DEFAULT_PATH, exists, isAlive, tick, workloadEnvironment } from './util';

export interface LocalDriverOptions {
  sandbox: 'auto' | 'bubblewrap' | 'none';
  /** `host` puts every container on the host's network; `auto` (the default) gives them Docker's networks. */
  network?: 'auto' | 'host';
  /** dockerd's --userns-remap: container ids 0..size-1 run as host ids uid/gid..+size-1. Off by default. */
  usernsRemap?: UsernsRemapOptions;
  /** dockerd's --live-restore: containers outlive the daemon (each held by a monitor). On by default. */
  liveRestore?: boolean;
}


export class LocalDriver implements BackendDriver {
  readonly kind = 'local';
  private readonly tools: HostTools;
  private readonly logger: Logger;
  private readonly specs: WorkloadSpecs;
  private readonly runs: RunningContainers;
  private readonly roots: OverlayRoots;
  private readonly helper?: BusyboxHelper;
  private readonly startCache = new StartCache();
  private readonly net: ContainerNetworks;
  private readonly security: ContainerSecurity;
  private readonly live: LiveRestore;
  private readonly leftovers: Leftovers;
  private readonly files: ContainerFiles;
  private readonly resources: ResourceControl;
  /** What runs in a sandbox before the workload (bwrap, busybox, confine): see RunningContainers.workloadReady. */
  private readonly setupExecutables: Array<string | undefined>;

  /** `hostBridges`: the daemon's bridges, shared by its `local` instances; without it this instance has its own. */
  constructor(private readonly ctx: BackendDriverContext<LocalDriverOptions>, tools: HostTools = detectHostTools(), hostBridges?: SharedHostBridges) {
    this.logger = ctx.logger;
    this.tools = tools;
    this.specs = new WorkloadSpecs((id) => join(ctx.stateDir, 'containers', id));
    this.helper = tools.busyboxHelper ? new BusyboxHelper(tools.busyboxHelper) : undefined;
    this.roots = new OverlayRoots(this.logger, tools.mount, this.helper);
    const network = ctx.options?.network ?? 'auto';
    const bridges = network === 'auto' ? hostBridges?.open(tools, this.logger) : undefined;
    this.net = new ContainerNetworks({
      stateDir: ctx.stateDir, logger: this.logger, mode: network, tools, bridges,
      runningPid: async (id) => (await this.runs.runningOf(id))?.workloadPid,
      outlivesDaemon: (id) => this.runs.monitored(id),
    });
    this.live = new LiveRestore(this.logger, ctx.options?.liveRestore ?? true);
    this.setupExecutables = [tools.bwrap, tools.staticBusybox];
    this.runs = new RunningContainers({
      stateDirOf: (id) => this.specs.stateDirOf(id), setupExecutables: this.setupExecutables, onExit: (id) => this.net.detach(id),
      oomKills: (id) => this.security.resources.oomKills(id),
    });
    const mode = ctx.options?.sandbox ?? 'auto';
    const remap = ctx.options?.usernsRemap;
    this.security = new ContainerSecurity(this.logger, ctx.stateDir, mode === 'bubblewrap', remap ? new UsernsRemap(this.logger, ctx.stateDir, remap) : undefined);
    this.files = new ContainerFiles({
      specOf: (id) => this.specs.get(id), stateDirOf: (id) => this.specs.stateDirOf(id), sandboxed: (spec) => this.sandboxed(spec),
      rootOf: (spec) => this.rootOf(spec), security: this.security, startCache: this.startCache,
    });
    this.resources = new ResourceControl({
      groups: this.security.resources, readyRunningOf: (id) => this.runs.readyRunningOf(id), specOf: (id) => this.specs.get(id), saveSpec: (spec) => this.specs.save(spec),
    });
    this.leftovers = new Leftovers({
      logger: this.logger, security: this.security, live: this.live, runs: this.runs, net: this.net, stateDirOf: (id) => this.specs.stateDirOf(id),
    });
    // Built in the background at boot (a second or so, once per source version); a start waits for it.
    if (mode !== 'none' && tools.bwrap) void this.security.helper.helper().then((p) => { if (p) this.setupExecutables.push(p); });
    warnAboutSandbox(this.logger, mode, tools);
  }

  private get mode(): LocalDriverOptions['sandbox'] { return this.ctx.options?.sandbox ?? 'auto'; }

  /** Sandboxed when bubblewrap may be used and the image has a root filesystem to put in it. */
  private sandboxed(spec: WorkloadSpec): boolean {
    if (this.mode === 'none' || !spec.image.rootfs) return false;
    if (!this.tools.bwrap) {
      if (this.mode === 'bubblewrap') throw new UnavailableError('sandbox "bubblewrap" is configured but bwrap is not installed');
      return false;
    }
    return true;
  }

  async create(spec: WorkloadSpec): Promise<void> {
    await this.specs.save(spec);
    if (this.sandboxed(spec)) {
      await this.security.prepare(spec);
      const root = await this.mountRoot(spec);
      await this.startCache.prepare(root, spec);
      this.startCache.created(spec.stateDir);
    } else {
      this.logger.warn('container will run directly on the host WITHOUT a sandbox', {
        id: spec.id, reason: this.mode === 'none' ? 'sandbox "none"' : !this.tools.bwrap ? 'bwrap not installed' : 'image has no root filesystem',
        resourceLimits: hasResourceLimits(spec.resources ?? NO_RESOURCE_LIMITS) ? 'NOT enforced (no cgroups without the sandbox)' : 'none asked',
      });
    }
  }

  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    if (this.runs.isActive(spec.id)) throw new ConflictError(`Container ${spec.id} is already running`);
    await this.specs.save(spec);
    return this.sandboxed(spec) ? this.startSandboxed(spec) : this.startOnHost(spec);
  }

  private async startSandboxed(spec: WorkloadSpec): Promise<WorkloadProcess> {
    const bwrap = this.tools.bwrap!;
    const root = await this.mountRoot(spec);
    const { resolvConf } = await this.startCache.prepare(root, spec);
    const workingDir = spec.workingDir || '/';
    for (const m of spec.mounts) {
      if (m.type !== 'tmpfs' && !(await exists(m.source))) {
        throw new InvalidArgumentError(`invalid mount config for type "${m.type}": bind source path does not exist: ${m.source}`);
      }
    }
    const { user, env, exe } = await this.startCache.userAndExecutable(root, spec, workingDir, (u) => workloadEnvironment(spec.env, spec.hostname, u, spec.tty));
    // From here the workload may write to its root: what was remembered about it no longer holds.
    this.startCache.touched(spec.stateDir);
    const sys = await exists(join(root, 'sys'));
    const pidOf = async (target: string) => (await this.runs.runningOf(target))?.workloadPid;
    const confined = await this.security.forStart(spec);
    let spawned: Monitored;
    try {
      // Checked before the network is attached, which nothing would detach after a failure.
      const join = await namespacesToJoin(spec.security, pidOf);
      // Descriptors for bwrap from fd 3 on: confine's cgroup file, then the pid namespace to join.
      if (join.pidnsFd !== undefined) confined.extraFds.push(join.pidnsFd);
      const pidnsFd = join.pidnsFd === undefined ? undefined : 2 + confined.extraFds.length;
      const net = await this.net.attach(spec);
      const enter = withNamespaces(net.enter, join.nsenterOptions, this.tools.nsenter);
      const shm = sharedShm(spec.security);
      const sandbox = {
        root, hostname: spec.hostname, mounts: spec.mounts, workingDir, env, user, busybox: this.tools.staticBusybox, confine: confined.confine,
        security: spec.security, resolvConf, sys, tty: spec.tty, argv: spec.argv, exe, hostsFile: net.hostsFile, unshareNet: net.unshareNet, shm,
        pidns: pidnsFd,
      };
      const args = [...enter, bwrap, ...bwrapArgs(sandbox)];
      this.logger.debug('starting sandbox', { id: spec.id, argv: args });
      // In a namespace of its own, bwrap runs under nsenter, which execs it in place: the pid is bwrap's.
      const leads = workloadLeadsSession(sandbox);
      spawned = await this.live.spawn(spec.stateDir, {
        file: args[0], args: args.slice(1), env: { PATH: process.env.PATH ?? DEFAULT_PATH }, cwd: '/', tty: spec.tty, stdin: spec.openStdin,
        workloadLeadsSession: leads, ctty: spec.tty && !leads, size: spec.consoleSize, extraFds: confined.extraFds,
        cgroupFd: confined.confine?.cgroupFd, closesInheritedFds: confined.confine !== undefined,
      });
      if (net.ports.length > 0) spawned.proc.ports = net.ports;
    } finally {
      confined.close();
    }
    const { proc, pid, monitor } = spawned;
    const r = this.runs.track(spec, proc, { pid, workloadPid: pid, sandboxed: true, monitor });
    r.disconnect = spawned.disconnect;
    r.workloadPid = await this.runs.childPid(pid, r);
    // Docker's State.Pid is the container's init on the host: the workload, not bwrap.
    proc.pid = r.workloadPid;
    await this.runs.save(spec, r, this.net.saved(spec.id));
    return proc;
  }

  private async startOnHost(spec: WorkloadSpec): Promise<WorkloadProcess> {
    const user = await resolveUser('/', spec.user, spec.groupAdd);
    const env = workloadEnvironment(spec.env, spec.hostname, user, spec.tty);
    const cwd = spec.workingDir || '/';
    await fs.mkdir(cwd, { recursive: true });
    await checkExecutable('/', spec.argv[0], env, cwd);
    const asUser = user.uid !== 0 || user.gid !== 0 ? { uid: user.uid, gid: user.gid } : {};
    const spawned = await this.live.spawn(spec.stateDir, {
      file: spec.argv[0], args: spec.argv.slice(1), env, cwd, tty: spec.tty, stdin: spec.openStdin, killGroupOnExit: true, size: spec.consoleSize, ctty: true, ...asUser,
    });
    const { proc, pid, monitor } = spawned;
    proc.pid = pid;
    const r = this.runs.track(spec, proc, { pid, workloadPid: pid, sandboxed: false, monitor });
    r.disconnect = spawned.disconnect;
    await this.runs.save(spec, r);
    return proc;
  }

  async signal(id: string, signal: string): Promise<void> {
    const sig = normalizeSignal(signal);
    // SIGKILL needs no wait: killing pid 1 of the namespace ends the sandbox whatever stage it is at.
    const r = sig === 'SIGKILL' ? await this.runs.runningOf(id) : await this.runs.readyRunningOf(id);
    // A kill at boot of what the store does not know as running (a start cut short by a daemon kill).
    if (!r && sig === 'SIGKILL' && (await this.leftovers.kill(id))) return;
    if (!r) throw new NotFoundError(`Container ${id} is not running`);
    const num = signalNumber(sig);
    this.runs.noteSignal(id, num);
    const kill = (pid: number, s: NodeJS.Signals) => { try { process.kill(pid, s); } catch { /* gone */ } };
    // Known only from its run file (an earlier daemon's run that was not taken back): all of it goes.
    if (sig === 'SIGKILL' && !this.runs.isActive(id)) {
      await this.leftovers.kill(id);
      if (isAlive(r.workloadPid)) kill(r.workloadPid, sig);
      return;
    }
    if (sig === 'SIGKILL') {
      // Pid 1 of a namespace dying takes every process in it; in host mode the group stands in for it.
      // bwrap then exits 137 itself; it is killed only while the workload's pid is still unknown.
      if (r.sandboxed) kill(r.workloadPid, sig); else kill(-r.pid, sig);
      return;
    }
    kill(r.workloadPid, sig);
  }

  async remove(id: string): Promise<void> {
    const stateDir = this.specs.stateDirOf(id);
    const r = await this.runs.runningOf(id);
    if (r) {
      await this.signal(id, 'SIGKILL').catch(() => undefined);
      const exited = this.runs.exitOf(id);
      const deadline = Date.now() + 10_000;
      if (exited) await Promise.race([exited, new Promise((res) => setTimeout(res, 10_000).unref())]);
      while (isAlive(r.workloadPid) && Date.now() < deadline) await tick(5);
    }
    await this.leftovers.kill(id);
    this.security.remove(id);
    await Promise.all([
      this.roots.remove(stateDir, async () => { if (!(await this.helper?.removeTree(stateDir))) await fs.rm(stateDir, { recursive: true, force: true }); }),
      this.net.release(id),
    ]);
    this.runs.forget(id);
    this.specs.forget(id);
    this.startCache.forget(stateDir);
  }

  async list(): Promise<ManagedWorkload[]> {
    const dir = join(this.ctx.stateDir, 'containers');
    const ids = await fs.readdir(dir).catch(() => [] as string[]);
    this.leftovers.killStrays(new Set(ids));
    // The identity lets a daemon whose store lost the record rebuild it (recovery.ts); read only when asked.
    return Promise.all(ids.map(async (id) => ({
      // A run whose exit this daemon saw is over, though its monitor or the rest of its processes may take a moment.
      id, running: !this.runs.exitedHere(id) && (this.leftovers.hasProcesses(id) || (this.runs.mayBeRunning(id) && (await this.runs.runningOf(id)) !== undefined)),
      readIdentity: () => identityFromStateDir(join(dir, id)),
    })));
  }

  /**
   * A container whose monitor outlived the previous daemon: its output, stdin, terminal and exit again (at once
   * when it exited meanwhile, with its own code and time), its network and published ports taken back.
   */
  async reattach(id: string): Promise<WorkloadProcess | undefined> {
    const spec = await this.specs.get(id).catch(() => undefined);
    const saved = await this.runs.savedRun(id);
    if (!spec || !saved?.monitor) return undefined;
    let back;
    try {
      back = this.live.reattach(spec.stateDir, { tty: spec.tty, stdin: spec.openStdin });
    } catch (err) {
      this.logger.warn('could not connect to a live container\'s monitor; it is killed', { id, err: (err as Error).message });
    }
    if (!back) return undefined;
    const { proc } = back;
    proc.pid = saved.workloadPid;
    if (saved.network) proc.ports = await this.net.reattach(spec, saved.network);
    this.runs.track(spec, proc, saved).disconnect = back.disconnect;
    return proc;
  }

  async exec(id: string, spec: ExecSpec): Promise<WorkloadProcess> {
    const cspec = await this.specs.get(id);
    const r = await this.runs.readyRunningOf(id);
    if (!r) throw new ConflictError(`Container ${id} is not running`);
    const workingDir = spec.workingDir || cspec.workingDir || '/';
    if (!r.sandboxed) {
      const user = await resolveUser('/', spec.user || cspec.user, cspec.groupAdd);
      const env = workloadEnvironment(spec.env, cspec.hostname, user, spec.tty);
      await checkExecutable('/', spec.argv[0], env, workingDir);
      const asUser = user.uid !== 0 || user.gid !== 0 ? { uid: user.uid, gid: user.gid } : {};
      return killable(spawnProcess({ file: spec.argv[0], args: spec.argv.slice(1), env, cwd: workingDir, tty: spec.tty, stdin: spec.attachStdin, killGroupOnExit: true, size: spec.consoleSize, ...asUser }));
    }
    if (!this.tools.nsenter) throw new UnavailableError('exec needs nsenter (util-linux) on the host');
    const root = await this.rootOf(cspec);
    const user = await resolveUser(root, spec.user || cspec.user, cspec.groupAdd);
    const env = workloadEnvironment(spec.env, cspec.hostname, user, spec.tty);
    const exe = await checkExecutable(root, spec.argv[0], env, workingDir, cspec.mounts);
    const helperInside = await exists(`/proc/${r.workloadPid}/root${SANDBOX_BUSYBOX}`);
    const confined = await this.security.forExec(cspec, r.workloadPid, spec.tty, spec.privileged);
    const plan = {
      nsenter: this.tools.nsenter, setpriv: this.tools.setpriv, helperInside, target: r.workloadPid, workingDir, user, env, argv: spec.argv, exe,
      tty: spec.tty, confine: confined.confine,
    };
    try {
      return killable(spawnProcess({ ...execCommand(plan), env, cwd: '/', tty: spec.tty, stdin: spec.attachStdin, size: spec.consoleSize,
        workloadLeadsSession: execLeadsSession(plan), extraFds: confined.extraFds, closesInheritedFds: confined.confine !== undefined }));
    } finally {
      confined.close();
    }
  }

  /** The container's overlay, over the image's remapped copy when the daemon remaps it (UsernsRemap). */
  private async mountRoot(spec: WorkloadSpec): Promise<string> {
    const userns = this.security.userns;
    if (!userns?.applies(spec)) return this.roots.ensure(spec.stateDir, spec.image.rootfs!);
    const root = await this.roots.ensure(spec.stateDir, await userns.lowerDir(spec.image.rootfs!));
    await userns.ownContainerDirs(upperDir(spec.stateDir), spec);
    return root;
  }

  /** The container's root on the host: its (re)mounted overlay, or the host's own root in host mode. */
  private async rootOf(spec: WorkloadSpec): Promise<string> {
    if (!this.sandboxed(spec)) return '/';
    return this.mountRoot(spec);
  }

  // docker cp (archive.ts), diff, export and commit (layer-diff.ts) work on the container's files.
  async statPath(id: string, path: string): Promise<PathStat> { return this.files.stat(id, path); }
  async getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: Readable }> { return this.files.get(id, path); }
  async putArchive(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void> { return this.files.put(id, path, tar, opts); }
  async changes(id: string): Promise<FilesystemChange[]> { return this.files.changes(id); }
  async exportFilesystem(id: string): Promise<Readable> { return this.files.export(id); }
  async layerDiff(id: string): Promise<Readable> { return this.files.layerDiff(id); }

  async top(id: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    await this.specs.get(id);
    const r = await this.runs.readyRunningOf(id);
    if (!r) throw new ConflictError(`Container ${id} is not running`);
    const pids = r.sandboxed ? await pidsInNamespaceOf(r.workloadPid) : await descendantsOf(r.pid);
    return top(pids, psArgs);
  }

  async diskUsage(id: string): Promise<number> { return this.files.diskUsage(id); }

  // docker pause/unpause, update and stats work on the container's cgroups (resource-control.ts).
  async pause(id: string): Promise<void> { return this.resources.setPaused(id, true); }
  async unpause(id: string): Promise<void> { return this.resources.setPaused(id, false); }
  async isPaused(id: string): Promise<boolean> { return this.resources.isPaused(id); }
  async updateResources(id: string, r: WorkloadResources): Promise<string[]> { return this.resources.update(id, r); }
  async stats(id: string): Promise<WorkloadStats | undefined> { return this.resources.stats(id); }
  watchOom(id: string, onOom: () => void): () => void { return this.resources.watchOom(id, onOom); }

  async connectNetwork(id: string, endpoint: WorkloadEndpoint): Promise<void> { return this.net.connect(id, endpoint); }
  async disconnectNetwork(id: string, networkId: string): Promise<void> { return this.net.disconnect(id, networkId); }
  async updateHosts(id: string, hosts: HostEntry[]): Promise<void> { return this.net.updateHosts(id, (await this.specs.get(id)).stateDir, hosts); }
  async removeNetwork(networkId: string): Promise<void> { return this.net.removeNetwork(networkId); }

  /**
   * Workloads held by a monitor live on (live-restore); the overlay mounts of the others are released so a
   * stopped daemon leaves no mounts behind; create/start/archive mount them again on demand after a restart.
   */
  async close(): Promise<void> {
    const dir = join(this.ctx.stateDir, 'containers');
    // The roots of containers that outlive the daemon stay mounted: the next daemon's exec and cp use them.
    const ids = (await fs.readdir(dir).catch(() => [] as string[])).filter((id) => !this.runs.monitored(id));
    await this.roots.releaseAll(ids.map((id) => this.specs.stateDirOf(id)));
    this.runs.disconnectAll();
    await Promise.all([this.net.close(), this.security.close()]);
    this.helper?.close();
  }
}
