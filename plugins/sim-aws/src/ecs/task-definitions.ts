import { AwsError } from '../errors';
import { epochSeconds, includesTags, optString, optStringList, pageByOffset, pageSize, reqString, type Json, type Json11Operations } from '../wire';
import type { EcsState, TaskDefinition } from './model';
import { parseTags } from './tags';

const FAMILY_RE = /^[A-Za-z0-9_-]{1,255}$/;
const NETWORK_MODES = ['bridge', 'host', 'awsvpc', 'none'];

/** Fargate's valid task sizes: CPU units -> allowed memory (MiB). */
const FARGATE_SIZES: Record<number, (mib: number) => boolean> = {
  256: (m) => [512, 1024, 2048].includes(m),
  512: (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  1024: (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  2048: (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  4096: (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
  8192: (m) => m >= 16384 && m <= 61440 && m % 4096 === 0,
  16384: (m) => m >= 32768 && m <= 122880 && m % 8192 === 0,
};

/** `"1024"`, `"1 vCPU"`, `"0.25 vcpu"` -> CPU units; `"512"`, `"2GB"`, `"2 GB"` -> MiB. */
function parseSize(value: unknown, what: 'cpu' | 'memory'): number {
  const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = what === 'cpu' ? /^(\d+(?:\.\d+)?)\s*(vcpu)?$/i.exec(s) : /^(\d+(?:\.\d+)?)\s*(gb)?$/i.exec(s);
  if (!m) throw new AwsError('ClientException', `Invalid '${what}' setting for task definition: ${JSON.stringify(value)}`);
  const n = Number(m[1]) * (m[2] ? 1024 : 1);
  if (!Number.isInteger(n) || n <= 0) throw new AwsError('ClientException', `Invalid '${what}' setting for task definition: ${JSON.stringify(value)}`);
  return n;
}

function validateContainers(defs: unknown): void {
  if (!Array.isArray(defs) || defs.length === 0) throw new AwsError('ClientException', 'Container list cannot be empty.');
  const names = new Set<string>();
  for (const d of defs as Json[]) {
    if (typeof d !== 'object' || d === null) throw new AwsError('ClientException', 'Container definitions must be objects.');
    const name = d.name;
    if (typeof name !== 'string' || name === '') throw new AwsError('ClientException', 'Container.name should not be null or empty.');
    if (names.has(name)) throw new AwsError('ClientException', `Duplicate container name found: ${name}.`);
    names.add(name);
    if (typeof d.image !== 'string' || d.image === '') throw new AwsError('ClientException', 'Container.image should not be null or empty.');
    for (const field of ['memory', 'memoryReservation', 'cpu', 'stopTimeout'] as const) {
      const v = d[field];
      if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
        throw new AwsError('ClientException', `Invalid '${field}' setting for container '${name}'.`);
      }
    }
    if (typeof d.memory === 'number' && d.memory < 6) throw new AwsError('ClientException', `Invalid 'memory' setting for container '${name}'. The minimum is 6 MiB.`);
    for (const field of ['command', 'entryPoint'] as const) {
      const v = d[field];
      if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))) throw new AwsError('ClientException', `Container.${field} must be a list of strings.`);
    }
    const env = d.environment;
    if (env !== undefined && env !== null && (!Array.isArray(env) || env.some((e: Json) => typeof e?.name !== 'string'))) {
      throw new AwsError('ClientException', 'Container.environment entries need a name.');
    }
  }
  if (!(defs as Json[]).some((d) => d.essential !== false)) throw new AwsError('ClientException', 'Task definition must have at least one essential container.');
}

function validateNetworkMode(body: Json): void {
  const mode = body.networkMode;
  if (mode === undefined || mode === null) return;
  // ECS checks the enum itself: an unknown mode is the caller's error, never a silent bridge.
  if (typeof mode !== 'string' || !NETWORK_MODES.includes(mode)) {
    throw new AwsError('ClientException', `Invalid networkMode '${String(mode)}'. Valid values: ${NETWORK_MODES.join(', ')}.`);
  }
}

/**
 * What ECS says a definition can run on (`compatibilities`): EC2 always; EXTERNAL for the Docker network modes
 * (ECS Anywhere has no awsvpc); FARGATE only for awsvpc with a valid task-level cpu/memory pair.
 */
export function compatibilitiesOf(input: Json): string[] {
  const mode = (input.networkMode as string | undefined) ?? 'bridge';
  const out = ['EC2'];
  if (mode !== 'awsvpc') out.push('EXTERNAL');
  if (mode === 'awsvpc' && fargateSized(input)) out.push('FARGATE');
  return out;
}

function fargateSized(input: Json): boolean {
  try {
    if (input.cpu === undefined || input.cpu === null || input.memory === undefined || input.memory === null) return false;
    return !!FARGATE_SIZES[parseSize(input.cpu, 'cpu')]?.(parseSize(input.memory, 'memory'));
  } catch {
    return false;
  }
}

/** The container fields ECS fills in on RegisterTaskDefinition and answers from then on. */
function withContainerDefaults(d: Json): Json {
  return {
    cpu: 0, portMappings: [], essential: true, environment: [], mountPoints: [], volumesFrom: [], systemControls: [],
    ...Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined && v !== null)),
  };
}

function validateSizes(body: Json): void {
  const cpu = body.cpu === undefined || body.cpu === null ? undefined : parseSize(body.cpu, 'cpu');
  const memory = body.memory === undefined || body.memory === null ? undefined : parseSize(body.memory, 'memory');
  const fargate = (optStringList(body, 'requiresCompatibilities', 'ClientException') ?? []).includes('FARGATE');
  if (!fargate) return;
  // Without a networkMode the definition is `bridge`, which Fargate does not run.
  if (body.networkMode !== 'awsvpc') throw new AwsError('ClientException', 'Fargate only supports network mode \'awsvpc\'.');
  // The awslogs driver of a Fargate task writes with the task execution role, so ECS asks for one.
  const awslogs = (body.containerDefinitions as Json[]).some((d) => (d.logConfiguration as Json | undefined)?.logDriver === 'awslogs');
  if (awslogs && !optString(body, 'executionRoleArn', 'ClientException')) {
    throw new AwsError('ClientException', 'Fargate requires task definition to have execution role ARN to support log driver awslogs.');
  }
  if (cpu === undefined || memory === undefined) throw new AwsError('ClientException', "Fargate requires that 'cpu' and 'memory' be defined at the task level.");
  if (!FARGATE_SIZES[cpu]?.(memory)) throw new AwsError('ClientException', `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid combinations.`);
}

function definitionView(d: TaskDefinition): Json {
  return {
    volumes: [], placementConstraints: [], requiresAttributes: [],
    ...d.input,
    containerDefinitions: (d.input.containerDefinitions as Json[]).map(withContainerDefaults),
    compatibilities: compatibilitiesOf(d.input),
    taskDefinitionArn: d.taskDefinitionArn, family: d.family, revision: d.revision, status: d.status,
    registeredAt: epochSeconds(d.registeredAt), deregisteredAt: d.deregisteredAt === undefined ? undefined : epochSeconds(d.deregisteredAt),
  };
}

export function taskDefinitionOperations(state: EcsState): Json11Operations {
  const lookup = (ref: string) => {
    const d = state.findTaskDefinition(ref);
    if (!d) throw new AwsError('ClientException', 'Unable to describe task definition.');
    return d;
  };
  return {
    RegisterTaskDefinition(body) {
      const family = reqString(body, 'family', 'ClientException');
      if (!FAMILY_RE.test(family)) throw new AwsError('ClientException', 'Family contains invalid characters.');
      validateContainers(body.containerDefinitions);
      validateNetworkMode(body);
      validateSizes(body);
      const tags = parseTags(body.tags);
      const { tags: _tags, ...input } = body;
      const revs = state.families.get(family) ?? [];
      const revision = revs.length + 1;
      const def: TaskDefinition = {
        taskDefinitionArn: state.arn(`task-definition/${family}:${revision}`), family, revision, status: 'ACTIVE',
        registeredAt: Date.now(), input: { ...input, cpu: body.cpu === undefined ? undefined : String(body.cpu), memory: body.memory === undefined ? undefined : String(body.memory) }, tags,
      };
      revs.push(def);
      state.families.set(family, revs);
      state.changed();
      return { taskDefinition: definitionView(def), tags };
    },
    DescribeTaskDefinition(body) {
      const d = lookup(reqString(body, 'taskDefinition', 'ClientException'));
      const withTags = includesTags(body);
      return { taskDefinition: definitionView(d), tags: withTags ? d.tags : undefined };
    },
    DeregisterTaskDefinition(body) {
      const ref = reqString(body, 'taskDefinition', 'ClientException');
      if (!/:\d+$/.test(ref)) throw new AwsError('ClientException', 'The specified task definition identifier is invalid. Specify a valid name or ARN and revision.');
      const d = lookup(ref);
      if (d.status === 'ACTIVE') {
        d.status = 'INACTIVE';
        d.deregisteredAt = Date.now();
        state.changed();
      }
      return { taskDefinition: definitionView(d) };
    },
    ListTaskDefinitions(body) {
      const prefix = optString(body, 'familyPrefix');
      const status = optString(body, 'status') ?? 'ACTIVE';
      if (status !== 'ACTIVE' && status !== 'INACTIVE' && status !== 'DELETE_IN_PROGRESS') throw new AwsError('InvalidParameterException', `status must be ACTIVE, INACTIVE or DELETE_IN_PROGRESS, not ${status}`);
      const sort = optString(body, 'sort') ?? 'ASC';
      const defs = [...state.families.entries()]
        // familyPrefix matches the family name exactly in ECS, despite its name.
        .filter(([family]) => prefix === undefined || family === prefix)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .flatMap(([, revs]) => revs.filter((d) => d?.status === status));
      if (sort === 'DESC') defs.reverse();
      const { page, nextToken } = pageByOffset(defs.map((d) => d.taskDefinitionArn), body, { size: pageSize(body, 'maxResults', 100, 100) });
      return { taskDefinitionArns: page, nextToken };
    },
    ListTaskDefinitionFamilies(body) {
      const prefix = optString(body, 'familyPrefix') ?? '';
      const families = [...state.families.keys()].filter((f) => f.startsWith(prefix)).sort();
      const { page, nextToken } = pageByOffset(families, body, { size: pageSize(body, 'maxResults', 100, 100) });
      return { families: page, nextToken };
    },
  };
}
