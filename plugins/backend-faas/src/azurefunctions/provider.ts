import {
  decodeLabelChunks, encodeLabelChunks, identityFromTags, identityTags, IDENTITY_TAG, InvalidArgumentError, isSockerlessError,
  type Logger, type WorkloadIdentity, type WorkloadSpec,
} from '@sockerless/sdk';
import { bootstrapScript } from '../core/bootstrap';
import { HttpInvocation, invocationRows, type LogLine } from '../core/http-invocation';
import type { FaasProvider } from '../core/provider';
import type { AzureFunctionsApi, Site } from './api';
import { AZURE_FUNCTIONS_LIMITS, type AzureFunctionsOptions } from './options';

/** Where the container's command is kept: Function Apps have no field for it (the image carries one). */
const COMMAND_TAG_PREFIX = 'sockerless-command-';
/** Identity keys besides the chunks of labels and command. */
const FIXED_TAGS = 7;
/** Names the Functions host and App Service set themselves, refused in app settings. */
const RESERVED_ENV = /^(WEBSITE_|FUNCTIONS_|AzureWebJobs|APPSETTING_)|^(FUNCTION_NAME|INVOCATION_ID|REQUEST_METHOD)$/;
const CLOCK_SLACK_MS = 1000;

export interface AzureFunctionsProviderDeps {
  instanceName: string;
  options: AzureFunctionsOptions;
  api: AzureFunctionsApi;
  /**
   * The customerId of the workspace the logs are followed in (read once, at the first start, so a boot does not
   * depend on the workspace: a simulator in the same daemon has none before the operator makes it).
   */
  workspaceCustomerId?: () => Promise<string>;
  /** The CA of the endpoint (a simulator's), for the HTTP trigger too. */
  ca?: string;
  logger: Logger;
}

/**
 * Azure Functions on Linux containers: one Function App per container (its image in `linuxFxVersion`, the
 * container's env and the agent's grant in app settings, its identity in tags); a start is one request to the
 * app's HTTP trigger carrying the bootstrap script, its lines followed as `FunctionAppLogs` in a Log Analytics
 * workspace (stdout and stderr apart by `Level`), its exit code from the answer.
 */
export class AzureFunctionsProvider implements FaasProvider {
  readonly cloud = 'Azure Functions';
  private readonly pastInvocations = new Map<string, Set<string>>();

  constructor(private readonly deps: AzureFunctionsProviderDeps) {}

  siteName(containerId: string): string {
    return `${this.deps.options.sitePrefix}${containerId}`.slice(0, AZURE_FUNCTIONS_LIMITS.maxSiteNameLength);
  }

  check(spec: WorkloadSpec): void {
    for (const entry of spec.env) {
      const name = entry.split('=', 1)[0];
      // App Service on Linux passes app settings as env only under names of letters, digits and underscores.
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InvalidArgumentError(`Azure Functions refuses the app setting name '${name}': on Linux it must be letters, digits and _`);
      if (RESERVED_ENV.test(name)) throw new InvalidArgumentError(`the environment variable ${name} is reserved by Azure Functions and cannot be set on a Function App`);
    }
    this.tags(spec);
  }

  async createFunction(spec: WorkloadSpec, env: string[]): Promise<void> {
    const { api, options } = this.deps;
    await api.createSite(this.siteName(spec.id), {
      location: options.location,
      kind: 'functionapp,linux,container',
      reserved: true,
      tags: this.tags(spec),
      siteConfig: {
        linuxFxVersion: `DOCKER|${spec.image.ref}`,
        appSettings: env.map((entry) => {
          const eq = entry.indexOf('=');
          return { name: eq < 0 ? entry : entry.slice(0, eq), value: eq < 0 ? '' : entry.slice(eq + 1) };
        }),
      },
    });
  }

  /** Routes the app's logs to the workspace (a failure here deletes the app again: the core's cleanup). */
  async whenReady(spec: WorkloadSpec): Promise<void> {
    const { api, options } = this.deps;
    if (!options.logWorkspace) return;
    const site = await api.getSite(this.siteName(spec.id));
    await api.sendLogsTo(site.id!, options.logWorkspace);
  }

  async deleteFunction(containerId: string): Promise<void> {
    try {
      await this.deps.api.deleteSite(this.siteName(containerId));
    } catch (err) {
      if (!(isSockerlessError(err) && err.code === 'NotFound')) throw err;
    }
    this.pastInvocations.delete(containerId);
  }

  invoke(spec: WorkloadSpec): HttpInvocation {
    const { api, options, logger, workspaceCustomerId, ca } = this.deps;
    const name = this.siteName(spec.id);
    const past = this.pastInvocations.get(spec.id) ?? new Set<string>();
    this.pastInvocations.set(spec.id, past);
    const rows = invocationRows(past);
    let key: string | undefined;
    const readLines = workspaceCustomerId ? this.logReader(name, workspaceCustomerId, rows.owns) : undefined;
    const invocation = new HttpInvocation({
      cloud: this.cloud,
      url: async () => {
        const [site, masterKey] = await Promise.all([api.getSite(name), api.hostKey(name)]);
        key = masterKey;
        return `https://${site.defaultHostName}/api/${options.functionName}`;
      },
      headers: (): Record<string, string> => (key ? { 'x-functions-key': key } : {}),
      ...(ca ? { ca } : {}),
      body: bootstrapScript(spec.argv, spec.workingDir),
      timeoutSeconds: options.timeoutSeconds,
      ...(readLines ? { readLines } : {}),
      poll: options.pollIntervalMs,
      logger,
    });
    void invocation.result.then(rows.settle);
    return invocation;
  }

  async list(): Promise<Array<{ id: string; identity?: WorkloadIdentity }>> {
    const out: Array<{ id: string; identity?: WorkloadIdentity }> = [];
    for (const site of await this.deps.api.listSites()) {
      const tags = (site.tags ?? {}) as Record<string, string>;
      if (!site.name?.startsWith(this.deps.options.sitePrefix) || tags[IDENTITY_TAG.instance] !== this.deps.instanceName || !tags[IDENTITY_TAG.containerId]) continue;
      const identity = identityFromTags(tags);
      const command = decodeLabelChunks(Object.fromEntries(Object.entries(tags)
        .filter(([k]) => k.startsWith(COMMAND_TAG_PREFIX)).map(([k, v]) => [`${IDENTITY_TAG.labelsPrefix}${k.slice(COMMAND_TAG_PREFIX.length)}`, v])));
      if (identity && command.argv) {
        try {
          identity.argv = JSON.parse(command.argv) as string[];
        } catch { /* an edited tag: the argv stays unknown */ }
      }
      out.push({ id: tags[IDENTITY_TAG.containerId], ...(identity ? { identity } : {}) });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.deps.api.close();
  }

  /** The identity tags plus the command's chunks; InvalidArgument when they exceed Azure's 50 tags. */
  private tags(spec: WorkloadSpec): Record<string, string> {
    const command = encodeLabelChunks({ argv: JSON.stringify(spec.argv), workingDir: spec.workingDir }, AZURE_FUNCTIONS_LIMITS.maxTagValueLength);
    const tags = identityTags(spec, this.deps.instanceName, new Date().toISOString(), {
      cloud: 'Azure', maxTags: AZURE_FUNCTIONS_LIMITS.maxTags, maxValueLength: AZURE_FUNCTIONS_LIMITS.maxTagValueLength, reservedTags: FIXED_TAGS + command.length,
    });
    command.forEach((chunk, i) => { tags[`${COMMAND_TAG_PREFIX}${i}`] = chunk; });
    return tags;
  }

  /**
   * The invocation's `FunctionAppLogs` rows since it began, new ones only: Log Analytics has no cursor, so each
   * read asks for every row of the app from the start and skips as many as were delivered (the rows come
   * ordered by time, in the order they were stored when times are equal).
   */
  private logReader(site: string, customerId: () => Promise<string>, owns: (invocationId: string) => boolean): () => Promise<LogLine[]> {
    const since = new Date(Date.now() - CLOCK_SLACK_MS);
    const kql = `FunctionAppLogs | where AppName == '${site}' and TimeGenerated >= datetime(${since.toISOString()}) | order by TimeGenerated asc | project Level, Message, FunctionInvocationId`;
    let delivered = 0;
    return async () => {
      const rows = await this.deps.api.query(await customerId(), kql, since);
      const fresh = rows.slice(delivered);
      delivered = rows.length;
      return fresh.filter((r) => owns(String(r[2] ?? ''))).map((r) => ({ stream: r[0] === 'Error' ? 'stderr' : 'stdout', text: String(r[1] ?? '') }));
    };
  }
}
