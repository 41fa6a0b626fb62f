import { GcpError, notFound } from '../errors';
import type { Route } from '../routes';
import type { Condition, Execution, Job, TaskTemplate } from './model';
import type { RunState } from './state';

/**
 * A read-only view of jobs and executions on Cloud Run's Knative-style v1 API
 * (`/apis/run.googleapis.com/v1/namespaces/{project}/...`), which `gcloud run jobs list|describe` and
 * `gcloud run jobs executions list|describe` speak. gcloud puts the region before the endpoint's host
 * (`us-central1-HOST`); the region is taken from that host when it is there, else every location is shown.
 */
const API = 'run.googleapis.com/v1';
const BASE = '^/apis/run\\.googleapis\\.com/v1/namespaces/([^/]+)';

const v1Status = (state: Condition['state']): string => (state === 'CONDITION_SUCCEEDED' ? 'True' : state === 'CONDITION_FAILED' ? 'False' : 'Unknown');
const locationOf = (name: string): string => name.split('/')[3];

function v1Conditions(conditions: Condition[]) {
  return conditions.map((c) => ({
    type: c.type, status: v1Status(c.state), lastTransitionTime: c.lastTransitionTime,
    ...(c.message ? { message: c.message } : {}), ...(c.executionReason ? { reason: c.executionReason } : {}),
  }));
}

function v1TaskSpec(t: TaskTemplate) {
  return {
    spec: {
      containers: t.containers.map((c) => ({ ...c, env: c.env ?? [] })),
      maxRetries: t.maxRetries,
      timeoutSeconds: String(Math.round(Number(t.timeout.replace(/s$/, '')))),
      ...(t.serviceAccount ? { serviceAccountName: t.serviceAccount } : {}),
    },
  };
}

function v1Job(project: string, j: Job) {
  return {
    apiVersion: API, kind: 'Job',
    metadata: {
      name: j.name.split('/').pop(), namespace: project, uid: j.uid, generation: Number(j.generation), creationTimestamp: j.createTime,
      labels: { ...j.labels, 'cloud.googleapis.com/location': locationOf(j.name) }, annotations: { ...j.annotations, 'run.googleapis.com/launch-stage': j.launchStage },
    },
    spec: { template: { metadata: { annotations: j.template.annotations ?? {} }, spec: { parallelism: j.template.parallelism, taskCount: j.template.taskCount, template: v1TaskSpec(j.template.template) } } },
    status: {
      observedGeneration: Number(j.observedGeneration), conditions: v1Conditions([j.terminalCondition, ...j.conditions]), executionCount: j.executionCount,
      ...(j.latestCreatedExecution ? { latestCreatedExecution: { name: j.latestCreatedExecution.name.split('/').pop(), creationTimestamp: j.latestCreatedExecution.createTime, completionTimestamp: j.latestCreatedExecution.completionTime, completionStatus: j.latestCreatedExecution.completionStatus } } : {}),
    },
  };
}

function v1Execution(project: string, e: Execution) {
  return {
    apiVersion: API, kind: 'Execution',
    metadata: {
      name: e.name.split('/').pop(), namespace: project, uid: e.uid, generation: Number(e.generation), creationTimestamp: e.createTime,
      labels: { ...e.labels, 'run.googleapis.com/job': e.job, 'cloud.googleapis.com/location': locationOf(e.name) }, annotations: e.annotations,
    },
    spec: { parallelism: e.parallelism, taskCount: e.taskCount, template: v1TaskSpec(e.template) },
    status: {
      observedGeneration: Number(e.observedGeneration), conditions: v1Conditions(e.conditions), startTime: e.startTime, completionTime: e.completionTime,
      runningCount: e.runningCount, succeededCount: e.succeededCount, failedCount: e.failedCount, cancelledCount: e.cancelledCount, retriedCount: e.retriedCount, logUri: e.logUri,
    },
  };
}

/** `labelSelector=k=v,k2=v2` as Kubernetes takes it (equality only). */
function selector(query: URLSearchParams): (labels: Record<string, string>) => boolean {
  const raw = query.get('labelSelector');
  if (!raw) return () => true;
  const pairs = raw.split(',').map((p) => {
    const m = /^\s*([^=!\s]+)\s*==?\s*([^\s]*)\s*$/.exec(p);
    if (!m) throw new GcpError('INVALID_ARGUMENT', `Unsupported labelSelector: ${raw} (the simulator takes key=value pairs)`);
    return [m[1], m[2]] as const;
  });
  return (labels) => pairs.every(([k, v]) => labels[k] === v);
}

export function knativeV1Routes(state: RunState): Route[] {
  /** Jobs/executions of `project`, in the region gcloud put in front of the host, if any. */
  const inScope = (name: string, project: string, host: string | undefined) => {
    const region = /^([a-z]+-[a-z]+\d+)-/.exec(host ?? '')?.[1];
    return name.startsWith(`projects/${project}/locations/${region ?? ''}`);
  };
  const find = <T extends { name: string }>(items: Iterable<T>, project: string, host: string | undefined, id: string, kind: string): T => {
    for (const it of items) if (inScope(it.name, project, host) && it.name.endsWith(`/${id}`)) return it;
    throw notFound(`namespaces/${project}/${kind}/${id}`);
  };
  const r = (path: string, handle: Route['handle']): Route => ({ service: 'run', method: 'GET', path: new RegExp(`${BASE}${path}$`), handle });
  return [
    r('/jobs', (c) => {
      const match = selector(c.query);
      const items = [...state.jobs.values()].filter((j) => inScope(j.name, c.params[0], c.req.headers.host) && match(j.labels));
      return { apiVersion: API, kind: 'JobsList', metadata: {}, items: items.map((j) => v1Job(c.params[0], state.jobView(j))) };
    }),
    r('/jobs/([^/]+)', (c) => v1Job(c.params[0], state.jobView(find(state.jobs.values(), c.params[0], c.req.headers.host, c.params[1], 'jobs')))),
    r('/executions', (c) => {
      const match = selector(c.query);
      const items = [...state.executions.values()].filter((e) => inScope(e.name, c.params[0], c.req.headers.host) && match({ ...e.labels, 'run.googleapis.com/job': e.job }));
      items.sort((a, b) => b.createTime.localeCompare(a.createTime));
      return { apiVersion: API, kind: 'ExecutionsList', metadata: {}, items: items.map((e) => v1Execution(c.params[0], e)) };
    }),
    r('/executions/([^/]+)', (c) => v1Execution(c.params[0], find(state.executions.values(), c.params[0], c.req.headers.host, c.params[1], 'executions'))),
  ];
}
