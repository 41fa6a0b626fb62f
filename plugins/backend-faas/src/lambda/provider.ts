import { AGENT_ENTRYPOINT, InvalidArgumentError, isSockerlessError, UnavailableError, type Logger, type WorkloadSpec } from '@sockerless/sdk';
import type { FaasProvider, InvocationResult } from '../core/provider';
import { aws, awsErrorName, mapAwsError } from './errors';
import { lambdaEnvironment } from './environment';
import { identityFromTags, identityTags, TAG } from './identity-tags';
import { LambdaInvocation } from './invocation';
import { LAMBDA_LIMITS, type LambdaOptions } from './options';
import type { LambdaClients } from './sdk';

const MIB = 1024 * 1024;
/** How long a new function may stay Pending before create gives up (Lambda pulls and optimises the image). */
const ACTIVE_DEADLINE_MS = 5 * 60 * 1000;

export interface LambdaProviderDeps {
  instanceName: string;
  options: LambdaOptions;
  clients: LambdaClients;
  logger: Logger;
}

/**
 * Lambda image functions: the agent as the image's entrypoint and the container's argv as its command, one
 * RequestResponse Invoke per start, output from the function's CloudWatch log group, identity in tags.
 */
export class LambdaProvider implements FaasProvider {
  readonly cloud = 'Lambda';
  /** Per container, the log streams of its earlier invocations (one stream per invocation). */
  private readonly pastStreams = new Map<string, Set<string>>();
  /** Function ARNs by container id, for tagging an invocation's result without a lookup. */
  private readonly arns = new Map<string, string>();

  constructor(private readonly deps: LambdaProviderDeps) {}

  /** `<prefix><container id>`, cut to Lambda's 64 characters: found again from the id alone, with no state. */
  functionName(id: string): string {
    return `${this.deps.options.functionPrefix}${id}`.slice(0, LAMBDA_LIMITS.maxFunctionNameLength);
  }

  check(spec: WorkloadSpec): void {
    const memoryMb = this.memoryMb(spec);
    if (memoryMb < LAMBDA_LIMITS.minMemoryMb || memoryMb > LAMBDA_LIMITS.maxMemoryMb) {
      throw new InvalidArgumentError(`Lambda functions take ${LAMBDA_LIMITS.minMemoryMb} to ${LAMBDA_LIMITS.maxMemoryMb} MiB of memory; the container asks for ${memoryMb} MiB`);
    }
  }

  async createFunction(spec: WorkloadSpec, env: string[]): Promise<void> {
    const { options, clients } = this.deps;
    const variables = lambdaEnvironment(env);
    const tags = identityTags(spec, this.deps.instanceName, new Date());
    const created = await aws(() => clients.lambda.send(new clients.lambdaSdk.CreateFunctionCommand({
      FunctionName: this.functionName(spec.id),
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
      MemorySize: this.memoryMb(spec),
      Tags: tags,
    })));
    if (created.FunctionArn) this.arns.set(spec.id, created.FunctionArn);
  }

  async whenReady(spec: WorkloadSpec): Promise<void> {
    const { clients, options } = this.deps;
    const FunctionName = this.functionName(spec.id);
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

  async deleteFunction(id: string): Promise<void> {
    const { clients } = this.deps;
    try {
      await clients.lambda.send(new clients.lambdaSdk.DeleteFunctionCommand({ FunctionName: this.functionName(id) }));
    } catch (err) {
      if (awsErrorName(err) !== 'ResourceNotFoundException') throw mapAwsError(err);
    }
    this.pastStreams.delete(id);
    this.arns.delete(id);
  }

  invoke(spec: WorkloadSpec): LambdaInvocation {
    const { options, clients, logger } = this.deps;
    const past = this.pastStreams.get(spec.id) ?? new Set<string>();
    this.pastStreams.set(spec.id, past);
    const invocation = new LambdaInvocation({
      clients, functionName: this.functionName(spec.id), timeoutSeconds: options.timeoutSeconds,
      poll: options.pollIntervalMs, excludeStreams: past, logger,
    });
    void invocation.result.then((r) => { if (r.stream) past.add(r.stream); });
    return invocation;
  }

  async list(): Promise<Array<{ id: string; identity?: ReturnType<typeof identityFromTags> }>> {
    const { clients, options, instanceName } = this.deps;
    const workloads: Array<{ id: string; identity?: ReturnType<typeof identityFromTags> }> = [];
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
        workloads.push({ id, identity: identityFromTags(tags, argv) });
      }
      Marker = page.NextMarker;
    } while (Marker);
    return workloads;
  }

  /** Tags the function with the invocation's result: Lambda keeps none that list() could read later. */
  async recordResult(id: string, { status, startedAt, finishedAt }: InvocationResult): Promise<void> {
    const { clients } = this.deps;
    try {
      const arn = this.arns.get(id)
        ?? (await clients.lambda.send(new clients.lambdaSdk.GetFunctionCommand({ FunctionName: this.functionName(id) }))).Configuration?.FunctionArn;
      if (!arn) return;
      this.arns.set(id, arn);
      await clients.lambda.send(new clients.lambdaSdk.TagResourceCommand({
        Resource: arn,
        Tags: { [TAG.exitCode]: String(status.exitCode), [TAG.startedAt]: startedAt.toISOString(), [TAG.finishedAt]: finishedAt.toISOString() },
      }));
    } catch (err) {
      // Removed already (docker run --rm) or not reachable: the result only enriches a later adoption.
      if (awsErrorName(err) !== 'ResourceNotFoundException') this.deps.logger.debug('lambda: could not tag the invocation result', { id, err: String(err) });
    }
  }

  async close(): Promise<void> {
    this.deps.clients.destroy();
  }

  private memoryMb(spec: WorkloadSpec): number {
    return spec.memoryBytes > 0 ? Math.ceil(spec.memoryBytes / MIB) : this.deps.options.memoryMb;
  }
}
