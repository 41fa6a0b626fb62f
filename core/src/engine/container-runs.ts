import {
  ConflictError, isSockerlessError, InvalidArgumentError, NotModifiedError, normalizeSignal, signalNumber, type ExitStatus, type Logger, type WorkloadProcess,
} from '@sockerless/sdk';
import type { ContainerEngine, ContainerRef } from './container-engine';
import type { ContainerRecord } from './container-record';
import { ContainerControl } from './container-control';
import { releaseAll } from './admission-chain';
import { Waiters, type WaitCondition, type WaitResult } from './waiters';
import { guard, transition } from './lifecycle/container-state';
import type { LifecycleHooks } from './lifecycle/hooks';

interface RunState {
  /** Resolves when the current run has fully ended (recorded, logs flushed, waiters answered). */
  ended: Promise<void>;
  release?: () => void;
  /** Its `oom` event was sent while it ran (the backend's watch), so its exit does not send another. */
  oomReported?: boolean;
}

/**
 * Starting, stopping, waiting, and the exit (recordExit, for every path that ends a run): the exit code, `die`,
 * waiters, the admission slot, then auto-remove, or `restarting` when a hook (the restart policy) asks for a run.
 */
export class RunController {
  private readonly runs = new Map<string, RunState>();
  private readonly starting = new Set<string>();
  /** Exited, its exit not recorded and announced yet: a `wait` now is answered with the `die`, not before it. */
  private readonly exiting = new Set<string>();
  private readonly waiters = new Waiters();
  private readonly hooks: LifecycleHooks;
  /** pause, unpause and update (container-control.ts); a signal to a paused container thaws it. */
  readonly control: ContainerControl;

  constructor(private readonly engine: ContainerEngine, private readonly logger: Logger) {
    this.hooks = engine.deps.lifecycle;
    this.control = new ContainerControl(engine, (id) => this.runs.has(id));
  }

  /** A workload found at boot that no daemon watches: killed (when it still runs) and recorded as exited. */
  async recordLost(c: ContainerRecord): Promise<void> {
    // A backend no longer configured has nothing to kill; the record still says how the run ended.
    await this.engine.deps.backends.get(c.backend)?.signal(c.id, 'SIGKILL').catch(() => undefined);
    c.ports = undefined;
    await this.engine.apply(c, transition.lost(c.state));
  }

  /**
   * A run found at boot whose process the backend gave back (`reattach`), watched as one this daemon started. No
   * admission slot is taken: a controller that counts slots adopts running containers when ready, frees them at `die`.
   */
  async adoptRun(c: ContainerRecord, proc: WorkloadProcess): Promise<void> {
    await this.beginRun(c, proc, undefined, true);
  }

  isRunning(id: string): boolean {
    return this.runs.has(id);
  }

  /** `policyRestart`: started by the restart policy, which keeps the restart count and backoff. */
  async start(ref: ContainerRef, policyRestart = false): Promise<void> {
    const c = this.engine.resolve(ref);
    guard.start(c, this.runs.has(c.id) || this.starting.has(c.id));
    this.hooks.starting(c, !policyRestart);
    this.starting.add(c.id);
    const held: Array<() => void> = [];
    try {
      await this.engine.deps.admission.admit('start', held, (a) => a.onStart?.({ containerId: c.id, pool: c.pool, backend: c.backend }));
      const spec = this.engine.workloadSpec(c, true);
      const proc = await this.engine.backendOf(c).start(spec);
      if (spec.network) this.engine.deps.networks.started(c, spec.network.hosts);
      await this.beginRun(c, proc, () => releaseAll(held), false);
    } catch (err) {
      releaseAll(held);
      // Docker records a start failure on the container, so `inspect` shows why, with the shell's codes.
      const message = (err as Error).message;
      const code = /executable file not found|no such file or directory/.test(message) ? 127 : /permission denied/.test(message) ? 126 : 128;
      // Removed (or being removed, its root gone under the start) meanwhile: dockerd's container lock says 409, not 500.
      const now = this.engine.containers.get(c.id);
      if (!now || now.state.Status === 'removing') throw removedMeanwhile(err);
      await this.engine.apply(c, transition.startFailed(c.state, message, code)).catch(() => undefined);
      if (c.hostConfig.AutoRemove) await this.remove(c.id, { force: true, removeVolumes: true }).catch(() => undefined);
      throw err;
    } finally {
      this.starting.delete(c.id);
    }
  }

  /** Binds a process to the container's I/O and watches it to its exit (`reattached`: keeps StartedAt, no `start`). */
  private async beginRun(c: ContainerRecord, proc: WorkloadProcess, release: (() => void) | undefined, reattached: boolean): Promise<void> {
    const outputDone = this.engine.ioOf(c.id).bind(proc);
    let endRun!: () => void;
    const run: RunState = { ended: new Promise<void>((r) => { endRun = r; }), release };
    this.runs.set(c.id, run);
    const startedAt = reattached ? c.state.StartedAt : new Date().toISOString();
    c.ports = proc.ports?.length ? proc.ports : undefined;
    const running = transition.running(c.state, { pid: proc.pid, startedAt, paused: reattached && c.state.Paused });
    await this.engine.apply(c, running, undefined, () => this.hooks.started(c, reattached));
    if (!reattached) {
      // Docker connects a container's endpoints when it starts and disconnects them when it dies.
      this.engine.deps.networks.emitEndpointEvents(c, 'connect');
      this.engine.emit(c, 'start');
    }
    // While the run lasts, the backend's OOM kills are dockerd's `oom` events.
    const stopOom = this.engine.backendOf(c).powers.oom?.watchOom(c.id, () => {
      run.oomReported = true;
      this.engine.emit(this.engine.containers.get(c.id) ?? c, 'oom');
    });
    void proc.exited.finally(() => stopOom?.())
      .catch((err: Error): ExitStatus => ({ exitCode: 128, error: err.message }))
      .then(async (status) => { await outputDone; await this.recordExit(c.id, status); })
      .catch((err: Error) => this.logger.error('exit handling failed', { id: c.id, err: err.message }))
      .finally(endRun);
  }

  private async recordExit(id: string, status: ExitStatus): Promise<void> {
    this.exiting.add(id);
    try {
      const run = this.runs.get(id);
      this.runs.delete(id);
      run?.release?.();
      const c = this.engine.containers.get(id);
      if (!c) return;
      const io = this.engine.ioOf(id);
      const restart = this.hooks.exited(c, status.exitCode);
      // As dockerd: a restart is counted now, and the container shown as restarting while the delay runs.
      if (restart !== undefined) c.restartCount++;
      const exited = transition.exited(c.state, status);
      c.ports = undefined;
      this.engine.deps.networks.stopped(id);
      await this.engine.apply(c, restart === undefined ? exited : transition.restarting(exited));
      io.finishRun();
      // dockerd emits `oom` when the kernel's OOM killer hit the container, before its `die`.
      if (status.oomKilled && !run?.oomReported) this.engine.emit(c, 'oom');
      this.engine.emit(c, 'die', { exitCode: String(status.exitCode), ...(status.signal ? { signal: status.signal } : {}) });
      this.engine.deps.networks.emitEndpointEvents(c, 'disconnect');
      this.waiters.answer(id, ['next-exit', 'not-running'], status.exitCode, status.error);
      if (restart !== undefined) {
        restart.begin();
        return;
      }
      if (c.hostConfig.AutoRemove) {
        await this.remove(id, { force: true, removeVolumes: true }).catch((err: Error) => this.logger.warn('auto-remove failed', { id, err: err.message }));
      }
    } finally {
      this.exiting.delete(id);
    }
  }

  /** Resolves per Docker's conditions; `signal` drops the waiter when the client goes (`docker run -d` abandons it). */
  wait(ref: ContainerRef, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) {
      throw new InvalidArgumentError(`invalid condition: "${condition}"`);
    }
    const c = this.engine.resolve(ref);
    if (condition === 'not-running' && !this.runs.has(c.id) && !this.starting.has(c.id) && !this.exiting.has(c.id) && !this.hooks.restartPending(c.id, false)) {
      return Promise.resolve({ StatusCode: c.state.ExitCode });
    }
    return this.waiters.add(c.id, condition, signal);
  }

  async kill(idOrName: string, signal = 'SIGKILL'): Promise<void> {
    const c = this.engine.find(idOrName);
    const sig = normalizeSignal(signal);
    await this.hooks.restartSettled(c.id);
    // Docker: a restarting container has no process to signal; the kill only keeps it down.
    if (await this.hooks.dropRestart(c)) return;
    const run = this.runs.get(c.id);
    if (!run) throw new ConflictError(`Cannot kill container: ${idOrName}: Container ${c.id} is not running`);
    await this.deliver(c, sig, false, true);
    // dockerd's Kill returns once a SIGKILL'd container is not running (daemon/kill.go, WaitConditionNotRunning),
    // so a `rm` right after works; bounded, so a backend that never reports the exit cannot hold the request.
    if (sig === 'SIGKILL') await Promise.race([run.ended, delay(KILL_SETTLE_MS)]);
  }

  /** Docker's stop: the stop signal, then SIGKILL after `timeoutSeconds` (-1 waits forever). */
  async stop(ref: ContainerRef, timeoutSeconds?: number, signal?: string): Promise<void> {
    const c = this.engine.resolve(ref);
    await this.hooks.restartSettled(c.id);
    if (await this.hooks.dropRestart(c)) {
      this.engine.emit(c, 'stop');
      return;
    }
    const run = this.runs.get(c.id);
    if (!run) throw new NotModifiedError('container already stopped');
    const sig = normalizeSignal(signal || c.config.StopSignal || 'SIGTERM');
    const timeout = timeoutSeconds ?? c.config.StopTimeout ?? 10;
    await this.deliver(c, sig, false);
    if (timeout >= 0) {
      const exited = await Promise.race([run.ended.then(() => true), delay(timeout * 1000).then(() => false)]);
      // The SIGKILL of a stop that timed out ends the restart policy, as in dockerd's Kill.
      if (!exited && this.runs.get(c.id) === run) await this.deliver(c, 'SIGKILL', true);
    }
    await run.ended;
    const after = this.engine.containers.get(c.id);
    if (after) this.engine.emit(after, 'stop');
  }

  async restart(ref: ContainerRef, timeoutSeconds?: number, signal?: string): Promise<void> {
    const c = this.engine.resolve(ref);
    if (this.runs.has(c.id) || this.hooks.restartPending(c.id, false)) await this.stop(c.id, timeoutSeconds, signal);
    await this.start(c.id);
    this.engine.emit(c, 'restart');
  }

  async remove(ref: ContainerRef, opts: { force: boolean; removeVolumes: boolean }): Promise<void> {
    const c = this.engine.resolve(ref);
    if (!opts.force) guard.remove(c, this.runs.has(c.id), this.hooks.restartPending(c.id, true));
    else await this.hooks.restartSettled(c.id);
    if (this.hooks.restartPending(c.id, true)) await this.hooks.dropRestart(c);
    const run = this.runs.get(c.id);
    if (run) {
      // `rm -f`'s SIGKILL ends the restart policy too.
      await this.deliver(c, 'SIGKILL', true);
      await run.ended;
      // The exit path may have auto-removed it already.
      if (!this.engine.containers.get(c.id)) return;
    }
    if (c.state.Status === 'removing') return;
    await this.engine.apply(c, transition.removing(c.state));
    this.hooks.removed(c.id);
    await this.engine.destroy(c, opts.removeVolumes);
    this.waiters.answer(c.id, ['removed', 'next-exit', 'not-running'], c.state.ExitCode, c.state.Error || undefined);
  }

  /**
   * dockerd's killWithSignal: the hooks hear of it (`forGood`: a SIGKILL that ends the restart policy), the backend
   * delivers it, `kill` is announced, a paused container thaws. Only `docker kill` (`strict`) fails on a failed delivery.
   */
  private async deliver(c: ContainerRecord, sig: NodeJS.Signals, forGood: boolean, strict = false): Promise<void> {
    await this.hooks.signalled(c, sig, forGood);
    const sent = this.engine.backendOf(c).signal(c.id, sig);
    await (strict ? sent : sent.catch(() => undefined));
    this.engine.emit(c, 'kill', { signal: String(signalNumber(sig)) });
    await this.control.thawAfterSignal(c, sig);
  }
}

const KILL_SETTLE_MS = 30_000;
function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** A start that lost its container to a removal: dockerd's 409 for a start on a container being removed. */
function removedMeanwhile(err: unknown): unknown {
  return isSockerlessError(err) ? err : new ConflictError('container is marked for removal and cannot be started');
}
