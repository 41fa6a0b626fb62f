import { ConflictError, InvalidArgumentError, isSockerlessError } from '@sockerless/sdk';
import type { ContainerEngine } from './container-engine';
import type { ContainerRecord } from './container-record';
import { guard, transition } from './lifecycle/container-state';

/** pause, unpause, update as dockerd (daemon/pause.go, update.go): state and events here, freezing and limits the backend's. */
export class ContainerControl {
  /** `isRunning`: whether a run is in progress (RunController's); pausing needs one. */
  constructor(private readonly engine: ContainerEngine, private readonly isRunning: (id: string) => boolean) {}

  async pause(ref: string): Promise<void> {
    const c = this.engine.find(ref);
    guard.pause(c, this.isRunning(c.id));
    await this.engine.backendOf(c).need('pause', 'pause').pause(c.id);
    await this.record(c, true);
  }

  async unpause(ref: string): Promise<void> {
    const c = this.engine.find(ref);
    // dockerd 20.10 answers this one with a 500, not a conflict.
    if (!c.state.Paused) throw new Error(`Container ${c.id} is not paused`);
    await this.engine.backendOf(c).need('pause', 'unpause').unpause(c.id);
    await this.record(c, false);
  }

  /** The new state, saved, and dockerd's `pause`/`unpause` event (`quiet`: none). */
  private async record(c: ContainerRecord, paused: boolean, quiet = false): Promise<void> {
    const now = this.engine.containers.get(c.id) ?? c;
    // Ended meanwhile (the exit path cleared the state): nothing to record.
    if (!now.state.Running) return;
    await this.engine.apply(now, transition.paused(now.state, paused), quiet ? undefined : paused ? 'pause' : 'unpause');
    // dockerd's updateHealthMonitor: no probe runs in a frozen container; they start again when it thaws.
    this.engine.deps.lifecycle.paused(now, paused);
  }

  /**
   * dockerd's killWithSignal on a paused container: the signal is queued, then a thaw delivers it (containerd's
   * `unpause` event); runc delivers a SIGKILL by thawing the group itself, with no event.
   */
  async thawAfterSignal(c: ContainerRecord, signal: string): Promise<void> {
    if (!c.state.Paused) return;
    await this.engine.backendOf(c).powers.pause?.unpause(c.id).catch(() => undefined);
    await this.record(c, false, signal === 'SIGKILL');
  }

  /** `docker commit --pause` (the default): runs `fn` with the container frozen when it runs and can be. */
  async whilePaused<T>(c: ContainerRecord, pause: boolean, fn: () => Promise<T>): Promise<T> {
    if (!pause || c.state.Paused || !this.isRunning(c.id) || !this.engine.backendOf(c).powers.pause) return fn();
    try {
      await this.pause(c.id);
    } catch (err) {
      // A workload this backend cannot freeze (local's host mode) is committed as it runs, as with --pause=false.
      if (isSockerlessError(err) && err.code === 'NotImplemented') return fn();
      throw err;
    }
    try {
      return await fn();
    } finally {
      if (this.engine.containers.get(c.id)?.state.Paused) await this.unpause(c.id).catch(() => undefined);
    }
  }

  /** `POST /containers/{id}/update`: dockerd's checks (400 values, 409 conflicts), the backend's limits, the restart policy. */
  async update(ref: string, body: unknown): Promise<{ Warnings: string[] }> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidArgumentError('invalid update body: expected a JSON object');
    const update = body as Record<string, unknown>;
    const c = this.engine.find(ref);
    const hooks = this.engine.deps.lifecycle;
    hooks.validateUpdate(update);
    if (c.state.Status === 'removing' || c.state.Dead) throw new ConflictError(`Cannot update container ${c.id}: container is marked for removal and cannot be "update"`);
    const merged = structuredClone(c.hostConfig);
    hooks.mergeUpdate(c, update, merged);
    const before = hooks.workloadSettings(c).resources;
    const after = hooks.workloadSettings({ ...c, hostConfig: merged }).resources;
    const warnings: string[] = [];
    if (after && JSON.stringify(before) !== JSON.stringify(after)) {
      const driver = this.engine.backendOf(c).need('resources', 'updating resource limits');
      try {
        warnings.push(...(await driver.updateResources(c.id, after)));
      } catch (err) {
        if (isSockerlessError(err)) throw err;
        throw new Error(`Cannot update container ${c.id}: ${(err as Error).message}`);
      }
    }
    c.hostConfig = merged;
    await this.engine.save(c);
    this.engine.emit(c, 'update');
    return { Warnings: warnings };
  }
}
