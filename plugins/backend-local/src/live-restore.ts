import { mkdirSync, promises as fs, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@sockerless/sdk';
import { MONITOR_DIR, killMonitor, monitorAlive, monitorInfo, reattachMonitor, startMonitored, type Monitored } from './monitor';
import { NATIVE_DIR, buildNative } from './native-build';
import type { ContainerNetworks } from './network/container-networks';
import { spawnProcess, type SpawnOptions } from './process';
import type { RunningContainers } from './running';
import type { ContainerSecurity } from './security';

/**
 * dockerd's --live-restore for local containers: every workload is started under its own monitor (native/shim.c),
 * so it outlives the daemon (a kill -9, a crash, an upgrade) and a booting daemon takes it back. Without a C
 * compiler (or with `liveRestore: false`) workloads are the daemon's own children, as before, and die with it.
 */
export class LiveRestore {
  private built?: Promise<string | undefined>;

  constructor(private readonly logger: Logger, readonly enabled: boolean, private readonly nativeDir = NATIVE_DIR) {
    // Built in the background at boot (a fraction of a second, once per source version); a start waits for it.
    if (enabled) void this.helper();
  }

  private helper(): Promise<string | undefined> {
    return (this.built ??= buildNative(this.logger, this.nativeDir, 'shim').catch((err: Error) => {
      this.logger.warn(`cannot build the container monitor (install gcc and libc6-dev): containers die with the daemon (no live-restore): ${err.message}`);
      return undefined;
    }));
  }

  /**
   * Starts the program under a monitor when live-restore is on (the monitor's child is the program: bwrap,
   * nsenter or the workload in host mode), else as a child of the daemon. `cgroupFd`: extraFds[0] is the
   * device cgroup's cgroup.procs, which the monitor joins first, so every process of the container is in it.
   */
  async spawn(stateDir: string, o: SpawnOptions & { cgroupFd?: boolean; ctty?: boolean }): Promise<Monitored> {
    const shim = this.enabled && o.uid === undefined ? await this.helper() : undefined;
    if (!shim) return spawnProcess(o);
    const dir = join(stateDir, MONITOR_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return startMonitored({
      shim, dir, file: o.file, args: o.args, env: o.env, cwd: o.cwd, tty: o.tty, stdin: o.stdin, size: o.size,
      ctty: o.ctty, killGroup: o.killGroupOnExit, extraFds: o.extraFds, cgroupFd: o.cgroupFd,
    });
  }

  /** The process of a container whose monitor outlived the previous daemon; undefined when there is none. */
  reattach(stateDir: string, o: { tty: boolean; stdin: boolean }): Omit<Monitored, 'pid'> | undefined {
    return reattachMonitor(join(stateDir, MONITOR_DIR), o);
  }

  /** Whether the container's monitor still runs. */
  alive(stateDir: string): boolean {
    return monitorAlive(monitorInfo(join(stateDir, MONITOR_DIR)));
  }

  /** Ends the container's monitor (its sandbox dies with it) and forgets its files. */
  discard(stateDir: string): void {
    const dir = join(stateDir, MONITOR_DIR);
    killMonitor(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LeftoversDeps {
  logger: Logger;
  security: ContainerSecurity;
  live: LiveRestore;
  runs: RunningContainers;
  net: ContainerNetworks;
  stateDirOf(id: string): string;
}

/**
 * What runs of a container without this daemon having started or taken it back: found exactly through the
 * container's device cgroup (every process of a container joins it first, its monitor included) and the
 * monitor's pid file. At boot the core kills what runs without a record saying so (no workload outlives its
 * record); `kill` is how.
 */
export class Leftovers {
  constructor(private readonly d: LeftoversDeps) {}

  hasProcesses(id: string): boolean {
    return this.d.security.processesOf(id).length > 0 || this.d.live.alive(this.d.stateDirOf(id));
  }

  /** Processes in a device cgroup of this home whose container dir is gone: nothing could ever reattach them. */
  killStrays(known: Set<string>): void {
    const strays = this.d.security.cgroupIds().filter((id) => !known.has(id) && this.d.security.processesOf(id).length > 0);
    for (const id of strays) this.killCgroup(id);
    if (strays.length > 0) this.d.logger.warn('killed the processes of containers whose state dir is gone', { ids: strays });
  }

  /**
   * Kills the container's monitor and every process in its cgroup, and removes the network the boot kept for it
   * (unless it is a run of this daemon); true when there was any process.
   */
  async kill(id: string): Promise<boolean> {
    const found = this.hasProcesses(id);
    const stateDir = this.d.stateDirOf(id);
    this.d.live.discard(stateDir);
    this.killCgroup(id);
    if (this.d.runs.isActive(id)) return found;
    const saved = await this.d.runs.savedRun(id);
    if (saved?.network) await this.d.net.discard(id, saved.network);
    await fs.rm(join(stateDir, 'run.json'), { force: true });
    return found;
  }

  private killCgroup(id: string): void {
    for (const pid of this.d.security.processesOf(id)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    // A paused container's processes die only once thawed.
    this.d.security.resources.thaw(id);
  }
}
