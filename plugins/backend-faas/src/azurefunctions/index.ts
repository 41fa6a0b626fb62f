import { readFileSync } from 'node:fs';
import { probeAzureEndpoint, type AzureConnection } from '@sockerless/cloud-azure';
import { type AgentServer, type BackendDriverFactory, type SimulatorDirectory } from '@sockerless/sdk';
import { FaasDriver } from '../core/faas-driver';
import { AzureFunctionsApi } from './api';
import { azureFunctionsOptionsSchema, type AzureFunctionsOptions } from './options';
import { AzureFunctionsProvider } from './provider';

export { azureFunctionsOptionsSchema, AZURE_FUNCTIONS_LIMITS, type AzureFunctionsOptions } from './options';
export { AzureFunctionsProvider } from './provider';
export { AzureFunctionsApi } from './api';

/** The subscription a simulator gets when the options and the environment name none. */
const OFF_AZURE_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/** The `azurefunctions` driver kind: the FaaS core on Azure Functions (Linux containers); the Azure clients load only here. */
export function azureFunctionsDriverFactory(deps: { agents: AgentServer; simulators: SimulatorDirectory }): BackendDriverFactory<AzureFunctionsOptions> {
  return {
    kind: 'azurefunctions',
    optionsSchema: azureFunctionsOptionsSchema,
    async create(ctx) {
      const o = ctx.options;
      const endpoint = o.simulator ? deps.simulators.endpoint(o.simulator) : o.endpoint;
      const caFile = o.caFile ?? (o.simulator ? deps.simulators.caFile?.(o.simulator) : undefined);
      const subscription = o.subscription ?? process.env.AZURE_SUBSCRIPTION_ID ?? (endpoint ? OFF_AZURE_SUBSCRIPTION : undefined);
      if (!subscription) throw new Error(`backend '${ctx.instanceName}': options.subscription: name the Azure subscription the Function Apps are made in (or set AZURE_SUBSCRIPTION_ID)`);
      const conn: AzureConnection & { resourceGroup: string } = {
        subscription, resourceGroup: o.resourceGroup, ...(endpoint ? { endpoint } : {}), ...(caFile ? { caFile } : {}), ...(o.clientSecret ? { clientSecret: o.clientSecret } : {}),
      };
      // A wrong CA or a plain-http endpoint is said in words now, not as a token error at the first call.
      await probeAzureEndpoint(conn);
      const api = await AzureFunctionsApi.open(conn, o.maxAttempts, ctx.tracer);
      const workspace = o.logWorkspace;
      let customerId: Promise<string> | undefined;
      // Asked once; a failure (the workspace not made yet) is asked again at the next read.
      const workspaceCustomerId = workspace ? () => (customerId ??= api.workspaceCustomerId(workspace).catch((err: Error) => { customerId = undefined; throw err; })) : undefined;
      ctx.logger.info('azurefunctions backend ready', { instance: ctx.instanceName, subscription, resourceGroup: o.resourceGroup, endpoint: endpoint ?? 'azure', logs: o.logWorkspace ?? 'the answer only' });
      const provider = new AzureFunctionsProvider({
        instanceName: ctx.instanceName, options: o, api, logger: ctx.logger, ...(workspaceCustomerId ? { workspaceCustomerId } : {}),
        ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}),
      });
      return new FaasDriver({ kind: 'azurefunctions', provider, agents: deps.agents, logger: ctx.logger, agentWaitMs: o.agentWaitMs });
    },
  };
}
