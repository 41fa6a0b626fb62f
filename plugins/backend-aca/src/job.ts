import type { Container, EnvironmentVar, Job } from '@azure/arm-appcontainers';
import {
  AGENT_ENTRYPOINT, AGENT_ENV, hostAccessAskedFor, identityTags, InvalidArgumentError, NotImplementedError,
  type ExitStatus, type WorkloadSpec,
} from '@sockerless/sdk';
import type { ExecutionView } from './aca-api';
import type { AcaOptions } from './options';

/**
 * A container's job name: Container Apps job names are 2 to 32 lowercase letters, digits and hyphens, a letter
 * first; `sl-` and 29 hex of the id (116 bits) keep it unique. The full id is in the tags.
 */
export function jobNameOf(containerId: string): string {
  return `sl-${containerId.slice(0, 29)}`;
}

/** Azure's tag limits (https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations). */
export const AZURE_TAG_LIMITS = { cloud: 'Azure', maxTags: 50, maxValueLength: 256, reservedTags: 7 } as const;

/** The name of the job secret that holds the registry password (ACA takes registry passwords by secret reference). */
const REGISTRY_SECRET = 'registry-password';

/** The name of the job's one container. */
export const MAIN_CONTAINER = 'main';

/**
 * Refuses, before any Azure call, what a Container Apps job cannot do, with the reason in the message (the
 * core answers NotImplemented with a 501, InvalidArgument with a 400).
 */
export function checkSupported(spec: WorkloadSpec): void {
  if (spec.tty) throw new NotImplementedError('a TTY is not available on the Container Apps backend: a job\'s replica has no terminal (its output goes to Log Analytics); run without -t');
  const bind = spec.mounts.find((m) => m.type === 'bind');
  if (bind) throw new NotImplementedError(`bind mounts are not available on the Container Apps backend: the replica runs on Azure's machines, not on this host (${bind.source}:${bind.target}); copy files in with docker cp`);
  if ((spec.network?.ports ?? []).length) throw new NotImplementedError('published ports are not available on the Container Apps backend: a job\'s replica takes no inbound traffic');
  const hostAccess = hostAccessAskedFor(spec.security);
  if (hostAccess) throw new NotImplementedError(`${hostAccess} is not available on the Container Apps backend: a replica cannot be given the host's devices, added capabilities or another container's namespaces`);
  if (spec.argv.length === 0) throw new InvalidArgumentError('no command specified');
}

export interface JobParts {
  spec: WorkloadSpec;
  options: AcaOptions;
  environmentId: string;
  tags: Record<string, string>;
  /** `NAME=value` entries of the agent's grant (empty without the agent). */
  agentEnv: string[];
}

/**
 * A manual job with one replica, never retried (`replicaRetryLimit: 0`: Docker runs a container once per
 * start; a retry would run it twice), with the container's argv as the container's command (the image's
 * Entrypoint replaced, as `docker run --entrypoint` would, since the core has already merged the image's) or
 * behind the workload agent.
 */
export function jobBody({ spec, options, environmentId, tags, agentEnv }: JobParts): Job {
  const registry = options.registry;
  return {
    location: options.location,
    tags,
    environmentId,
    configuration: {
      triggerType: 'Manual',
      replicaTimeout: options.replicaTimeoutSeconds,
      replicaRetryLimit: 0,
      manualTriggerConfig: { replicaCompletionCount: 1, parallelism: 1 },
      ...(registry ? {
        secrets: [{ name: REGISTRY_SECRET, value: registry.password }],
        registries: [{ server: registry.server, username: registry.username, passwordSecretRef: REGISTRY_SECRET }],
      } : {}),
    },
    template: { containers: [mainContainer(spec, options, agentEnv)] },
  };
}

/**
 * The job's one container: the image, the argv (behind the agent, or as command and args), the env with the
 * agent's grant, the resources. Also a start's template override, which carries this daemon's grant (a job
 * made by a daemon before a restart or on another home holds the agent URL and token of that one).
 */
export function mainContainer(spec: WorkloadSpec, options: AcaOptions, agentEnv: string[]): Container {
  const env = [...spec.env, ...agentEnv];
  if (options.agent && spec.openStdin) env.push(`${AGENT_ENV.stdin}=1`);
  // ACA takes memory in Gi, paired with cpu (0.5 Gi per 0.25 vCPU); a container's own limit wins, rounded up to 0.5 Gi.
  const memoryGi = spec.memoryBytes > 0 ? Math.max(0.5, Math.ceil(spec.memoryBytes / 2 ** 30 * 2) / 2) : options.cpu * 2;
  return {
    name: MAIN_CONTAINER,
    image: spec.image.ref,
    ...(options.agent ? { command: [AGENT_ENTRYPOINT], args: ['--', ...spec.argv] } : { command: spec.argv.slice(0, 1), args: spec.argv.slice(1) }),
    env: env.map(toEnvVar),
    resources: { cpu: options.cpu, memory: `${memoryGi}Gi` },
  };
}

/** Entrypoint followed by cmd, as the user gave them, from the job's container. */
export function argvOf(job: Job): string[] | undefined {
  const main = job.template?.containers?.[0];
  if (!main) return undefined;
  const command = main.command ?? [];
  const args = main.args ?? [];
  if (command.length === 1 && command[0] === AGENT_ENTRYPOINT) return args[0] === '--' ? args.slice(1) : args;
  return [...command, ...args];
}

/** The job's tags: the SDK's identity record within Azure's limits (50 tags of up to 256 characters). */
export function jobTags(spec: WorkloadSpec, instance: string, createdAt: string): Record<string, string> {
  return identityTags(spec, instance, createdAt, AZURE_TAG_LIMITS);
}

/**
 * The exit Docker reports for a finished execution: the replica's exit code; for a stopped one (a stop or kill
 * that ACA carried out by stopping the execution; Docker reports the signal's 128+n) the code of the signal
 * that asked for it, 137 when none did (stopped from outside, as a SIGKILL would); 125, Docker's "could not
 * run", for a replica that never ran.
 */
export function exitStatusOf(e: ExecutionView, stoppedBy?: 'SIGTERM' | 'SIGKILL'): ExitStatus {
  if (e.status === 'Stopped' || stoppedBy) return { exitCode: stoppedBy === 'SIGTERM' ? 143 : 137 };
  if (e.status === 'Succeeded') return { exitCode: e.exitCode ?? 0 };
  if (typeof e.exitCode === 'number' && e.exitCode >= 0) return { exitCode: e.exitCode };
  return { exitCode: 125, error: `aca: the replica did not run: ${e.reason ?? `the execution ended ${e.status}`}` };
}

function toEnvVar(entry: string): EnvironmentVar {
  const eq = entry.indexOf('=');
  return eq < 0 ? { name: entry, value: '' } : { name: entry.slice(0, eq), value: entry.slice(eq + 1) };
}
