import { randomBytes, randomUUID } from 'node:crypto';
import type { Operations } from '../arm/operations';
import { systemData, type ArmResource, type ArmState } from '../arm/state';
import type { RunningWorkload, SimContext } from '../context';
import { ArmError, invalidContent } from '../errors';
import { armRoute, GROUP, ok, plainRoute, SEGMENT, type Call, type Route } from '../routes';
import { requireLocation, WORKSPACE_TYPE } from '../apps/environments';
import type { LogStore } from '../logs/store';

export const SITE_TYPE = 'Microsoft.Web/sites';
/** A Function App's request timeout on a Consumption/Flex plan (host.json `functionTimeout` default, 5 min). */
const FUNCTION_TIMEOUT_MS = 300_000;

/**
 * Function Apps on Linux containers (`Microsoft.Web/sites`, kind `functionapp,linux`, the image in
 * `siteConfig.linuxFxVersion` as `DOCKER|image`): PUT (Location LRO), GET, list, DELETE, `host/default/listkeys`,
 * and the HTTP trigger at `https://{defaultHostName}/api/{function}`. The defaultHostName is
 * `127.0.0.1:PORT/sites/{name}`, so that a client composing the URL as for Azure reaches the simulator.
 */
export class SitesService {
  private readonly live = new Set<RunningWorkload>();

  constructor(private readonly ctx: SimContext, private readonly state: ArmState, private readonly ops: Operations, private readonly logs: LogStore) {}

  routes(): Route[] {
    const sites = `${GROUP}/providers/Microsoft.Web/sites`;
    const site = `${sites}/${SEGMENT}`;
    const address = (c: Call) => ({ subscription: c.params[0], group: c.params[1], type: SITE_TYPE, name: c.params[2] });
    return [
      armRoute('PUT', site, (c) => this.put(c, address(c))),
      armRoute('GET', site, (c) => ok(this.state.require(address(c)))),
      armRoute('GET', sites, (c) => ok({ value: this.state.listOf(SITE_TYPE, c.params[0], this.state.requireGroup(c.params[0], c.params[1]).name) })),
      armRoute('DELETE', site, (c) => {
        const found = this.state.find(address(c));
        if (found) this.state.delete(found);
        else this.state.requireGroup(c.params[0], c.params[1]);
        return { status: found ? 200 : 204 };
      }),
      armRoute('POST', `${site}/host/default/listkeys`, (c) => {
        const s = this.state.require(address(c));
        return ok({ masterKey: s.properties.masterKey, functionKeys: { default: s.properties.functionKey }, systemKeys: {} });
      }),
      armRoute('PUT', `${site}/providers/Microsoft.Insights/diagnosticSettings/${SEGMENT}`, (c) => this.putDiagnostics(c, address(c))),
      armRoute('GET', `${site}/providers/Microsoft.Insights/diagnosticSettings/${SEGMENT}`, (c) => {
        const found = (this.state.require(address(c)).properties.diagnosticSettings as Record<string, unknown> | undefined)?.[c.params[3].toLowerCase()];
        if (!found) throw new ArmError(404, 'ResourceNotFound', `The diagnostic setting '${c.params[3]}' does not exist.`);
        return ok(found);
      }),
      plainRoute('*', `/sites/${SEGMENT}/api/(.*)`, (c) => this.invoke(c)),
    ];
  }

  private put(c: Call, address: { subscription: string; group: string; type: string; name: string }) {
    const body = c.json();
    const location = requireLocation(body);
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const siteConfig = (props.siteConfig ?? {}) as { linuxFxVersion?: string; appSettings?: Array<{ name: string; value: string }> };
    const image = imageOf(siteConfig.linuxFxVersion);
    if (!image) throw invalidContent(`The parameter LinuxFxVersion has an invalid value: a Function App on a Linux container needs 'DOCKER|<image>', not '${String(siteConfig.linuxFxVersion ?? '')}'.`);
    if (!this.ctx.runner.hasImage(image)) throw new ArmError(400, 'BadRequest', `The image '${image}' was not found in the registry (Sockerless simulator image store).`);
    const existing = this.state.find(address);
    const name = existing?.name ?? address.name;
    const host = `${new URL(c.base).host}/sites/${name}`;
    const resource: ArmResource = {
      id: existing?.id ?? this.state.idFor(address), name, type: SITE_TYPE, kind: String(body.kind ?? 'functionapp,linux,container'), location,
      tags: (body.tags as Record<string, string>) ?? {}, systemData: systemData(),
      properties: {
        ...props, siteConfig, state: 'Running', enabled: true, reserved: true, defaultHostName: host, hostNames: [host], enabledHostNames: [host],
        provisioningState: 'Succeeded', masterKey: existing?.properties.masterKey ?? randomBytes(24).toString('base64url'), functionKey: existing?.properties.functionKey ?? randomBytes(24).toString('base64url'),
      },
    };
    this.state.put(resource);
    const op = this.ops.begin();
    this.ops.succeed(op, resource);
    const headers = this.ops.headers(c.base, address.subscription, 'Microsoft.Web', location, op, c.query.get('api-version')!);
    return ok(undefined, 202, { location: headers.location, 'retry-after': '0' });
  }

  /**
   * A diagnostic setting sending the app's `FunctionAppLogs` to a workspace (`properties.workspaceId`, the
   * workspace's ARM id), as Azure Monitor routes a Function App's logs; kept on the site.
   */
  private putDiagnostics(c: Call, address: { subscription: string; group: string; type: string; name: string }) {
    const site = this.state.require(address);
    const props = (c.json().properties ?? {}) as { workspaceId?: unknown };
    const workspace = typeof props.workspaceId === 'string' ? this.state.byId(props.workspaceId) : undefined;
    if (!workspace || workspace.type !== WORKSPACE_TYPE) throw invalidContent(`'properties.workspaceId' must be the id of a Log Analytics workspace, not '${String(props.workspaceId)}'.`);
    const setting = { id: `${site.id}/providers/microsoft.insights/diagnosticSettings/${c.params[3]}`, name: c.params[3], type: 'Microsoft.Insights/diagnosticSettings', properties: { ...props, workspaceId: workspace.id } };
    site.properties.diagnosticSettings = { ...(site.properties.diagnosticSettings as object), [c.params[3].toLowerCase()]: setting };
    this.state.put(site);
    return ok(setting);
  }

  /** The workspace (customerId) a site's diagnostic settings send its logs to, if any. */
  private workspaceOf(site: ArmResource): string | undefined {
    for (const d of Object.values((site.properties.diagnosticSettings ?? {}) as Record<string, { properties: { workspaceId: string } }>)) {
      const ws = this.state.byId(d.properties.workspaceId);
      if (ws) return String(ws.properties.customerId);
    }
    return undefined;
  }

  /**
   * One HTTP trigger request: a fresh sandbox process of the app's image with the request body on stdin and
   * the app settings as its env; its stdout is the response (200 on exit 0, 500 otherwise, as the Functions host
   * answers a failed invocation). The exit code is in `x-sockerless-exit-code`; killed at the function timeout.
   */
  private async invoke(c: Call): Promise<undefined> {
    const site = this.state.list((r) => r.type === SITE_TYPE && r.name.toLowerCase() === c.params[0].toLowerCase())[0];
    if (!site) return answer(c, 404, `The function app '${c.params[0]}' does not exist.`, undefined);
    const siteConfig = site.properties.siteConfig as { linuxFxVersion: string; appSettings?: Array<{ name: string; value: string }> };
    const invocationId = randomUUID();
    const workspace = this.workspaceOf(site);
    const out: string[] = [];
    let workload: RunningWorkload;
    try {
      workload = await this.ctx.runner.run({
        id: `fn-${site.name}-${invocationId.slice(0, 8)}`, image: imageOf(siteConfig.linuxFxVersion)!, workingDir: '', stdin: c.raw,
        env: [...(siteConfig.appSettings ?? []).map((s) => `${s.name}=${s.value}`), `WEBSITE_SITE_NAME=${site.name}`, `FUNCTION_NAME=${c.params[1]}`, `INVOCATION_ID=${invocationId}`, `REQUEST_METHOD=${c.req.method ?? 'POST'}`],
        onLine: (stream, line) => {
          if (stream === 'stdout') out.push(line);
          if (workspace) this.logs.write(workspace, 'FunctionAppLogs', { TimeGenerated: new Date().toISOString(), AppName: site.name, FunctionName: c.params[1], FunctionInvocationId: invocationId, Category: `Function.${c.params[1]}.User`, Level: stream === 'stderr' ? 'Error' : 'Information', Message: line, _ResourceId: site.id.toLowerCase() });
        },
      });
    } catch (err) {
      return answer(c, 500, `the function could not start: ${(err as Error).message}`, undefined);
    }
    this.live.add(workload);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; void workload.signal('SIGKILL').catch(() => undefined); }, FUNCTION_TIMEOUT_MS);
    const onClose = () => { if (!c.res.writableEnded) void workload.signal('SIGKILL').catch(() => undefined); };
    c.res.once('close', onClose);
    try {
      const status = await workload.exited;
      if (timedOut) return answer(c, 504, 'The function timed out.', status.exitCode);
      return answer(c, status.exitCode === 0 ? 200 : 500, out.length ? `${out.join('\n')}\n` : '', status.exitCode);
    } finally {
      clearTimeout(timer);
      c.res.off('close', onClose);
      this.live.delete(workload);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.live].map((w) => w.signal('SIGKILL').catch(() => undefined)));
  }
}

/** `DOCKER|busybox:latest` (App Service's form for a custom container) → `busybox:latest`. */
function imageOf(linuxFxVersion: string | undefined): string | undefined {
  const m = /^docker\|(.+)$/i.exec(linuxFxVersion ?? '');
  return m?.[1];
}

function answer(c: Call, status: number, body: string, exitCode: number | undefined): undefined {
  if (c.res.headersSent || c.res.destroyed) return undefined;
  c.res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...(exitCode === undefined ? {} : { 'x-sockerless-exit-code': String(exitCode) }) });
  c.res.end(body);
  return undefined;
}
