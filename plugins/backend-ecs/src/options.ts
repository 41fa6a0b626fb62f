import { cloudConnectionOptions, refineOneEndpoint, z } from '@sockerless/sdk';

/** `backends.<name>.options` of an `ecs` instance. Strict, so a misspelt option stops the boot. */
export const ecsOptionsSchema = refineOneEndpoint(z.strictObject({
  region: z.string().min(1).default(() => process.env.AWS_REGION || 'us-east-1'),
  cluster: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'an ECS cluster name: up to 255 letters, digits, hyphens and underscores').default('sockerless'),
  subnets: z.array(z.string().min(1)).default([]),
  securityGroups: z.array(z.string().min(1)).default([]),
  assignPublicIp: z.boolean().default(false),
  executionRoleArn: z.string().min(1).optional(),
  taskRoleArn: z.string().min(1).optional(),
  logGroup: z.string().min(1).default('/sockerless'),
  logStreamPrefix: z.string().min(1).default('sockerless'),
  /** Fargate task CPU units; with `memory` it must be one of Fargate's combinations. */
  cpu: z.string().regex(/^\d+$/, 'CPU units as a string, e.g. "256"').default('256'),
  /** Fargate task memory in MiB; a container's `--memory` raises it to the next valid size. */
  memory: z.string().regex(/^\d+$/, 'MiB as a string, e.g. "512"').default('512'),
  /**
   * endpoint (ECS and Logs), simulator, credentials, maxAttempts (per AWS call) and pollIntervalMs (the
   * adaptive DescribeTasks / GetLogEvents poll).
   */
  ...cloudConnectionOptions,
  /**
   * The container's `stopTimeout`: after StopTask's SIGTERM, ECS sends SIGKILL this many seconds later
   * (Fargate allows 2..120). Docker's default stop grace is 10 s. Signals through the agent do not wait.
   */
  stopTimeoutSeconds: z.number().int().min(2).max(120).default(10),
  /** Wrap the entrypoint with the workload agent (exec, attach, cp, signals); without it only logs and exit codes. */
  agent: z.boolean().default(true),
}));

export type EcsOptions = z.output<typeof ecsOptionsSchema>;

/**
 * Fargate's CPU/memory combinations (MiB): per CPU size the smallest and largest memory and the step.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
const FARGATE_SIZES: Record<string, { min: number; max: number; step: number; extra?: number[] }> = {
  '256': { min: 1024, max: 2048, step: 1024, extra: [512] },
  '512': { min: 1024, max: 4096, step: 1024 },
  '1024': { min: 2048, max: 8192, step: 1024 },
  '2048': { min: 4096, max: 16384, step: 1024 },
  '4096': { min: 8192, max: 30720, step: 1024 },
  '8192': { min: 16384, max: 61440, step: 4096 },
  '16384': { min: 32768, max: 122880, step: 8192 },
};

/** ECS refuses a container memory limit below 6 MiB. */
export const MIN_CONTAINER_MEMORY_MIB = 6;

export function validFargateMemories(cpu: string): number[] {
  const size = FARGATE_SIZES[cpu];
  if (!size) return [];
  const out = [...(size.extra ?? [])];
  for (let m = size.min; m <= size.max; m += size.step) out.push(m);
  return out;
}

/** Why ECS would refuse this task size, or undefined when it is a valid Fargate combination. */
export function fargateSizeProblem(cpu: string, memoryMib: number): string | undefined {
  const valid = validFargateMemories(cpu);
  if (valid.length === 0) return `cpu ${cpu} is not a Fargate size (one of ${Object.keys(FARGATE_SIZES).join(', ')})`;
  if (!valid.includes(memoryMib)) return `memory ${memoryMib} MiB does not fit Fargate's cpu ${cpu} (valid: ${valid[0]}..${valid[valid.length - 1]} MiB)`;
  return undefined;
}

/** The smallest valid Fargate task memory for `cpu` that holds `wantedMib`, or undefined when none does. */
export function fargateMemoryFor(cpu: string, wantedMib: number): number | undefined {
  return validFargateMemories(cpu).find((m) => m >= wantedMib);
}
