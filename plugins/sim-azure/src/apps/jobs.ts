import { randomBytes } from 'node:crypto';
import type { Operations } from '../arm/operations';
import { systemData, type ArmResource, type ArmState } from '../arm/state';
import type { WorkloadRunner } from '../context';
import { ArmError, invalidContent, resourceNotFound } from '../errors';
import { armRoute, GROUP, ok, SEGMENT, type Call, type Route } from '../routes';
import { ENVIRONMENT_TYPE, requireLocation, workspaceOf } from './environments';
import { EXECUTION_TYPE, isTerminal, type Container, type ExecutionLifecycle } from './lifecycle';

export const JOB_TYPE = 'Microsoft.App/jobs';

/**
 * Container Apps jobs: PUT (Azure-AsyncOperation LRO; an image the registry does not have fails the operation,
 * as ACA's provisioning does, and leaves the job Failed), PATCH, GET, list (group, subscription), DELETE
 * (Location LRO; running executions are stopped), `start` (Location LRO answering the JobExecutionBase, with an
 * optional template override), executions list/get, `executions/{name}/stop` and `stop` (all running).
 */
export class JobsService {
  constructor(private readonly state: ArmState, private readonly ops: Operations, private readonly lifecycle: ExecutionLifecycle, private readonly runner: WorkloadRunner) {}

  routes(): Route[] {
    const jobs = `${GROUP}/providers/Microsoft.App/jobs`;
    const job = `${jobs}/${SEGMENT}`;
    return [
      armRoute('PUT', job, (c) => this.put(c)),
      armRoute('PATCH', job, (c) => this.patch(c)),
      armRoute('GET', job, (c) => ok(this.job(c))),
      armRoute('GET', jobs, (c) => ok({ value: this.state.listOf(JOB_TYPE, c.params[0], this.state.requireGroup(c.params[0], c.params[1]).name) })),
      armRoute('GET', `/subscriptions/${SEGMENT}/providers/Microsoft.App/jobs`, (c) => ok({ value: this.state.listOf(JOB_TYPE, c.params[0]) })),
      armRoute('DELETE', job, (c) => this.delete(c)),
      armRoute('POST', `${job}/start`, (c) => this.start(c)),
      armRoute('GET', `${job}/executions`, (c) => ok({ value: this.executions(this.job(c)) })),
      armRoute('GET', `${job}/executions/${SEGMENT}`, (c) => ok(this.execution(c))),
      armRoute('POST', `${job}/executions/${SEGMENT}/stop`, async (c) => {
        const e = this.execution(c);
        await this.lifecycle.stop(e.id);
        return this.accepted(c, this.job(c), undefined);
      }),
      armRoute('POST', `${job}/stop`, async (c) => {
        const running = this.executions(this.job(c)).filter((e) => !isTerminal(String(e.properties.status)));
        await Promise.all(running.map((e) => this.lifecycle.stop(e.id)));
        return this.accepted(c, this.job(c), { value: running.map((e) => this.state.byId(e.id) ?? e) });
      }),
    ];
  }

  private address(c: Call) {
    return { subscription: c.params[0], group: c.params[1], type: JOB_TYPE, name: c.params[2] };
  }

  private job(c: Call): ArmResource {
    return this.state.require(this.address(c));
  }

  private executions(job: ArmResource): ArmResource[] {
    const prefix = `${job.id}/executions/`.toLowerCase();
    return this.state.list((r) => r.type === EXECUTION_TYPE && r.id.toLowerCase().startsWith(prefix))
      .sort((a, b) => String(b.properties.startTime).localeCompare(String(a.properties.startTime)));
  }

  private execution(c: Call): ArmResource {
    const job = this.job(c);
    const e = this.state.byId(`${job.id}/executions/${c.params[3]}`);
    if (!e) throw resourceNotFound(`${JOB_TYPE}/executions`, `${job.name}/${c.params[3]}`, c.params[1]);
    return e;
  }

  private put(c: Call) {
    const address = this.address(c);
    const body = c.json();
    const location = requireLocation(body);
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const environmentId = props.environmentId;
    if (typeof environmentId !== 'string' || !environmentId) throw invalidContent("The request content was invalid: 'properties.environmentId' is required.");
    const environment = this.state.byId(environmentId);
    if (!environment || environment.type !== ENVIRONMENT_TYPE) throw new ArmError(404, 'ManagedEnvironmentNotFound', `The managed environment '${environmentId}' was not found.`);
    const config = checkConfiguration(props.configuration);
    const containers = checkContainers((props.template as { containers?: unknown } | undefined)?.containers, 'properties.template.containers');
    const existing = this.state.find(address);
    const missing = containers.find((ct) => !this.runner.hasImage(ct.image));
    const job: ArmResource = {
      id: existing?.id ?? this.state.idFor(address), name: existing?.name ?? address.name, type: JOB_TYPE, location,
      tags: (body.tags as Record<string, string>) ?? {}, systemData: systemData(),
      properties: { ...props, configuration: config, environmentId: environment.id, provisioningState: missing ? 'Failed' : 'Succeeded', eventStreamEndpoint: `${c.base}/subscriptions/${address.subscription}/resourceGroups/${address.group}/containerApps/${address.name}/eventstream` },
    };
    this.state.put(job);
    const op = this.ops.begin();
    if (missing) this.ops.fail(op, 'InvalidParameterValueInContainerTemplate', `The following field(s) are either invalid or missing. Field 'template.containers.${missing.name}.image' is invalid with details: 'Invalid value: "${missing.image}": the image was not found in the registry (Sockerless simulator image store)'.`);
    else this.ops.succeed(op);
    const initial = { ...job, properties: { ...job.properties, provisioningState: 'InProgress' } };
    return ok(initial, existing ? 200 : 201, this.ops.headers(c.base, address.subscription, 'Microsoft.App', location, op, c.query.get('api-version')!));
  }

  private patch(c: Call) {
    const job = this.job(c);
    const body = c.json();
    const props = (body.properties ?? {}) as Record<string, unknown>;
    if (props.configuration !== undefined) props.configuration = checkConfiguration({ ...(job.properties.configuration as object), ...(props.configuration as object) });
    if (props.template !== undefined) checkContainers((props.template as { containers?: unknown }).containers ?? (job.properties.template as { containers?: unknown }).containers, 'properties.template.containers');
    const updated: ArmResource = { ...job, tags: (body.tags as Record<string, string>) ?? job.tags, properties: { ...job.properties, ...props, environmentId: job.properties.environmentId, provisioningState: 'Succeeded' } };
    this.state.put(updated);
    return ok(updated);
  }

  private async delete(c: Call) {
    const job = this.state.find(this.address(c));
    if (!job) {
      this.state.requireGroup(c.params[0], c.params[1]);
      return { status: 204 };
    }
    await this.removeJob(job);
    return this.accepted(c, job, undefined);
  }

  /** Stops a job's running executions and forgets the job and them (a job delete, its group's delete). */
  async removeJob(job: ArmResource): Promise<void> {
    const executions = this.executions(job);
    await Promise.all(executions.map((e) => this.lifecycle.stop(e.id)));
    for (const e of executions) this.state.delete(this.state.byId(e.id) ?? e);
    this.state.delete(job);
  }

  private start(c: Call) {
    const job = this.job(c);
    if (job.properties.provisioningState !== 'Succeeded') throw new ArmError(409, 'Conflict', `Job '${job.name}' cannot be started: its provisioningState is '${String(job.properties.provisioningState)}'.`);
    const base = ((job.properties.template ?? {}) as { containers: Container[] }).containers;
    const override = c.raw.length ? c.json() : {};
    const containers = override.containers === undefined ? base : mergeContainers(base, checkContainers(override.containers, 'containers'));
    const missing = containers.find((ct) => !this.runner.hasImage(ct.image));
    if (missing) throw new ArmError(400, 'InvalidParameterValueInContainerTemplate', `Field 'template.containers.${missing.name}.image' is invalid: the image '${missing.image}' was not found in the registry.`);
    const name = `${job.name}-${randomBytes(4).toString('hex').slice(0, 7)}`;
    const execution: ArmResource = {
      id: `${job.id}/executions/${name}`, name, type: EXECUTION_TYPE,
      properties: { status: 'Processing', startTime: new Date().toISOString(), template: { containers, initContainers: [] } },
    };
    this.state.put(execution);
    const environment = this.state.byId(String(job.properties.environmentId));
    this.lifecycle.start(execution, containers, { job, environment, workspace: workspaceOf(environment) });
    return this.accepted(c, job, { id: execution.id, name });
  }

  /** 202 with a Location to poll; the poll answers `result` (what `begin...AndWait` returns). */
  private accepted(c: Call, job: ArmResource, result: unknown) {
    const op = this.ops.begin();
    this.ops.succeed(op, result);
    return ok(result, 202, this.ops.headers(c.base, c.params[0], 'Microsoft.App', job.location ?? '', op, c.query.get('api-version')!));
  }
}

function checkConfiguration(value: unknown): Record<string, unknown> {
  const config = (value ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || value === null) throw invalidContent("The request content was invalid: 'properties.configuration' is required.");
  if (!['Manual', 'Schedule', 'Event'].includes(String(config.triggerType))) throw invalidContent(`The request content was invalid: 'properties.configuration.triggerType' must be Manual, Schedule or Event, not '${String(config.triggerType)}'.`);
  if (config.replicaTimeout !== undefined && !(Number.isInteger(config.replicaTimeout) && Number(config.replicaTimeout) > 0)) throw invalidContent("'properties.configuration.replicaTimeout' must be a positive integer (seconds).");
  return { replicaTimeout: 1800, replicaRetryLimit: 0, ...config };
}

function checkContainers(value: unknown, field: string): Container[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidContent(`The request content was invalid: '${field}' must hold at least one container.`);
  for (const [i, ct] of value.entries()) {
    const c = ct as Partial<Container>;
    if (typeof c?.image !== 'string' || !c.image) throw invalidContent(`The request content was invalid: '${field}[${i}].image' is required.`);
    if (typeof c.name !== 'string' || !c.name) throw invalidContent(`The request content was invalid: '${field}[${i}].name' is required.`);
  }
  return value as Container[];
}

/** A start's template: each container replaces the job's container of the same name (fields it leaves out kept). */
function mergeContainers(base: Container[], override: Container[]): Container[] {
  return override.map((o) => ({ ...(base.find((b) => b.name === o.name) ?? {}), ...o }));
}
