import type { protos } from '@google-cloud/run';
import {
  callGoogle, entryText, googleClientOptions, importGoogleSdk, LogEntriesFollower, operationOutcome, requestIdHeader,
  useGeneratedOperationDecoders, type GcpConnection, type LogEntriesLister,
} from '@sockerless/cloud-gcp';
import type { Tracer } from '@sockerless/sdk';

// Types only at the top: the client packages themselves are loaded by `CloudRunApi.open`, when a driver is created.
type RunModule = typeof import('@google-cloud/run');
type LoggingModule = typeof import('@google-cloud/logging');
export type Job = protos.google.cloud.run.v2.IJob;
export type Execution = protos.google.cloud.run.v2.IExecution;
export type Task = protos.google.cloud.run.v2.ITask;

/**
 * The Cloud Run Admin v2 and Cloud Logging calls the driver makes, on the official clients (REST). Every call
 * is a span (with its request id) and fails with the SDK's typed error (`run: NOT_FOUND: ...`), quota and
 * unavailability retried with backoff first.
 */
export class CloudRunApi {
  readonly parent: string;

  private constructor(
    private readonly conn: GcpConnection,
    private readonly jobs: InstanceType<RunModule['v2']['JobsClient']>,
    private readonly executions: InstanceType<RunModule['v2']['ExecutionsClient']>,
    private readonly tasks: InstanceType<RunModule['v2']['TasksClient']>,
    private readonly logging: InstanceType<LoggingModule['v2']['LoggingServiceV2Client']>,
    private readonly attempts: number,
    private readonly tracer?: Tracer,
  ) {
    this.parent = `projects/${conn.project}/locations/${conn.region}`;
  }

  /** Loads the clients (about half a second) and makes them. */
  static async open(conn: GcpConnection, attempts: number, tracer?: Tracer): Promise<CloudRunApi> {
    const [run, logging] = await importGoogleSdk(() => import('@google-cloud/run'), () => import('@google-cloud/logging'));
    const options = await googleClientOptions(conn);
    const jobs = new run.v2.JobsClient(options);
    const job = '.google.cloud.run.v2.Job';
    const execution = '.google.cloud.run.v2.Execution';
    useGeneratedOperationDecoders(jobs, {
      createJob: { response: job, metadata: job }, deleteJob: { response: job, metadata: job }, runJob: { response: execution, metadata: execution },
    });
    return new CloudRunApi(conn, jobs, new run.v2.ExecutionsClient(options), new run.v2.TasksClient(options),
      new logging.v2.LoggingServiceV2Client(options), attempts, tracer);
  }

  async close(): Promise<void> {
    await Promise.all([this.jobs.close(), this.executions.close(), this.tasks.close(), this.logging.close()]);
  }

  jobName(jobId: string): string {
    return `${this.parent}/jobs/${jobId}`;
  }

  /** Creates the job and waits for its operation (done in its first answer, as a rule): a job whose image cannot be resolved is never made. */
  async createJob(jobId: string, job: Job): Promise<Job> {
    return this.call('run', 'CreateJob', async (o) => {
      const [op] = await this.jobs.createJob({ parent: this.parent, jobId, job }, o);
      return operationOutcome<Job>(op);
    });
  }

  async getJob(name: string): Promise<Job> {
    return this.call('run', 'GetJob', async (o) => (await this.jobs.getJob({ name }, o))[0]);
  }

  /** Every job of the location, all pages. */
  async listJobs(): Promise<Job[]> {
    return this.call('run', 'ListJobs', async (o) => (await this.jobs.listJobs({ parent: this.parent }, o))[0]);
  }

  /** Deletes the job (Cloud Run cancels and deletes its executions with it). */
  async deleteJob(name: string): Promise<void> {
    await this.call('run', 'DeleteJob', async (o) => {
      const [op] = await this.jobs.deleteJob({ name }, o);
      await operationOutcome<Job>(op);
    });
  }

  /**
   * Starts an execution, with `env` merged into the container's (an override, as Cloud Run merges it); its name
   * comes in the operation's metadata, long before the operation is done.
   */
  async runJob(name: string, env?: Array<{ name: string; value: string }>): Promise<string> {
    return this.call('run', 'RunJob', async (o) => {
      const overrides = env?.length ? { overrides: { containerOverrides: [{ name: 'main', env }] } } : {};
      const [op] = await this.jobs.runJob({ name, ...overrides }, o);
      const execution = (op.metadata as Execution | null)?.name;
      if (!execution) throw new Error(`RunJob answered operation ${op.name} without the execution in its metadata`);
      return execution;
    });
  }

  async getExecution(name: string): Promise<Execution> {
    return this.call('run', 'GetExecution', async (o) => (await this.executions.getExecution({ name }, o))[0]);
  }

  async cancelExecution(name: string): Promise<void> {
    await this.call('run', 'CancelExecution', async (o) => { await this.executions.cancelExecution({ name }, o); });
  }

  /** The tasks of an execution (one for a container's job). */
  async listTasks(execution: string): Promise<Task[]> {
    return this.call('run', 'ListTasks', async (o) => (await this.tasks.listTasks({ parent: execution }, o))[0]);
  }

  /** A follower of one execution's lines in Cloud Logging, from `since` (RFC 3339) on. */
  executionLog(execution: string, since?: string): { read(): Promise<Array<{ logName?: string | null; text: string }>> } {
    const id = execution.slice(execution.lastIndexOf('/') + 1);
    const filter = `resource.type="cloud_run_job" AND labels."run.googleapis.com/execution_name"="${id}"`;
    const follower = new LogEntriesFollower(this.logging as unknown as LogEntriesLister, this.conn.project, filter, since);
    return {
      read: () => this.call('logging', 'ListLogEntries', async (o) => (await follower.read(o)).map((e) => ({ logName: e.logName, text: entryText(e) }))),
    };
  }

  private call<T>(service: 'run' | 'logging', method: string, fn: (options: ReturnType<typeof requestIdHeader>) => Promise<T>): Promise<T> {
    return callGoogle({ tracer: this.tracer, attempts: this.attempts }, service, method, fn);
  }
}
