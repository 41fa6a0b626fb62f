import { detached, guarded, newObjectId, type HealthLogEntry, type LifecycleContainer, type LifecycleContext, type WorkloadProcess } from '@sockerless/sdk';
import { applyProbeResult, goDuration, healthAtStart, healthTimings, nextProbeDelay, probeArgv, ProbeOutput, type HealthTimings } from './health-config';

/** How long a probe killed for its timeout gets to go away before the next one may start. */
const KILLED_PROBE_GRACE_MS = 2_000;

interface Watch {
  stopped: boolean;
  timer?: NodeJS.Timeout;
  /** The probe in flight, to kill it when the watch stops. */
  probe?: WorkloadProcess;
}

/**
 * Runs a container's HEALTHCHECK while it runs, as dockerd's health monitor: the probe goes through the
 * backend's exec (with exec_create/exec_start/exec_die events, as dockerd emits for probes), each result
 * moves `State.Health` (kept in the record), and a change of status is the event `health_status: <status>`.
 * A backend without exec has no health monitoring; that is logged once per backend.
 */
export class HealthMonitor {
  private readonly watches = new Map<string, Watch>();
  private readonly warnedBackends = new Set<string>();

  constructor(private readonly ctx: LifecycleContext) {}

  /** `State.Health` for a run about to start: reset to starting when a probe will run, else unchanged. */
  healthForStart(c: LifecycleContainer): LifecycleContainer['state']['Health'] {
    const probes = probeArgv(c.config.Healthcheck) && this.ctx.canExec(c);
    return probes ? healthAtStart(c.state.Health) : c.state.Health;
  }

  /** Begins probing a container that just started (replacing any earlier watch). */
  watch(c: LifecycleContainer): void {
    this.stop(c.id);
    const argv = probeArgv(c.config.Healthcheck);
    if (!argv) return;
    if (!this.ctx.canExec(c)) {
      if (!this.warnedBackends.has(c.backend)) {
        this.warnedBackends.add(c.backend);
        this.ctx.logger.warn('health checks are not run: the backend has no exec', { backend: c.backend });
      }
      return;
    }
    const timings = healthTimings(c.config.Healthcheck!);
    const watch: Watch = { stopped: false };
    this.watches.set(c.id, watch);
    this.schedule(c.id, watch, argv, timings);
  }

  /** Ends probing (the run ended or the container is going away); the last Health stays as it is. */
  stop(id: string): void {
    const watch = this.watches.get(id);
    if (!watch) return;
    watch.stopped = true;
    clearTimeout(watch.timer);
    watch.probe?.kill?.();
    this.watches.delete(id);
  }

  stopAll(): void {
    for (const id of [...this.watches.keys()]) this.stop(id);
  }

  private schedule(id: string, watch: Watch, argv: string[], timings: HealthTimings): void {
    const c = this.ctx.container(id);
    if (!c || watch.stopped) return;
    const delay = nextProbeDelay(timings, Date.now() - Date.parse(c.state.StartedAt), c.state.Health?.Status ?? 'starting');
    watch.timer = setTimeout(guarded(this.ctx.logger, { container: id, on: 'health timer' }, () => {
      void this.probeOnce(id, watch, argv, timings)
        .catch((err: Error) => this.ctx.logger.warn('health check failed to run', { id, err: err.message }))
        .finally(guarded(this.ctx.logger, { container: id, on: 'health reschedule' }, () => this.schedule(id, watch, argv, timings)));
    }), delay);
    // Probes never keep a stopping daemon alive.
    watch.timer.unref();
  }

  private async probeOnce(id: string, watch: Watch, argv: string[], timings: HealthTimings): Promise<void> {
    const c = this.ctx.container(id);
    if (!c || watch.stopped) return;
    const result = await this.runProbe(c, watch, argv, timings);
    // A result that arrives after the run ended belongs to no run (moby drops it the same way).
    const current = this.ctx.container(id);
    if (watch.stopped || !current?.state.Health) return;
    const before = current.state.Health;
    const after = applyProbeResult(before, result, timings, Date.parse(current.state.StartedAt));
    current.state = { ...current.state, Health: after };
    await this.ctx.save(current);
    if (after.Status !== before.Status) this.ctx.emit(current, `health_status: ${after.Status}`);
  }

  /** One probe through the backend's exec, bounded by the timeout; failures to run it are results too (-1). */
  private async runProbe(c: LifecycleContainer, watch: Watch, argv: string[], timings: HealthTimings): Promise<HealthLogEntry> {
    const start = new Date().toISOString();
    const failed = (message: string): HealthLogEntry => ({ Start: start, End: new Date().toISOString(), ExitCode: -1, Output: message });
    const execId = newObjectId();
    const shown = argv.join(' ');
    this.ctx.emit(c, `exec_create: ${shown}`, { execID: execId });
    let proc: WorkloadProcess;
    try {
      proc = await this.ctx.exec(c, argv);
    } catch (err) {
      return failed((err as Error).message);
    }
    watch.probe = proc;
    this.ctx.emit(c, `exec_start: ${shown}`, { execID: execId });
    const output = new ProbeOutput();
    proc.stdout.on('data', (d: Buffer) => output.write(d));
    proc.stderr?.on('data', (d: Buffer) => output.write(d));
    const exited = proc.exited.catch((err: Error) => ({ exitCode: -1, error: err.message }));
    detached(this.ctx.logger, { container: c.id, on: 'health probe exit' }, exited.then((status) => {
      const still = this.ctx.container(c.id);
      if (still) this.ctx.emit(still, 'exec_die', { execID: execId, exitCode: String(status.exitCode) });
    }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timings.timeoutMs); timer.unref(); });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    watch.probe = undefined;
    if (outcome === 'timeout') {
      proc.kill?.();
      // Wait for it to go, so slow probes do not pile up, but not for ever on a backend that cannot kill it.
      await Promise.race([exited, new Promise((r) => setTimeout(r, KILLED_PROBE_GRACE_MS).unref())]);
      const out = output.toString();
      const message = `Health check exceeded timeout (${goDuration(timings.timeoutMs)})`;
      return { Start: start, End: new Date().toISOString(), ExitCode: -1, Output: out ? `${message}: ${out}` : message };
    }
    if (outcome.error && outcome.exitCode === -1) return failed(outcome.error);
    return { Start: start, End: new Date().toISOString(), ExitCode: outcome.exitCode, Output: output.toString() };
  }
}
