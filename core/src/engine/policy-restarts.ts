import { guarded, normalizeSignal, NotModifiedError, type Logger } from '@sockerless/sdk';
import type { ContainerEngine } from './container-engine';
import type { ContainerRecord } from './container-record';
import { RestartManager } from './restart-policy';

export interface PolicyRestartsDeps {
  engine: ContainerEngine;
  logger: Logger;
  /** A start by the policy (it keeps the restart count and backoff). */
  start(id: string): Promise<void>;
  /** dockerd's IsShuttingDown: no policy restart from then on. */
  shuttingDown(): boolean;
}

/**
 * The restart policy's plumbing for the RunController: one RestartManager per container since its last manual
 * start, the timers of pending restarts, and what a stop, kill or removal does to them. The rules themselves
 * (which exits restart, the backoff) are in restart-policy.ts.
 */
export class PolicyRestarts {
  private readonly restarts = new Map<string, RestartManager>();

  constructor(private readonly d: PolicyRestartsDeps) {}

  managerOf(id: string): RestartManager {
    let manager = this.restarts.get(id);
    if (!manager) this.restarts.set(id, (manager = new RestartManager()));
    return manager;
  }

  pending(id: string): boolean {
    return this.restarts.get(id)?.pending ?? false;
  }

  /** The policy's start of the container, while it runs. */
  inFlight(id: string): Promise<void> | undefined {
    return this.restarts.get(id)?.inFlight;
  }

  cancelAll(): void {
    for (const manager of this.restarts.values()) manager.cancel();
  }

  /** The container is gone: its history goes with it. */
  forget(id: string): void {
    this.restarts.get(id)?.cancel();
    this.restarts.delete(id);
  }

  /** A manual start begins a new history (Docker's ResetRestartManager): count 0, backoff and cancellation gone. */
  beginHistory(c: ContainerRecord): void {
    if (this.restarts.get(c.id)?.cancel()) c.state = { ...c.state, Status: 'exited', Running: false, Restarting: false };
    this.restarts.delete(c.id);
    c.restartCount = 0;
    c.manuallyStopped = false;
  }

  /** At an exit: how long until the policy starts it again, or undefined when it stays down. */
  delayAfterExit(c: ContainerRecord, exitCode: number): number | undefined {
    if (this.d.shuttingDown()) return undefined;
    const ranMs = Date.now() - Date.parse(c.state.StartedAt);
    const exit = { exitCode, manuallyStopped: c.manuallyStopped ?? false, restartCount: c.restartCount };
    return this.managerOf(c.id).decide(c.hostConfig.RestartPolicy, exit, ranMs);
  }

  schedule(id: string, delayMs: number): void {
    const manager = this.managerOf(id);
    manager.schedule(delayMs, guarded(this.d.logger, { container: id, on: 'restart timer' }, () => {
      const started = this.d.start(id).catch(async (err: Error) => {
        // Started meanwhile by other means (the boot's restore of policies, a manual start): nothing to do.
        if (err instanceof NotModifiedError) return;
        // As dockerd: a policy restart that cannot start leaves the container exited, with the error shown.
        this.d.logger.warn('restart by policy failed', { id, err: err.message });
        const c = this.d.engine.containers.get(id);
        if (!c || !c.state.Restarting) return;
        c.state = { ...c.state, Status: 'exited', Running: false, Restarting: false };
        await this.d.engine.save(c).catch(() => undefined);
      });
      manager.inFlight = started.finally(() => { manager.inFlight = undefined; });
    }));
  }

  /**
   * A stop, kill or removal that arrives while the policy is starting the container again waits for that
   * start (dockerd holds the container's lock through it), then acts on the run it made.
   */
  async settled(id: string): Promise<void> {
    await this.restarts.get(id)?.inFlight;
  }

  /**
   * `docker stop`/`kill`/`rm -f` of a container waiting out its restart delay: the restart is dropped and it
   * is left exited with its last code. False when no restart was pending.
   */
  async endPending(c: ContainerRecord): Promise<boolean> {
    if (!this.pending(c.id)) return false;
    this.managerOf(c.id).cancel();
    c.state = { ...c.state, Status: 'exited', Running: false, Restarting: false };
    c.manuallyStopped = true;
    await this.d.engine.save(c);
    return true;
  }

  /**
   * Docker's killWithSignal: the container counts as stopped by hand (an `unless-stopped` one stays down at
   * the next boot), and a kill with its stop signal, SIGKILL, or any signal when it has no stop signal of
   * its own, ends the restart policy until the next manual start.
   */
  async markStoppedByHand(c: ContainerRecord, sig: NodeJS.Signals): Promise<void> {
    const own = c.config.StopSignal ? normalizeSignal(c.config.StopSignal) : undefined;
    if (!own || sig === 'SIGKILL' || sig === own) this.managerOf(c.id).cancel();
    if (c.manuallyStopped) return;
    c.manuallyStopped = true;
    await this.d.engine.save(c);
  }
}
