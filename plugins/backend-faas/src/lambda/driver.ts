import {
  AGENT_ENTRYPOINT, AGENT_ENV, InvalidArgumentError, hostAccessAskedFor, isSockerlessError, NotFoundError, NotImplementedError, UnavailableError,
  type AgentServer, type AgentSession, type BackendDriver, type ExecSpec, type Logger,
  type ManagedWorkload, type PathStat, type WorkloadProcess, type WorkloadSpec,
} from '@sockerless/sdk';
import type { Readable } from 'node:stream';
import { aws, awsErrorName, mapAwsError } from './errors';
import { lambdaEnvironment } from './environment';
import { identityFromTags, identityTags, TAG } from './identity-tags';
import { LambdaInvocation } from './invocation';
import { LAMBDA_LIMITS, type LambdaOptions } from './options';
import type { LambdaClients } from './sdk';

export interface LambdaDriverDeps {
  instanceName: string;
  options: LambdaOptions;
  clients: LambdaClients;
  agents: AgentServer;
  logger: Logger;
}

const MIB = 1024 * 1024;
/** How long a new function may stay Pending before create gives up (Lambda pulls and optimises the image). */
const ACTIVE_DEADLINE_MS = 5 * 60 * 1000;

/**
 * Docker containers as Lambda image functions: `create` makes a function whose entrypoint is the workload
 * agent followed by the container's argv, each `start` is one RequestResponse invocation, output comes from
 * the function's CloudWatch log group, and exec / cp / attach / signals go through the agent while an
 * invocation runs (Lambda has no API for any of them).
 */
export class LambdaDriver implements BackendDriver {
  readonly kind = 'lambda';
  private readonly running = new Map<string, LambdaInvocation>();
  /** Per container, the log streams of its earlier invocations (one stream per invocation). */
  private readonly pastStreams = new Map<string, Set<string>>();
  /** Function ARNs by container id, for tagging an invocation's result without a lookup. */
  private readonly arns = new Map<string, string>();
  private readonly logger: Logger;

  constructor(private readonly deps: LambdaDriverDeps) {
    this.logger = deps.logger;
  }

  /** `<prefix><container id>`, cut to Lambda's 64 characters: found again from the id alone, with no state. */
  functionName(id: string): string {
    return `${this.deps.options.functionPrefix}${id}`.slice(0, LAMBDA_LIMITS.maxFunctionNameLength);
  }

  async create(spec: WorkloadSpec): Promise<void> {
    const { options, clients } = this.deps;
    if (spec.tty) throw new NotImplementedError('Lambda has no terminal: a container with a TTY (docker run -t) cannot run as a Lambda function');
    this.refuseWhatLambdaCannotDo(spec);
    const memoryMb = spec.memoryBytes > 0 ? Math.ceil(spec.memoryBytes / MIB) : options.memoryMb;
    if (memoryMb < LAMBDA_LIMITS.minMemoryMb || memoryMb > LAMBDA_LIMITS.maxMemoryMb) {
      throw new InvalidArgumentError(`Lambda functions take ${LAMBDA_LIMITS.minMemoryMb} to ${LAMBDA_LIMITS.maxMemoryMb} MiB of memory; the container asks for ${memoryMb} MiB`);
    }
    const grant = await this.deps.agents.grant(spec.id);
    const env = [...spec.env, ...grant.env, ...(spec.openStdin ? [`${AGENT_ENV.stdin}=1`] : [])];
    const variables = lambdaEnvironment(env);
    const tags = identityTags(spec, this.deps.instanceName, new Date());
    if (spec.user) this.logger.debug('lambda: the container user is not applied; Lambda runs functions as its own user', { id: spec.id, user: spec.user });
    const FunctionName = this.functionName(spec.id);
    const created = await aws(() => clients.lambda.send(new clients.lambdaSdk.CreateFunctionCommand({
      FunctionName,
      PackageType: 'Image',
      Code: { ImageUri: spec.image.ref },
      Role: options.role,
      ImageConfig: {
        EntryPoint: [AGENT_ENTRYPOINT],
        Command: spec.argv,
        ...(spec.workingDir ? { WorkingDirectory: spec.workingDir } : {}),
      },
      Environment: { Variables: variables },
      Timeout: options.timeoutSeconds,
      MemorySize: memoryMb,
      Tags: tags,
    })));
    if (created.FunctionArn) this.arns.set(spec.id, created.FunctionArn);
    try {
      await this.waitActive(FunctionName);
    } catch (err) {
      // Nothing is left behind by a create that failed half way.
      await this.deleteFunction(FunctionName).catch((e: Error) => this.logger.warn('lambda: cleanup after a failed create failed', { fn: FunctionName, err: e.message }));
      throw err;
    }
  }

  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    const { options, clients, agents, logger } = this.deps;
    if (this.running.has(spec.id)) throw new UnavailableError(`container ${spec.id} already has a Lambda invocation running`);
    // Marks the container as this daemon's, so its agent is accepted (after a restart, create ran in another daemon).
    await agents.grant(spec.id);
    const past = this.pastStreams.get(spec.id) ?? new Set<string>();
    this.pastStreams.set(spec.id, past);
    const invocation = new LambdaInvocation({
      clients, containerId: spec.id, functionName: this.functionName(spec.id), timeoutSeconds: options.timeoutSeconds,
      poll: options.pollIntervalMs, excludeStreams: past, openStdin: spec.openStdin, agents,
      agentWaitMs: options.agentWaitMs, logger,
    });
    this.running.set(spec.id, invocation);
    void invocation.result.then((r) => {
      if (this.running.get(spec.id) === invocation) this.running.delete(spec.id);
      if (r.stream) past.add(r.stream);
      void this.recordResult(spec.id, r.status.exitCode, r.startedAt, r.finishedAt);
    });
    return invocation.process;
  }

  async signal(id: string, signal: string): Promise<void> {
    const session = await this.agentOf(id, 'Lambda has no API to stop an invocation; the workload agent is not connected');
    await session.signal(signal);
  }

  async remove(id: string): Promise<void> {
    // A removed container's agent must not be served any more, whatever Lambda says below.
    this.deps.agents.revoke(id);
    await this.deleteFunction(this.functionName(id));
    this.pastStreams.delete(id);
    this.arns.delete(id);
  }

  async exec(id: string, spec: ExecSpec): Promise<WorkloadProcess> {
    if (spec.tty) throw new NotImplementedError('a TTY through the workload agent is not supported: it has no terminal allocator');
    return (await this.agentOf(id, 'docker exec reaches a Lambda container through its workload agent, which has not connected')).exec(spec);
  }

  async statPath(id: string, path: string): Promise<PathStat> {
    return (await this.archiveSession(id)).statPath(path);
  }

  async getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: Readable }> {
    return (await this.archiveSession(id)).getArchive(path);
  }

  async putArchive(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void> {
    return (await this.archiveSession(id)).putArchive(path, tar, opts);
  }

  async list(): Promise<ManagedWorkload[]> {
    const { clients, options, instanceName } = this.deps;
    const workloads: ManagedWorkload[] = [];
    let Marker: string | undefined;
    do {
      const page = await aws(() => clients.lambda.send(new clients.lambdaSdk.ListFunctionsCommand({ ...(Marker ? { Marker } : {}), MaxItems: 50 })));
      for (const fn of page.Functions ?? []) {
        if (!fn.FunctionName?.startsWith(options.functionPrefix)) continue;
        const got = await aws(() => clients.lambda.send(new clients.lambdaSdk.GetFunctionCommand({ FunctionName: fn.FunctionName }))).catch((err: unknown) => {
          if (isSockerlessError(err) && err.code === 'NotFound') return undefined; // deleted while listing
          throw err;
        });
        const tags = got?.Tags ?? {};
        if (tags[TAG.instance] !== instanceName || !tags[TAG.containerId]) continue;
        const argv = got?.Configuration?.ImageConfigResponse?.ImageConfig?.Command;
        const id = tags[TAG.containerId];
        if (got?.Configuration?.FunctionArn) this.arns.set(id, got.Configuration.FunctionArn);
        workloads.push({ id, running: this.running.has(id), identity: identityFromTags(tags, argv) });
      }
      Marker = page.NextMarker;
    } while (Marker);
    return workloads;
  }

  /**
   * Lambda keeps no record of an invocation that can be read back: the output and the answer of one that was
   * in flight when the previous daemon died are lost to the API, so the core records the container as ended.
   */
  async reattach(): Promise<WorkloadProcess | undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    for (const invocation of this.running.values()) invocation.abandon();
    this.running.clear();
    this.deps.clients.destroy();
  }

  private refuseWhatLambdaCannotDo(spec: WorkloadSpec): void {
    const hostAccess = hostAccessAskedFor(spec.security);
    if (hostAccess) throw new NotImplementedError(`${hostAccess} is not available on Lambda: a function cannot be given host devices, extra capabilities or another container's namespaces`);
    const bind = spec.mounts.find((m) => m.type === 'bind');
    if (bind) throw new NotImplementedError(`a Lambda function cannot mount a path of the daemon's host (bind mount ${bind.source}:${bind.target})`);
    for (const m of spec.mounts) {
      this.logger.warn('lambda: volume mounted as a plain directory of the function; its data does not outlive the invocation', { id: spec.id, target: m.target });
    }
    if (spec.network?.ports.length) {
      throw new NotImplementedError('a Lambda function takes no inbound connections: published ports (docker run -p) cannot be served');
    }
  }

  private async waitActive(FunctionName: string): Promise<void> {
    const { clients, options } = this.deps;
    const deadline = Date.now() + ACTIVE_DEADLINE_MS;
    let delay = options.pollIntervalMs.min;
    for (;;) {
      const got = await aws(() => clients.lambda.send(new clients.lambdaSdk.GetFunctionCommand({ FunctionName })));
      const state = got.Configuration?.State;
      if (state === 'Active' || state === undefined) return;
      if (state === 'Failed' || state === 'Inactive') {
        throw new UnavailableError(`lambda: function ${FunctionName} is ${state}: ${got.Configuration?.StateReasonCode ?? ''} ${got.Configuration?.StateReason ?? ''}`.trimEnd());
      }
      if (Date.now() > deadline) throw new UnavailableError(`lambda: function ${FunctionName} stayed ${state} for ${ACTIVE_DEADLINE_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, options.pollIntervalMs.max);
    }
  }

  private async deleteFunction(FunctionName: string): Promise<void> {
    const { clients } = this.deps;
    try {
      await clients.lambda.send(new clients.lambdaSdk.DeleteFunctionCommand({ FunctionName }));
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException') return;
      throw mapAwsError(err);
    }
  }

  /** The agent of a running invocation; NotFound when none runs, NotImplemented (naming why) when it never dials in. */
  private async agentOf(id: string, whyWithoutAgent: string): Promise<AgentSession> {
    if (!this.running.has(id)) throw new NotFoundError(`container ${id} has no running Lambda invocation`);
    try {
      return await this.deps.agents.session(id, this.deps.agents.connected(id) ? 0 : this.deps.options.agentWaitMs);
    } catch (err) {
      if (isSockerlessError(err) && err.code === 'Unavailable') throw new NotImplementedError(whyWithoutAgent);
      throw err;
    }
  }

  private async archiveSession(id: string): Promise<AgentSession> {
    if (!this.running.has(id)) {
      throw new NotImplementedError('a Lambda container has a filesystem only while an invocation runs; start it first');
    }
    return this.agentOf(id, 'docker cp reaches a Lambda container through its workload agent, which has not connected');
  }

  /** Tags the function with the invocation's result: Lambda keeps none that list() could read later. */
  private async recordResult(id: string, exitCode: number, startedAt: Date, finishedAt: Date): Promise<void> {
    const { clients } = this.deps;
    try {
      const arn = this.arns.get(id)
        ?? (await clients.lambda.send(new clients.lambdaSdk.GetFunctionCommand({ FunctionName: this.functionName(id) }))).Configuration?.FunctionArn;
      if (!arn) return;
      this.arns.set(id, arn);
      await clients.lambda.send(new clients.lambdaSdk.TagResourceCommand({
        Resource: arn,
        Tags: { [TAG.exitCode]: String(exitCode), [TAG.startedAt]: startedAt.toISOString(), [TAG.finishedAt]: finishedAt.toISOString() },
      }));
    } catch (err) {
      // Removed already (docker run --rm) or not reachable: the result only enriches a later adoption.
      if (awsErrorName(err) !== 'ResourceNotFoundException') this.logger.debug('lambda: could not tag the invocation result', { id, err: String(err) });
    }
  }
}
