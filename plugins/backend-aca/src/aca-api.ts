import type { Job, JobExecutionTemplate } from '@azure/arm-appcontainers';
import {
  azureCall, azureCredential, ConsoleLogFollower, containerAppsClient, logsQueryClient, traceAzureCall,
  type AzureCallOptions, type AzureConnection, type AzureRawResponse, type ConsoleLogLine, type WorkspaceQuerier,
} from '@sockerless/cloud-azure';
import type { Tracer } from '@sockerless/sdk';

type AppsClient = Awaited<ReturnType<typeof containerAppsClient>>;
type LogsClient = Awaited<ReturnType<typeof logsQueryClient>>;
export type { Job };

/** An execution as the driver reads it: ACA's status, times, and the replica's exit code (from the raw body). */
export interface ExecutionView {
  name: string;
  status: string;
  startTime?: Date;
  endTime?: Date;
  /** `properties.detailedStatus.replicas[0].containers[0].code` (ACA's 2025 status), which the SDK's model drops. */
  exitCode?: number;
  /** The reason ACA gives for a failed replica or execution. */
  reason?: string;
}

export const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped', 'Degraded']);
export const isFinished = (e: ExecutionView): boolean => TERMINAL.has(e.status);

/** Where the backend's jobs live. */
export interface AcaPlace extends AzureConnection {
  resourceGroup: string;
  environment: string;
  location: string;
}

/**
 * The Container Apps (ARM) and Log Analytics calls the driver makes, on the official clients. Every call is a
 * span (with `x-ms-request-id`) and fails with the SDK's typed error (`containerapps: ResourceNotFound: ...`),
 * throttles and 5xx retried first.
 */
export class AcaApi {
  environmentId = '';
  /** The customerId of the environment's Log Analytics workspace; undefined when it sends its logs nowhere we can query. */
  workspaceId: string | undefined;

  private constructor(readonly place: AcaPlace, private readonly apps: AppsClient, private readonly logs: LogsClient, private readonly attempts: number, private readonly tracer?: Tracer) {}

  /** Loads the clients and makes them (one credential for both). */
  static async open(place: AcaPlace, attempts: number, tracer?: Tracer): Promise<AcaApi> {
    const credential = await azureCredential(place);
    const [apps, logs] = await Promise.all([containerAppsClient(place, credential), logsQueryClient(place, credential)]);
    return new AcaApi(place, apps, logs, attempts, tracer);
  }

  /** Reads the environment (its id and workspace); with `provision`, makes the group, a workspace and it when missing. */
  async resolveEnvironment(provision: boolean): Promise<void> {
    const { resourceGroup: rg, environment, location } = this.place;
    let env;
    try {
      env = await this.call('GetManagedEnvironment', (o) => this.apps.managedEnvironments.get(rg, environment, o));
    } catch (err) {
      if (!provision || (err as { code?: string }).code !== 'NotFound') throw err;
      await this.armPut(`/subscriptions/${this.place.subscription}/resourceGroups/${rg}`, '2021-04-01', { location }, 'CreateResourceGroup');
      const ws = await this.armPut(`/subscriptions/${this.place.subscription}/resourceGroups/${rg}/providers/Microsoft.OperationalInsights/workspaces/${environment}-logs`, '2022-10-01', { location }, 'CreateWorkspace');
      const customerId = (ws as { properties?: { customerId?: string } }).properties?.customerId;
      env = await this.call('CreateManagedEnvironment', (o) => this.apps.managedEnvironments.beginCreateOrUpdateAndWait(rg, environment, {
        location, appLogsConfiguration: { destination: 'log-analytics', logAnalyticsConfiguration: { customerId, sharedKey: 'simulator' } },
      }, o));
    }
    this.environmentId = env.id ?? '';
    this.workspaceId = env.appLogsConfiguration?.logAnalyticsConfiguration?.customerId ?? undefined;
  }

  /** Creates (or replaces) the job and waits for its provisioning: a job whose image cannot be pulled fails here. */
  async createJob(name: string, job: Job): Promise<Job> {
    return this.call('CreateJob', (o) => this.apps.jobs.beginCreateOrUpdateAndWait(this.place.resourceGroup, name, job, o));
  }

  async getJob(name: string): Promise<Job> {
    return this.call('GetJob', (o) => this.apps.jobs.get(this.place.resourceGroup, name, o));
  }

  /** Every job of the resource group, all pages. */
  async listJobs(): Promise<Job[]> {
    return this.call('ListJobs', async (o) => {
      const out: Job[] = [];
      for await (const j of this.apps.jobs.listByResourceGroup(this.place.resourceGroup, o)) out.push(j);
      return out;
    });
  }

  /**
   * Deletes the job (ACA stops its running executions with it). ARM's 202 is the answer: the delete is
   * accepted and the job is `Deleting` until it is gone, which the inventory skips, so the operation is not
   * polled (a `docker rm` does not wait for Azure's cleanup). A plain request through the client's pipeline:
   * the SDK's beginDelete polls the operation once before it returns.
   */
  async deleteJob(name: string): Promise<void> {
    await this.armRequest('DELETE', this.jobPath(name), undefined, 'DeleteJob');
  }

  /**
   * Starts an execution (with a template override when given); answers its name, which ACA's 202 carries in
   * its body (JobExecutionBase). A plain POST through the client's pipeline: the SDK's beginStart polls the
   * operation (its status, then its result) before it returns, two round trips the name does not need; the
   * execution's own status is what the driver follows. A 202 without the name (not seen from ACA) is
   * answered by the job's newest execution.
   */
  async startJob(name: string, template?: JobExecutionTemplate): Promise<string> {
    const started = await this.armRequest('POST', `${this.jobPath(name)}/start`, template, 'StartJob') as { name?: string } | undefined;
    const execution = started?.name ?? (await this.listExecutions(name))[0]?.name;
    if (!execution) throw new Error(`Start of job ${name} answered no execution name`);
    return execution;
  }

  async getExecution(job: string, execution: string): Promise<ExecutionView> {
    let raw: unknown;
    const e = await this.call('GetJobExecution', (o) => this.apps.jobExecution(this.place.resourceGroup, job, execution, o), (r) => { raw = parseBody(r); });
    return { name: e.name ?? execution, status: e.status ?? 'Unknown', startTime: e.startTime, endTime: e.endTime, ...detailOf(raw) };
  }

  /** A job's executions, newest first. */
  async listExecutions(job: string): Promise<ExecutionView[]> {
    const out: ExecutionView[] = [];
    await this.call('ListJobExecutions', async (o) => {
      for await (const e of this.apps.jobsExecutions.list(this.place.resourceGroup, job, o)) out.push({ name: e.name ?? '', status: e.status ?? 'Unknown', startTime: e.startTime, endTime: e.endTime });
    });
    return out.sort((a, b) => (b.startTime?.getTime() ?? 0) - (a.startTime?.getTime() ?? 0));
  }

  async stopExecution(job: string, execution: string): Promise<void> {
    await this.call('StopJobExecution', (o) => this.apps.jobs.beginStopExecutionAndWait(this.place.resourceGroup, job, execution, o));
  }

  /** A follower of one execution's console lines in the environment's workspace, from `from` on. */
  executionLog(job: string, execution: string, from: Date): { read(): Promise<ConsoleLogLine[]> } {
    const workspace = this.workspaceId;
    if (!workspace) return { read: async () => [] };
    const follower = new ConsoleLogFollower(this.logs as unknown as WorkspaceQuerier, workspace, job, execution, from);
    return { read: () => traceAzureCall(this.tracer, 'loganalytics', 'QueryWorkspace', (o) => azureCall(() => follower.read(o), 'loganalytics', { attempts: this.attempts })) };
  }

  private jobPath(name: string): string {
    const { subscription, resourceGroup } = this.place;
    return `/subscriptions/${encodeURIComponent(subscription)}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.App/jobs/${encodeURIComponent(name)}`;
  }

  /** An ARM PUT the Container Apps client has no method for (a resource group, a workspace). */
  private armPut(path: string, apiVersion: string, body: object, method: string): Promise<unknown> {
    return this.armRequest('PUT', path, body, method, apiVersion);
  }

  /**
   * One ARM request through the Container Apps client's pipeline (its credential, retries and request ids);
   * answers the parsed body. A status of 300 or more throws a RestError carrying the response, as the
   * client's own methods do, so the error mapping reads ARM's code from the body alike.
   */
  private async armRequest(httpMethod: 'PUT' | 'POST' | 'DELETE', path: string, body: object | undefined, method: string, apiVersion = this.apps.apiVersion): Promise<unknown> {
    const { createPipelineRequest, createHttpHeaders, RestError } = await import('@azure/core-rest-pipeline');
    const base = (this.place.endpoint ?? 'https://management.azure.com').replace(/\/$/, '');
    return this.call(method, async (o) => {
      const request = createPipelineRequest({
        url: `${base}${path}?api-version=${apiVersion}`, method: httpMethod, ...(body ? { body: JSON.stringify(body) } : {}),
        headers: createHttpHeaders({ ...(body ? { 'content-type': 'application/json' } : {}), ...o.requestOptions.customHeaders }),
      });
      const res = await this.apps.sendRequest(request);
      o.onResponse(res);
      const parsed = parseBody(res) as { error?: { code?: string; message?: string } } | undefined;
      if (res.status >= 300) {
        throw new RestError(parsed?.error?.message ?? res.bodyAsText ?? `${httpMethod} ${path} answered ${res.status}`, { statusCode: res.status, code: parsed?.error?.code, request, response: res });
      }
      return parsed;
    });
  }

  private call<T>(method: string, fn: (options: AzureCallOptions) => Promise<T>, onRaw?: (raw: AzureRawResponse) => void): Promise<T> {
    return traceAzureCall(this.tracer, 'containerapps', method, (o) => azureCall(() => fn(o), 'containerapps', { attempts: this.attempts }), onRaw);
  }
}

function parseBody(raw: AzureRawResponse): unknown {
  try {
    return raw.bodyAsText ? JSON.parse(raw.bodyAsText) : undefined;
  } catch {
    return undefined;
  }
}

/** The exit code and reason in an execution's `properties.detailedStatus`, when there. */
function detailOf(raw: unknown): { exitCode?: number; reason?: string } {
  const detailed = (raw as { properties?: { detailedStatus?: { replicas?: Array<{ containers?: Array<{ code?: unknown; additionalInformation?: string }> }>; additionalInformation?: string } } } | undefined)?.properties?.detailedStatus;
  const container = detailed?.replicas?.[0]?.containers?.[0];
  const reason = container?.additionalInformation ?? detailed?.additionalInformation;
  return { ...(typeof container?.code === 'number' ? { exitCode: container.code } : {}), ...(reason ? { reason } : {}) };
}
