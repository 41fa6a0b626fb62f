import { AGENT_ENTRYPOINT, AGENT_ENV, hostAccessAskedFor, InvalidArgumentError, NotImplementedError, type ExitStatus, type WorkloadSpec } from '@sockerless/sdk';
import type { CloudRunOptions } from './options';
import type { Execution, Job, Task } from './run-api';

/** The job id of a container: a letter first, at most 63 characters (RFC 1035); 52 hex of the id keep it unique. */
export function jobIdOf(containerId: string): string {
  return `sockerless-${containerId.slice(0, 52)}`;
}

/**
 * Refuses, before any Google call, what a Cloud Run job cannot do, with the reason in the message (the core
 * answers NotImplemented with a 501, InvalidArgument with a 400).
 */
export function checkSupported(spec: WorkloadSpec): void {
  if (spec.tty) throw new NotImplementedError('a TTY is not available on the Cloud Run backend: a job\'s task has no terminal (its output goes to Cloud Logging); run without -t');
  const bind = spec.mounts.find((m) => m.type === 'bind');
  if (bind) throw new NotImplementedError(`bind mounts are not available on the Cloud Run backend: the task runs on Google's machines, not on this host (${bind.source}:${bind.target}); copy files in with docker cp`);
  if ((spec.network?.ports ?? []).length) throw new NotImplementedError('published ports are not available on the Cloud Run backend: a job\'s task takes no inbound traffic');
  const hostAccess = hostAccessAskedFor(spec.security);
  if (hostAccess) throw new NotImplementedError(`${hostAccess} is not available on the Cloud Run backend: a Cloud Run task cannot be given the host's devices, added capabilities or another container's namespaces`);
  if (spec.argv.length === 0) throw new InvalidArgumentError('no command specified');
}

export interface JobParts {
  spec: WorkloadSpec;
  options: CloudRunOptions;
  labels: Record<string, string>;
  /** `NAME=value` entries of the agent's grant (empty without the agent). */
  agentEnv: string[];
}

/**
 * One task, never retried (Docker runs a container once per start; a retry would run it twice), with the
 * container's argv as the Cloud Run container's command (the image's Entrypoint replaced, as `docker run
 * --entrypoint` would, since the core has already merged the image's) or behind the workload agent.
 */
export function jobBody({ spec, options, labels, agentEnv }: JobParts): Job {
  const env = [...spec.env, ...agentEnv];
  if (options.agent && spec.openStdin) env.push(`${AGENT_ENV.stdin}=1`);
  const memoryMib = spec.memoryBytes > 0 ? Math.ceil(spec.memoryBytes / (1024 * 1024)) : 0;
  return {
    labels,
    template: {
      taskCount: 1,
      parallelism: 1,
      template: {
        containers: [{
          name: 'main',
          image: spec.image.ref,
          ...(options.agent ? { command: [AGENT_ENTRYPOINT], args: ['--', ...spec.argv] } : { command: spec.argv.slice(0, 1), args: spec.argv.slice(1) }),
          env: env.map(toEnvVar),
          ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
          // Cloud Run takes Kubernetes quantities; it raises a limit below its minimum (512Mi) itself.
          ...(memoryMib ? { resources: { limits: { memory: `${memoryMib}Mi` } } } : {}),
        }],
        maxRetries: 0,
        timeout: { seconds: options.taskTimeoutSeconds },
        ...(options.serviceAccount ? { serviceAccount: options.serviceAccount } : {}),
        ...(options.vpcConnector ? { vpcAccess: { connector: options.vpcConnector, egress: 'PRIVATE_RANGES_ONLY' as const } } : {}),
      },
    },
  };
}

/** Entrypoint followed by cmd, as the user gave them, from the job's container. */
export function argvOf(job: Job): string[] | undefined {
  const main = job.template?.template?.containers?.[0];
  if (!main) return undefined;
  const command = main.command ?? [];
  const args = main.args ?? [];
  if (command.length === 1 && command[0] === AGENT_ENTRYPOINT) return args[0] === '--' ? args.slice(1) : args;
  return [...command, ...args];
}

export function isFinished(execution: Execution): boolean {
  return !!execution.completionTime;
}

/**
 * The exit Docker reports for a finished execution: the task's exit code; for a cancelled one (a stop or
 * kill that Cloud Run carried out: it ends the task, and Docker reports the signal's 128+n) the code of the
 * signal that asked for it; 125, Docker's "could not run", for a task that never ran.
 */
export function exitStatusOf(execution: Execution, task: Task | undefined, cancelledBy?: 'SIGTERM' | 'SIGKILL'): ExitStatus {
  const result = task?.lastAttemptResult;
  if (Number(execution.cancelledCount ?? 0) > 0 || cancelledBy) {
    return { exitCode: cancelledBy === 'SIGTERM' ? 143 : 137 };
  }
  if (result && typeof result.exitCode === 'number' && (result.exitCode !== 0 || !result.status?.code)) return { exitCode: result.exitCode };
  const completed = execution.conditions?.find((c) => c.type === 'Completed');
  if (Number(execution.succeededCount ?? 0) > 0) return { exitCode: 0 };
  return { exitCode: 125, error: `cloudrun: the task did not run: ${result?.status?.message ?? completed?.message ?? 'no reason given'}` };
}

/**
 * Whether `exitStatusOf` gives the same answer without the task: a cancel (the signal's code), or a task that
 * succeeded (Cloud Run counts a task succeeded only for exit code 0; a container's job has one task).
 */
export function exitSettledByExecution(execution: Execution, cancelledBy?: 'SIGTERM' | 'SIGKILL'): boolean {
  return !!cancelledBy || Number(execution.cancelledCount ?? 0) > 0
    || (Number(execution.succeededCount ?? 0) > 0 && Number(execution.failedCount ?? 0) === 0);
}

export function toEnvVar(entry: string): { name: string; value: string } {
  const eq = entry.indexOf('=');
  return eq < 0 ? { name: entry, value: '' } : { name: entry.slice(0, eq), value: entry.slice(eq + 1) };
}
