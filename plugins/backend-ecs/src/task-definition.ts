import { AGENT_ENTRYPOINT, AGENT_ENV, InvalidArgumentError, NotImplementedError, hostAccessAskedFor, type ExitStatus, type WorkloadSpec } from '@sockerless/sdk';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import type { Container, ContainerDefinition, Tag, Task } from './aws';
import { fargateMemoryFor, MIN_CONTAINER_MEMORY_MIB, type EcsOptions } from './options';

/** The one container of every task definition; its awslogs stream is `<prefix>/main/<task id>`. */
export const CONTAINER_NAME = 'main';
export const FAMILY_PREFIX = 'sockerless-';
/** The agent keeps the main process's stdin open for attach sessions only when this is set. */

/** The task's main container (the first, should ECS name it otherwise). */
export function mainContainerOf(task: Task): Container | undefined {
  return task.containers?.find((c) => c.name === CONTAINER_NAME) ?? task.containers?.[0];
}

export function familyOf(containerId: string): string {
  return `${FAMILY_PREFIX}${containerId.slice(0, 12)}`;
}

/** The awslogs stream of a task's main container, as ECS names it. */
export function logStreamOf(prefix: string, taskArn: string): string {
  return `${prefix}/${CONTAINER_NAME}/${taskIdOf(taskArn)}`;
}

/** `arn:aws:ecs:<region>:<acct>:task/<cluster>/<id>` -> `<id>`. */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}

/**
 * Refuses, before any AWS call, what Fargate cannot do, with the reason in the message (the core answers
 * NotImplemented with a 501, InvalidArgument with a 400).
 */
export function checkSupported(spec: WorkloadSpec): void {
  if (spec.tty) {
    throw new NotImplementedError('a TTY is not available on the ECS backend: a Fargate task has no terminal (its output goes to CloudWatch Logs); run without -t');
  }
  const bind = spec.mounts.find((m) => m.type === 'bind');
  if (bind) {
    throw new NotImplementedError(`bind mounts are not available on the ECS backend: the task runs on Fargate, not on this host (${bind.source}:${bind.target}); copy files in with docker cp`);
  }
  const published = spec.network?.ports ?? [];
  if (published.length) {
    throw new NotImplementedError('published ports are not available on the ECS backend: the task has its own network interface in the VPC (awsvpc), not a port on this host');
  }
  const hostAccess = hostAccessAskedFor(spec.security);
  if (hostAccess) {
    throw new NotImplementedError(`${hostAccess} is not available on the ECS backend: a Fargate task cannot be given the host's devices, capabilities beyond the default or another container's namespaces`);
  }
  if (spec.argv.length === 0) throw new InvalidArgumentError('no command specified');
}

/** The task size: Fargate's memory for the configured cpu, raised to hold the container's `--memory`. */
export function taskSize(spec: WorkloadSpec, options: EcsOptions): { cpu: string; memory: string; containerMemoryMib?: number } {
  if (spec.memoryBytes <= 0) return { cpu: options.cpu, memory: options.memory };
  const mib = Math.ceil(spec.memoryBytes / (1024 * 1024));
  if (mib < MIN_CONTAINER_MEMORY_MIB) {
    throw new InvalidArgumentError(`ecs: a memory limit of ${mib} MiB is below the ${MIN_CONTAINER_MEMORY_MIB} MiB ECS accepts for a container`);
  }
  const taskMib = fargateMemoryFor(options.cpu, Math.max(mib, Number(options.memory)));
  if (taskMib === undefined) {
    throw new InvalidArgumentError(`ecs: a memory limit of ${mib} MiB is more than Fargate gives a task of cpu ${options.cpu}; raise the backend's cpu option`);
  }
  return { cpu: options.cpu, memory: String(taskMib), containerMemoryMib: mib };
}

export interface TaskDefinitionParts {
  spec: WorkloadSpec;
  options: EcsOptions;
  tags: Tag[];
  /** `NAME=value` entries of the agent's grant (empty without the agent). */
  agentEnv: string[];
}

export function taskDefinitionInput({ spec, options, tags, agentEnv }: TaskDefinitionParts): RegisterTaskDefinitionCommandInput {
  const size = taskSize(spec, options);
  const env = [...spec.env, ...agentEnv];
  if (options.agent && spec.openStdin) env.push(`${AGENT_ENV.stdin}=1`);
  const main: ContainerDefinition = {
    name: CONTAINER_NAME,
    image: spec.image.ref,
    essential: true,
    stopTimeout: options.stopTimeoutSeconds,
    ...(options.agent
      ? { entryPoint: [AGENT_ENTRYPOINT], command: ['--', ...spec.argv] }
      : { entryPoint: spec.argv.slice(0, 1), command: spec.argv.slice(1) }),
    environment: env.map(toKeyValue),
    ...(spec.workingDir ? { workingDirectory: spec.workingDir } : {}),
    ...(spec.user ? { user: spec.user } : {}),
    ...(size.containerMemoryMib ? { memory: size.containerMemoryMib } : {}),
    // awslogs stays line-oriented; with the agent stdin only flows through attach sessions.
    interactive: spec.openStdin || undefined,
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': options.logGroup, 'awslogs-region': options.region, 'awslogs-stream-prefix': options.logStreamPrefix },
    },
  };
  return {
    family: familyOf(spec.id),
    containerDefinitions: [main],
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: size.cpu,
    memory: size.memory,
    ...(options.executionRoleArn ? { executionRoleArn: options.executionRoleArn } : {}),
    ...(options.taskRoleArn ? { taskRoleArn: options.taskRoleArn } : {}),
    tags,
  };
}

/** Entrypoint followed by cmd, as the user gave them, from a task definition's container. */
export function argvOf(def: ContainerDefinition | undefined): string[] | undefined {
  if (!def) return undefined;
  const entry = def.entryPoint ?? [];
  const command = def.command ?? [];
  if (entry.length === 1 && entry[0] === AGENT_ENTRYPOINT) return command[0] === '--' ? command.slice(1) : command;
  return [...entry, ...command];
}

export function toKeyValue(entry: string): { name: string; value: string } {
  const eq = entry.indexOf('=');
  return eq < 0 ? { name: entry, value: '' } : { name: entry.slice(0, eq), value: entry.slice(eq + 1) };
}

/** The exit Docker reports for a stopped task. */
export function exitStatusOf(task: Task): ExitStatus {
  const main = mainContainerOf(task);
  const reason = task.stoppedReason || main?.reason || '';
  if (task.stopCode === 'TaskFailedToStart' || /CannotPullContainerError|CannotStartContainerError|ResourceInitializationError/.test(reason)) {
    // Docker's own code for "the container could not be run".
    return { exitCode: 125, error: `ecs: the task failed to start: ${reason || task.stopCode}` };
  }
  if (typeof main?.exitCode === 'number') return { exitCode: main.exitCode };
  return { exitCode: 137, error: `ecs: the task stopped without an exit code: ${reason || task.stopCode || 'no reason given'}` };
}
