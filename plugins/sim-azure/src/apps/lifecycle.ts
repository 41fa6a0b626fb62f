import { randomBytes } from 'node:crypto';
import type { ArmResource, ArmState } from '../arm/state';
import type { RunningWorkload, SimContext } from '../context';
import type { LogStore } from '../logs/store';

export const EXECUTION_TYPE = 'Microsoft.App/jobs/executions';
export const CONSOLE_TABLE = 'ContainerAppConsoleLogs_CL';
export const SYSTEM_TABLE = 'ContainerAppSystemLogs_CL';

/** A container of a job template, as on the wire. */
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; secretRef?: string }>;
  resources?: Record<string, unknown>;
}

/** Where an execution's logs go and what its rows name. */
export interface ExecutionSite {
  job: ArmResource;
  environment?: ArmResource;
  workspace?: string;
}

/** A terminal or running state of an execution, as ACA reports it. */
type ExecutionStatus = 'Processing' | 'Running' | 'Succeeded' | 'Failed' | 'Stopped';

interface Live { stopped: boolean; workload?: RunningWorkload; done: Promise<void> }

/**
 * Runs job executions: one replica (ACA's `parallelism` and `replicaCompletionCount` of 1, which is what a
 * manual job with one container does), its main container a sandbox process, retried up to `replicaRetryLimit`,
 * killed at `replicaTimeout`. Its lines go to the environment's workspace as `ContainerAppConsoleLogs_CL` rows,
 * as ACA's log agent writes them (`ContainerJobName_s`, `ContainerGroupName_s` = the replica, `Stream_s`, `Log_s`).
 * The exit code is in `properties.detailedStatus.replicas[].containers[].code` (ACA's 2025 execution status).
 */
export class ExecutionLifecycle {
  private readonly live = new Map<string, Live>();

  constructor(private readonly ctx: SimContext, private readonly state: ArmState, private readonly logs: LogStore) {
    // What was running when the simulator went down is recorded as failed, as a node loss would.
    for (const e of state.list((r) => r.type === EXECUTION_TYPE && !isTerminal(String(r.properties.status)))) {
      this.finish(e, 'Failed', undefined, 'The replica was stopped because the simulator restarted.');
    }
  }

  start(execution: ArmResource, containers: Container[], site: ExecutionSite): void {
    const live: Live = { stopped: false, done: Promise.resolve() };
    this.live.set(execution.id.toLowerCase(), live);
    live.done = this.run(execution, containers, site, live)
      .catch((err: Error) => {
        this.ctx.logger.error('Azure simulator: execution failed unexpectedly', { execution: execution.id, err: err.stack ?? err.message });
        this.finish(execution, 'Failed', undefined, err.message);
      })
      .finally(() => this.live.delete(execution.id.toLowerCase()));
  }

  /** ACA's stopExecution: the replica is killed and the execution ends Stopped. */
  async stop(executionId: string): Promise<void> {
    const live = this.live.get(executionId.toLowerCase());
    if (!live) return;
    live.stopped = true;
    await live.workload?.signal('SIGKILL').catch(() => undefined);
    await live.done;
  }

  async close(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.stop(id)));
  }

  private async run(e: ArmResource, containers: Container[], site: ExecutionSite, live: Live): Promise<void> {
    const config = (site.job.properties.configuration ?? {}) as { replicaTimeout?: number; replicaRetryLimit?: number };
    const main = containers[0];
    // `secretRef` env vars take the job's secret of that name (configuration.secrets: [{ name, value }]).
    const secrets = new Map(((site.job.properties.configuration as { secrets?: Array<{ name: string; value?: string }> } | undefined)?.secrets ?? []).map((x) => [x.name, x.value ?? '']));
    if (this.ctx.options.startDelayMs > 0) await new Promise((r) => setTimeout(r, this.ctx.options.startDelayMs));
    for (let attempt = 0; attempt <= (config.replicaRetryLimit ?? 0); attempt++) {
      if (live.stopped) return this.finish(e, 'Stopped');
      const replica = `${e.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
      const row = this.rowBase(site, e, replica, main);
      let workload: RunningWorkload;
      try {
        workload = await this.ctx.runner.run({
          id: replica, image: main.image, entrypoint: nonEmpty(main.command), cmd: nonEmpty(main.args), workingDir: '',
          env: [...(main.env ?? []).map((v) => `${v.name}=${v.secretRef !== undefined ? secrets.get(v.secretRef) ?? '' : v.value ?? ''}`), `CONTAINER_APP_JOB_NAME=${site.job.name}`, `CONTAINER_APP_JOB_EXECUTION_NAME=${e.name}`, `CONTAINER_APP_REPLICA_NAME=${replica}`],
          onLine: (stream, line) => this.log(site, CONSOLE_TABLE, { ...row, Stream_s: stream, Log_s: line }),
        });
      } catch (err) {
        this.log(site, SYSTEM_TABLE, { ...row, Log_s: (err as Error).message, Reason_s: 'ContainerCreateFailure', Type_s: 'Warning' });
        this.finish(e, 'Failed', { replica, container: main.name, code: -1 }, (err as Error).message);
        return;
      }
      live.workload = workload;
      // A stop that came while the process was starting found nothing to kill: it is killed now.
      if (live.stopped) void workload.signal('SIGKILL').catch(() => undefined);
      else this.update(e, 'Running');
      const timeoutSec = config.replicaTimeout ?? 1800;
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; void workload.signal('SIGKILL').catch(() => undefined); }, timeoutSec * 1000);
      const status = await workload.exited.finally(() => clearTimeout(timer));
      live.workload = undefined;
      const exit = { replica, container: main.name, code: status.exitCode };
      if (live.stopped) return this.finish(e, 'Stopped', exit);
      if (status.exitCode === 0) return this.finish(e, 'Succeeded', exit);
      const reason = timedOut ? `The replica exceeded its replicaTimeout of ${timeoutSec} s.` : `Container '${main.name}' exited with code ${status.exitCode}.`;
      if (attempt === (config.replicaRetryLimit ?? 0)) return this.finish(e, 'Failed', exit, reason);
    }
  }

  private rowBase(site: ExecutionSite, e: ArmResource, replica: string, main: Container) {
    return {
      ContainerAppName_s: site.job.name, ContainerJobName_s: site.job.name, ContainerGroupName_s: replica, ContainerName_s: main.name,
      ContainerImage_s: main.image, EnvironmentName_s: site.environment?.name ?? '', RevisionName_s: '', Category: 'ContainerAppConsoleLogs',
      _ResourceId: site.job.id.toLowerCase(), ContainerJobExecutionName_s: e.name,
    };
  }

  private log(site: ExecutionSite, table: string, row: Record<string, string | number>): void {
    if (!site.workspace) return;
    const now = new Date();
    this.logs.write(site.workspace, table, { ...row, TimeGenerated: now.toISOString(), _timestamp_d: now.getTime() / 1000 });
  }

  private update(e: ArmResource, status: ExecutionStatus): void {
    e.properties.status = status;
    this.save(e);
  }

  /** Stores `e` unless it was deleted meanwhile (its job or group deleted while it ran). */
  private save(e: ArmResource): void {
    if (this.state.byId(e.id)) this.state.put(e);
  }

  private finish(e: ArmResource, status: ExecutionStatus, exit?: { replica: string; container: string; code: number }, message?: string): void {
    e.properties.status = status;
    e.properties.endTime = new Date().toISOString();
    if (exit) {
      e.properties.detailedStatus = { replicas: [{ name: exit.replica, containers: [{ name: exit.container, code: exit.code, status: status === 'Running' ? 'Running' : 'Terminated', ...(message ? { additionalInformation: message } : {}) }] }] };
    } else if (message) {
      e.properties.detailedStatus = { replicas: [], additionalInformation: message };
    }
    this.save(e);
  }
}

export const isTerminal = (status: string): boolean => ['Succeeded', 'Failed', 'Stopped'].includes(status);

const nonEmpty = (a: string[] | undefined): string[] | undefined => (a && a.length ? a : undefined);
