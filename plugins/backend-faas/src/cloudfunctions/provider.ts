import { identityLabels, identityOfLabels, LABEL, labelValue } from '@sockerless/cloud-gcp';
import { InvalidArgumentError, isSockerlessError, type Logger, type WorkloadIdentity, type WorkloadSpec } from '@sockerless/sdk';
import { bootstrapScript } from '../core/bootstrap';
import { HttpInvocation, invocationRows } from '../core/http-invocation';
import type { FaasProvider } from '../core/provider';
import type { FunctionsApi } from './api';
import { CLOUD_FUNCTIONS_LIMITS, type CloudFunctionsOptions } from './options';

const MIB = 1024 * 1024;
/**
 * Build-time variables: 2nd gen functions are built from source into the image Cloud Run serves, and the API has
 * no field for a prebuilt image nor for its command. The image goes where sim-gcp reads it; the container's
 * command is kept beside it, so `list()` can give it back.
 */
export const BUILD_VARIABLE = { image: 'SOCKERLESS_FUNCTION_IMAGE', command: 'SOCKERLESS_FUNCTION_COMMAND' } as const;
/** Names Cloud Run sets in every instance and refuses in a service's environment. */
const RESERVED_ENV = new Set(['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION', 'FUNCTION_TARGET', 'FUNCTION_SIGNATURE_TYPE']);
/** How far back the log is read for an invocation's first lines (the daemon's and Google's clocks may differ). */
const CLOCK_SLACK_MS = 1000;

export interface CloudFunctionsProviderDeps {
  instanceName: string;
  options: CloudFunctionsOptions;
  api: FunctionsApi;
  logger: Logger;
}

/**
 * Cloud Functions (2nd gen) HTTP functions: one per container, made from its image with the container's
 * identity in labels; a start is one request to the function's URL carrying the bootstrap script, its lines
 * followed in Cloud Logging (stdout and stderr apart), its exit code from the answer.
 */
export class CloudFunctionsProvider implements FaasProvider {
  readonly cloud = 'Cloud Functions';
  /** Per container, the request ids (`execution_id`) of its earlier invocations, whose late lines are not this one's. */
  private readonly pastExecutions = new Map<string, Set<string>>();

  constructor(private readonly deps: CloudFunctionsProviderDeps) {}

  /** `<prefix><container id>`, cut to 63 characters: found again from the id alone. */
  functionId(containerId: string): string {
    return `${this.deps.options.functionPrefix}${containerId}`.slice(0, CLOUD_FUNCTIONS_LIMITS.maxFunctionIdLength);
  }

  check(spec: WorkloadSpec): void {
    const memoryMb = this.memoryMb(spec);
    if (memoryMb < CLOUD_FUNCTIONS_LIMITS.minMemoryMb || memoryMb > CLOUD_FUNCTIONS_LIMITS.maxMemoryMb) {
      throw new InvalidArgumentError(`Cloud Functions take ${CLOUD_FUNCTIONS_LIMITS.minMemoryMb} to ${CLOUD_FUNCTIONS_LIMITS.maxMemoryMb} MiB of memory; the container asks for ${memoryMb} MiB`);
    }
    for (const entry of spec.env) {
      const name = entry.split('=', 1)[0];
      if (RESERVED_ENV.has(name) || name.startsWith('X_GOOGLE_')) {
        throw new InvalidArgumentError(`the environment variable ${name} is reserved by Cloud Functions and cannot be set on a function`);
      }
    }
  }

  async createFunction(spec: WorkloadSpec, env: string[]): Promise<void> {
    const { options, api, instanceName } = this.deps;
    const environmentVariables: Record<string, string> = {};
    for (const entry of env) {
      const eq = entry.indexOf('=');
      environmentVariables[eq < 0 ? entry : entry.slice(0, eq)] = eq < 0 ? '' : entry.slice(eq + 1);
    }
    await api.createFunction(this.functionId(spec.id), {
      description: `Sockerless container ${spec.name}`,
      buildConfig: {
        environmentVariables: {
          [BUILD_VARIABLE.image]: spec.image.ref,
          [BUILD_VARIABLE.command]: JSON.stringify({ argv: spec.argv, workingDir: spec.workingDir }),
        },
      },
      serviceConfig: {
        environmentVariables,
        timeoutSeconds: options.timeoutSeconds,
        availableMemory: `${this.memoryMb(spec)}M`,
        maxInstanceCount: 1,
        ...(options.serviceAccount ? { serviceAccountEmail: options.serviceAccount } : {}),
      },
      labels: identityLabels(spec, instanceName, new Date().toISOString(), 'Cloud Functions function'),
    });
  }

  async deleteFunction(containerId: string): Promise<void> {
    try {
      await this.deps.api.deleteFunction(this.deps.api.functionName(this.functionId(containerId)));
    } catch (err) {
      if (!(isSockerlessError(err) && err.code === 'NotFound')) throw err;
    }
    this.pastExecutions.delete(containerId);
  }

  invoke(spec: WorkloadSpec): HttpInvocation {
    const { api, options, logger } = this.deps;
    const functionId = this.functionId(spec.id);
    const past = this.pastExecutions.get(spec.id) ?? new Set<string>();
    this.pastExecutions.set(spec.id, past);
    const rows = invocationRows(past);
    const since = new Date(Date.now() - CLOCK_SLACK_MS).toISOString();
    const log = api.invocationLog(functionId, since, rows.owns);
    const invocation = new HttpInvocation({
      cloud: this.cloud,
      url: async () => {
        const uri = (await api.getFunction(api.functionName(functionId))).serviceConfig?.uri;
        if (!uri) throw new Error(`functions: function ${functionId} has no URL (serviceConfig.uri)`);
        return uri;
      },
      body: bootstrapScript(spec.argv, spec.workingDir),
      timeoutSeconds: options.timeoutSeconds,
      readLines: () => log.read(),
      poll: options.pollIntervalMs,
      logger,
    });
    void invocation.result.then(rows.settle);
    return invocation;
  }

  async list(): Promise<Array<{ id: string; identity?: WorkloadIdentity }>> {
    const { api, instanceName, options } = this.deps;
    const out: Array<{ id: string; identity?: WorkloadIdentity }> = [];
    for (const fn of await api.listFunctions()) {
      const labels = (fn.labels ?? {}) as Record<string, string>;
      if (!fn.name?.split('/').pop()?.startsWith(options.functionPrefix) || labels[LABEL.instance] !== labelValue(instanceName)) continue;
      const owned = identityOfLabels(labels);
      if (!owned || owned.instance !== instanceName) continue;
      const command = commandOf(fn.buildConfig?.environmentVariables?.[BUILD_VARIABLE.command]);
      if (command) owned.identity.argv = command.argv;
      out.push({ id: owned.containerId, identity: owned.identity });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.deps.api.close();
  }

  private memoryMb(spec: WorkloadSpec): number {
    return spec.memoryBytes > 0 ? Math.ceil(spec.memoryBytes / MIB) : this.deps.options.memoryMb;
  }
}

function commandOf(json: string | undefined): { argv: string[]; workingDir: string } | undefined {
  try {
    const parsed = JSON.parse(json ?? '') as { argv?: unknown; workingDir?: unknown };
    return Array.isArray(parsed.argv) ? { argv: parsed.argv.map(String), workingDir: String(parsed.workingDir ?? '') } : undefined;
  } catch {
    return undefined;
  }
}
