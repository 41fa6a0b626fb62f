import { GcpError, invalid } from '../errors';
import { durationJson, durationMs } from '../time';

/** Cloud Run Admin API v2 resources as their REST JSON carries them (only the fields the simulator keeps). */

export interface EnvVar { name: string; value?: string }

export interface Container {
  name?: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  resources?: unknown;
}

export interface TaskTemplate {
  containers: Container[];
  maxRetries: number;
  /** `"600s"` */
  timeout: string;
  serviceAccount?: string;
  vpcAccess?: unknown;
}

export interface ExecutionTemplate {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  parallelism: number;
  taskCount: number;
  template: TaskTemplate;
}

export interface Condition {
  type: string;
  state: 'CONDITION_PENDING' | 'CONDITION_RECONCILING' | 'CONDITION_FAILED' | 'CONDITION_SUCCEEDED';
  message?: string;
  lastTransitionTime: string;
  severity?: string;
  executionReason?: 'NON_ZERO_EXIT_CODE' | 'CANCELLED' | 'DELETED';
}

export interface Job {
  name: string;
  uid: string;
  generation: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createTime: string;
  updateTime: string;
  launchStage: string;
  template: ExecutionTemplate;
  observedGeneration: string;
  terminalCondition: Condition;
  conditions: Condition[];
  executionCount: number;
  latestCreatedExecution?: { name: string; createTime: string; completionTime?: string; completionStatus: string };
  reconciling: boolean;
  etag: string;
}

export interface TaskAttemptResult { status: { code: number; message?: string }; exitCode: number }

export interface Task {
  name: string;
  uid: string;
  generation: string;
  labels: Record<string, string>;
  createTime: string;
  scheduledTime?: string;
  startTime?: string;
  completionTime?: string;
  updateTime: string;
  job: string;
  execution: string;
  containers: Container[];
  maxRetries: number;
  timeout: string;
  conditions: Condition[];
  index: number;
  retried: number;
  lastAttemptResult?: TaskAttemptResult;
  logUri: string;
  etag: string;
}

export interface Execution {
  name: string;
  uid: string;
  generation: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createTime: string;
  startTime?: string;
  completionTime?: string;
  updateTime: string;
  launchStage: string;
  job: string;
  parallelism: number;
  taskCount: number;
  template: TaskTemplate;
  reconciling: boolean;
  conditions: Condition[];
  observedGeneration: string;
  runningCount: number;
  succeededCount: number;
  failedCount: number;
  cancelledCount: number;
  retriedCount: number;
  logUri: string;
  etag: string;
}

/** Cloud Run's defaults for a task template (max_retries 3, timeout 10 minutes) and its timeout cap (7 days). */
const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_TIMEOUT_MS = 600_000;
const MAX_TIMEOUT_MS = 7 * 24 * 3600_000;
const MAX_TASK_COUNT = 10_000;

/** Job ids: RFC 1035 labels of at most 63 characters, as the API checks them. */
export function checkJobId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw invalid('job_id must be set');
  if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(id)) {
    throw invalid(`Invalid job_id "${id}": it must be 1-63 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen`);
  }
  return id;
}

const MAX_LABELS = 64;

/** Google Cloud label rules (at most 64): keys start with a lowercase letter; keys and values up to 63 lowercase letters, digits, `_` and `-`. */
export function checkLabels(value: unknown, field = 'labels'): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`Invalid value at '${field}': not a map`);
  const out: Record<string, string> = {};
  if (Object.keys(value).length > MAX_LABELS) throw invalid(`${field}: at most ${MAX_LABELS} labels`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u.test(k)) throw invalid(`Invalid label key "${k}" in ${field}`);
    if (typeof v !== 'string' || !/^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u.test(v)) throw invalid(`Invalid label value "${String(v)}" for key "${k}" in ${field}`);
    out[k] = v;
  }
  return out;
}

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) throw invalid(`Invalid value at '${field}': a list of strings`);
  return value.length > 0 ? value as string[] : undefined;
}

export function checkEnv(value: unknown, field: string): EnvVar[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`Invalid value at '${field}': a list of EnvVar`);
  return value.map((e: { name?: unknown; value?: unknown; valueSource?: unknown }, i) => {
    if (typeof e?.name !== 'string' || e.name === '') throw invalid(`${field}[${i}].name must be set`);
    if (e.valueSource !== undefined) throw new GcpError('UNIMPLEMENTED', `${field}[${i}].valueSource (Secret Manager) is not supported by the Sockerless simulator`);
    return { name: e.name, value: typeof e.value === 'string' ? e.value : '' };
  });
}

function count(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(`Invalid value at '${field}': ${String(value)} (must be ${min}..${max})`);
  return n;
}

export function checkTimeout(value: unknown, field: string): string | undefined {
  const ms = durationMs(value, field);
  if (ms === undefined) return undefined;
  if (ms <= 0 || ms > MAX_TIMEOUT_MS) throw invalid(`${field} must be between 1s and 168h`);
  return durationJson(ms);
}

/** A job's ExecutionTemplate from a request, with Cloud Run's defaults; INVALID_ARGUMENT as the API words it. */
export function checkExecutionTemplate(value: unknown): ExecutionTemplate {
  const t = (value ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || value === null) throw invalid('job.template must be set');
  const task = (t.template ?? {}) as Record<string, unknown>;
  const containers = task.containers;
  if (!Array.isArray(containers) || containers.length === 0) throw invalid('job.template.template.containers: at least one container must be set');
  if (containers.length > 1) throw new GcpError('UNIMPLEMENTED', 'jobs with more than one container (sidecars) are not supported by the Sockerless simulator');
  const checked = containers.map((c: Record<string, unknown>, i): Container => {
    const f = `job.template.template.containers[${i}]`;
    if (typeof c?.image !== 'string' || c.image === '') throw invalid(`${f}.image must be set`);
    return {
      ...(typeof c.name === 'string' && c.name ? { name: c.name } : {}),
      image: c.image,
      ...opt('command', stringList(c.command, `${f}.command`)),
      ...opt('args', stringList(c.args, `${f}.args`)),
      env: checkEnv(c.env, `${f}.env`),
      ...(typeof c.workingDir === 'string' && c.workingDir ? { workingDir: c.workingDir } : {}),
      ...(c.resources ? { resources: c.resources } : {}),
    };
  });
  return {
    ...(t.labels ? { labels: checkLabels(t.labels, 'job.template.labels') } : {}),
    ...(t.annotations ? { annotations: t.annotations as Record<string, string> } : {}),
    parallelism: count(t.parallelism, 'job.template.parallelism', 0, 0, MAX_TASK_COUNT),
    taskCount: count(t.taskCount, 'job.template.task_count', 1, 1, MAX_TASK_COUNT) || 1,
    template: {
      containers: checked,
      maxRetries: count(task.maxRetries, 'job.template.template.max_retries', DEFAULT_MAX_RETRIES, 0, 10),
      timeout: checkTimeout(task.timeout, 'job.template.template.timeout') ?? durationJson(DEFAULT_TIMEOUT_MS),
      ...(typeof task.serviceAccount === 'string' && task.serviceAccount ? { serviceAccount: task.serviceAccount } : {}),
      ...(task.vpcAccess ? { vpcAccess: task.vpcAccess } : {}),
    },
  };
}

/** `:run` overrides (args, env, task count, timeout) over a job's template. */
export function applyOverrides(template: ExecutionTemplate, overrides: unknown): ExecutionTemplate {
  if (overrides === undefined || overrides === null) return template;
  const o = overrides as Record<string, unknown>;
  const out: ExecutionTemplate = JSON.parse(JSON.stringify(template)) as ExecutionTemplate;
  const list = o.containerOverrides;
  if (list !== undefined && !Array.isArray(list)) throw invalid("Invalid value at 'overrides.container_overrides'");
  for (const [i, c] of ((list ?? []) as Record<string, unknown>[]).entries()) {
    const f = `overrides.container_overrides[${i}]`;
    const target = typeof c.name === 'string' && c.name ? out.template.containers.find((k) => k.name === c.name) : out.template.containers[0];
    if (!target) throw invalid(`${f}.name: no container named "${String(c.name)}" in the job`);
    const args = stringList(c.args, `${f}.args`);
    if (args) target.args = args;
    else if (c.clearArgs === true) target.args = [];
    for (const e of checkEnv(c.env, `${f}.env`)) {
      const env = (target.env ??= []);
      const at = env.findIndex((x) => x.name === e.name);
      if (at >= 0) env[at] = e; else env.push(e);
    }
  }
  out.taskCount = count(o.taskCount, 'overrides.task_count', out.taskCount, 0, MAX_TASK_COUNT) || out.taskCount;
  out.template.timeout = checkTimeout(o.timeout, 'overrides.timeout') ?? out.template.timeout;
  return out;
}

const opt = <K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> => (v === undefined ? {} : { [k]: v } as Record<K, V>);

export const condition = (type: string, state: Condition['state'], lastTransitionTime: string, extra: Partial<Condition> = {}): Condition =>
  ({ type, state, lastTransitionTime, ...extra });
