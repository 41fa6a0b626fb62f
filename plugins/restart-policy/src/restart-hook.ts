import {
  ConflictError, guarded, NotModifiedError, normalizeSignal, type LifecycleContainer, type LifecycleContext, type LifecycleHook, type RestartRequest,
} from '@sockerless/sdk';
import { isNone, RestartManager, startsAtBoot, validateRestartPolicy, type RestartPolicy } from './restart-policy';

/**
 * Docker's restart policies on the core's lifecycle, as dockerd's container monitor and restart manager
 * (daemon/monitor.go, restartmanager): at an exit, whether and when the container runs again; stop, kill
 * and removal ending that; and at boot, the containers that run again (daemon.restore).
 */
export class RestartPolicyHook implements LifecycleHook {
  /** Per container since its last manual start; see RestartManager. */
  private readonly restarts = new Map<string, RestartManager>();
  private shuttingDown = false;

  constructor(private readonly ctx: LifecycleContext) {}

  validateCreate(body: { HostConfig?: Record<string, unknown> | null }): void {
    validateRestartPolicy(body.HostConfig ?? {});
  }

  validateUpdate(update: Record<string, unknown>): void {
    const policy = update.RestartPolicy;
    if (policy !== undefined && policy !== null) validateRestartPolicy({ RestartPolicy: policy });
  }

  mergeUpdate(c: LifecycleContainer, update: Record<string, unknown>, merged: Record<string, unknown>): void {
    const policy = update.RestartPolicy as RestartPolicy | undefined;
    if (!policy?.Name) return;
    if (!isNone({ Name: policy.Name }) && c.hostConfig.AutoRemove) {
      throw new ConflictError(`Cannot update container ${c.id}: Restart policy cannot be updated because AutoRemove is enabled for the container`);
    }
    merged.RestartPolicy = { Name: policy.Name, MaximumRetryCount: policy.MaximumRetryCount ?? 0 };
  }

  /** A manual start begins a new history (Docker's ResetRestartManager): count 0, backoff and cancellation gone. */
  starting(c: LifecycleContainer, manual: boolean): void {
    if (!manual) return;
    if (this.restarts.get(c.id)?.cancel()) this.ctx.restartDropped(c);
    this.restarts.delete(c.id);
    c.restartCount = 0;
    c.manuallyStopped = false;
  }

  /** At an exit: how long until the policy starts it again; nothing when it stays down. */
  exited(c: LifecycleContainer, exitCode: number): RestartRequest | undefined {
    if (this.shuttingDown) return undefined;
    const ranMs = Date.now() - Date.parse(c.state.StartedAt);
    const exit = { exitCode, manuallyStopped: c.manuallyStopped ?? false, restartCount: c.restartCount };
    const delayMs = this.managerOf(c.id).decide(c.hostConfig.RestartPolicy, exit, ranMs);
    return delayMs === undefined ? undefined : { delayMs, begin: () => this.schedule(c.id, delayMs) };
  }

  restartPending(id: string, orInFlight: boolean): boolean {
    const manager = this.restarts.get(id);
    return (manager?.pending ?? false) || (orInFlight && manager?.inFlight !== undefined);
  }

  /**
   * A stop, kill or removal that arrives while the policy is starting the container again waits for that
   * start (dockerd holds the container's lock through it), then acts on the run it made.
   */
  async restartSettled(id: string): Promise<void> {
    await this.restarts.get(id)?.inFlight;
  }

  /**
   * `docker stop`/`kill`/`rm -f` of a container waiting out its restart delay: the restart is dropped and it
   * is left exited with its last code. False when no restart was pending.
   */
  async dropRestart(c: LifecycleContainer): Promise<boolean> {
    if (!this.restarts.get(c.id)?.pending) return false;
    this.managerOf(c.id).cancel();
    this.ctx.restartDropped(c);
    c.manuallyStopped = true;
    await this.ctx.save(c);
    return true;
  }

  /**
   * Docker's killWithSignal: the container counts as stopped by hand (an `unless-stopped` one stays down at
   * the next boot), and a kill with its stop signal, SIGKILL, or any signal when it has no stop signal of
   * its own, ends the restart policy until the next manual start. The SIGKILL of a timed-out stop or of
   * `rm -f` (`forGood`) only ends the policy, as dockerd's Kill.
   */
  async signalled(c: LifecycleContainer, sig: NodeJS.Signals, forGood: boolean): Promise<void> {
    const own = c.config.StopSignal ? normalizeSignal(c.config.StopSignal) : undefined;
    if (forGood || !own || sig === 'SIGKILL' || sig === own) this.managerOf(c.id).cancel();
    if (forGood || c.manuallyStopped) return;
    c.manuallyStopped = true;
    await this.ctx.save(c);
  }

  removed(id: string): void {
    this.restarts.get(id)?.cancel();
    this.restarts.delete(id);
  }

  /** dockerd's restore: containers that ran before and whose policy wants them running start again. */
  async boot(): Promise<void> {
    await Promise.all(this.ctx.containers().filter((c) => !this.ctx.isRunning(c.id) && startsAtBoot(c)).map((c) => this.ctx.start(c.id, false).catch((err: Error) => {
      this.ctx.logger.warn('could not start a container at boot as its restart policy asks', { id: c.id, err: err.message });
    })));
  }

  /** The daemon is stopping: no policy restart from here on (dockerd's IsShuttingDown). */
  shutdown(): void {
    this.shuttingDown = true;
    for (const manager of this.restarts.values()) manager.cancel();
  }

  private managerOf(id: string): RestartManager {
    let manager = this.restarts.get(id);
    if (!manager) this.restarts.set(id, (manager = new RestartManager()));
    return manager;
  }

  private schedule(id: string, delayMs: number): void {
    const manager = this.managerOf(id);
    manager.schedule(delayMs, guarded(this.ctx.logger, { container: id, on: 'restart timer' }, () => {
      const started = this.ctx.start(id, true).catch(async (err: Error) => {
        // Started meanwhile by other means (the boot's restore of policies, a manual start): nothing to do.
        if (err instanceof NotModifiedError) return;
        // As dockerd: a policy restart that cannot start leaves the container exited, with the error shown.
        this.ctx.logger.warn('restart by policy failed', { id, err: err.message });
        const c = this.ctx.container(id);
        if (!c || !c.state.Restarting) return;
        this.ctx.restartDropped(c);
        await this.ctx.save(c).catch(() => undefined);
      });
      manager.inFlight = started.finally(() => { manager.inFlight = undefined; });
    }));
  }
}
