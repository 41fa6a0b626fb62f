import type { Site, WebSiteManagementClient } from '@azure/arm-appservice';
import type { Client as RestClient } from '@azure-rest/core-client';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import {
  azureCall, azureClientOptions, azureCredential, importAzureSdk, logsQueryClient, traceAzureCall,
  type AzureCallOptions, type AzureConnection,
} from '@sockerless/cloud-azure';
import type { Tracer } from '@sockerless/sdk';

export type { Site } from '@azure/arm-appservice';

/** ARM's own endpoint, and the scope its tokens are asked for. */
const ARM = 'https://management.azure.com';
/** api-versions of the two resource types the app service client does not cover. */
const API_VERSION = { workspaces: '2022-10-01', diagnosticSettings: '2021-05-01-preview' } as const;

/**
 * The Azure calls the provider makes: Function Apps through `@azure/arm-appservice`, a diagnostic setting and a
 * workspace read through ARM's REST (no client of the installed set covers them), logs through
 * `@azure/monitor-query-logs`. Every call is a span and fails with the SDK's typed error (`azurefunctions:
 * ResourceNotFound: ...`), throttles and 5xx retried first.
 */
export class AzureFunctionsApi {
  private constructor(
    readonly conn: AzureConnection & { resourceGroup: string },
    private readonly web: WebSiteManagementClient,
    private readonly arm: RestClient,
    private readonly logs: LogsQueryClient,
    private readonly attempts: number,
    private readonly tracer?: Tracer,
  ) {}

  /** Loads the clients and makes them, with one credential. */
  static async open(conn: AzureConnection & { resourceGroup: string }, attempts: number, tracer?: Tracer): Promise<AzureFunctionsApi> {
    const [{ WebSiteManagementClient }, { getClient }] = await importAzureSdk(() => import('@azure/arm-appservice'), () => import('@azure-rest/core-client'));
    const credential = await azureCredential(conn);
    const options = azureClientOptions(conn);
    const web = new WebSiteManagementClient(credential, conn.subscription, options);
    const arm = getClient(conn.endpoint ?? ARM, credential, { ...options, credentials: { scopes: [`${ARM}/.default`] } });
    return new AzureFunctionsApi(conn, web, arm, await logsQueryClient(conn, credential), attempts, tracer);
  }

  /** Creates (or replaces) the app and waits for its operation. */
  async createSite(name: string, site: Site): Promise<Site> {
    return this.call('CreateOrUpdateSite', (o) => this.web.webApps.createOrUpdate(this.conn.resourceGroup, name, site, o) as unknown as Promise<Site>);
  }

  async getSite(name: string): Promise<Site> {
    return this.call('GetSite', (o) => this.web.webApps.get(this.conn.resourceGroup, name, o));
  }

  async deleteSite(name: string): Promise<void> {
    await this.call('DeleteSite', (o) => this.web.webApps.delete(this.conn.resourceGroup, name, o));
  }

  /** Every app of the resource group. */
  async listSites(): Promise<Site[]> {
    return this.call('ListSites', async (o) => {
      const sites: Site[] = [];
      for await (const site of this.web.webApps.listByResourceGroup(this.conn.resourceGroup, o)) sites.push(site);
      return sites;
    });
  }

  /** The app's master key, which its HTTP trigger takes as `x-functions-key`. */
  async hostKey(name: string): Promise<string | undefined> {
    return this.call('ListHostKeys', async (o) => (await this.web.webApps.listHostKeys(this.conn.resourceGroup, name, o)).masterKey);
  }

  /** Sends the app's `FunctionAppLogs` to a workspace, as a diagnostic setting on the app does. */
  async sendLogsTo(siteId: string, workspaceId: string): Promise<void> {
    await this.rest('PutDiagnosticSetting', 'put', `${siteId}/providers/Microsoft.Insights/diagnosticSettings/sockerless`, API_VERSION.diagnosticSettings, {
      properties: { workspaceId, logs: [{ category: 'FunctionAppLogs', enabled: true }] },
    });
  }

  /** The workspace's customerId, the id its query API takes. */
  async workspaceCustomerId(workspaceId: string): Promise<string> {
    const body = await this.rest('GetWorkspace', 'get', workspaceId, API_VERSION.workspaces) as { properties?: { customerId?: string } };
    if (!body.properties?.customerId) throw new Error(`azurefunctions: workspace ${workspaceId} answered without properties.customerId`);
    return body.properties.customerId;
  }

  /** Rows of a KQL query on the workspace, from `since` on; none while the table does not exist yet. */
  async query(customerId: string, kql: string, since: Date): Promise<unknown[][]> {
    return this.call('QueryWorkspace', async () => {
      try {
        // The end a little ahead: the clocks of this host and of Azure's ingestion are not the same clock.
        const result = await this.logs.queryWorkspace(customerId, kql, { startTime: since, endTime: new Date(Date.now() + 3_600_000) });
        const table = result.status === 'Success' ? result.tables[0] : result.partialTables[0];
        return table?.rows ?? [];
      } catch (err) {
        // A workspace has the table only once a first row arrived: until then "Failed to resolve table", i.e. no lines yet.
        if ((err as { statusCode?: number }).statusCode === 400 && /Failed to resolve (table|column)/i.test((err as Error).message)) return [];
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    // The clients hold no connection of their own beyond Node's agent.
  }

  private async rest(method: string, verb: 'get' | 'put', path: string, apiVersion: string, body?: unknown): Promise<unknown> {
    return this.call(method, async (o) => {
      const res = await this.arm.pathUnchecked(path)[verb]({ queryParameters: { 'api-version': apiVersion }, ...(body ? { body } : {}), ...o });
      const status = Number(res.status);
      if (status >= 300) {
        // In a RestError's shape, so azureCall retries and maps it as any client's failure.
        const bodyAsText = JSON.stringify(res.body);
        throw Object.assign(new Error(bodyAsText), { statusCode: status, response: { status, bodyAsText, headers: { get: (h: string) => (res.headers as Record<string, string>)[h.toLowerCase()] } } });
      }
      return res.body;
    });
  }

  private call<T>(method: string, fn: (options: AzureCallOptions) => Promise<T>): Promise<T> {
    return traceAzureCall(this.tracer, 'azurefunctions', method, (o) => azureCall(() => fn(o), 'azurefunctions', { attempts: this.attempts }));
  }
}
