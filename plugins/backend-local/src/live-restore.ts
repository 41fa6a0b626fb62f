import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@sockerless/sdk';
import { MONITOR_DIR, killMonitor, monitorAlive, monitorInfo, reattachMonitor, startMonitored, type Monitored } from './monitor';
import { NATIVE_DIR, buildNative } from './native-build';
import { spawnProcess, type SpawnOptions } from './process';

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
