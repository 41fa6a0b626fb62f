import { googleProject } from '@sockerless/cloud-gcp';
import { resolveCloudConnection, type AgentServer, type BackendDriverFactory, type SimulatorDirectory } from '@sockerless/sdk';
import { FaasDriver } from '../core/faas-driver';
import { FunctionsApi } from './api';
import { cloudFunctionsOptionsSchema, type CloudFunctionsOptions } from './options';
import { CloudFunctionsProvider } from './provider';

export { cloudFunctionsOptionsSchema, CLOUD_FUNCTIONS_LIMITS, type CloudFunctionsOptions } from './options';
export { CloudFunctionsProvider, BUILD_VARIABLE } from './provider';
export { FunctionsApi } from './api';

/** The `cloudfunctions` driver kind: the FaaS core on Cloud Functions (2nd gen); the Google clients load only here. */
export function cloudFunctionsDriverFactory(deps: { agents: AgentServer; simulators: SimulatorDirectory }): BackendDriverFactory<CloudFunctionsOptions> {
  return {
    kind: 'cloudfunctions',
    optionsSchema: cloudFunctionsOptionsSchema,
    async create(ctx) {
      const o = ctx.options;
      const { endpoint } = resolveCloudConnection(o, deps.simulators);
      const project = googleProject(o.project, endpoint);
      if (!project) throw new Error(`backend '${ctx.instanceName}': options.project: name the Google Cloud project the functions run in (or set GOOGLE_CLOUD_PROJECT)`);
      const api = await FunctionsApi.open({ project, region: o.region, endpoint }, o.maxAttempts, ctx.tracer);
      ctx.logger.info('cloudfunctions backend ready', { instance: ctx.instanceName, project, region: o.region, endpoint: endpoint ?? 'google' });
      const provider = new CloudFunctionsProvider({ instanceName: ctx.instanceName, options: o, api, logger: ctx.logger });
      return new FaasDriver({ kind: 'cloudfunctions', provider, agents: deps.agents, logger: ctx.logger, agentWaitMs: o.agentWaitMs });
    },
  };
}
