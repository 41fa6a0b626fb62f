import { resolveCloudConnection, type AgentServer, type BackendDriverFactory, type SimulatorDirectory } from '@sockerless/sdk';
import { LambdaDriver } from './driver';
import { lambdaOptionsSchema, type LambdaOptions } from './options';
import { createClients } from './sdk';

export { LambdaDriver, type LambdaDriverDeps } from './driver';
export { lambdaOptionsSchema, type LambdaOptions, LAMBDA_LIMITS } from './options';
export { createClients, type LambdaClients } from './sdk';
export { TAG as LAMBDA_TAGS } from './identity-tags';

export interface LambdaFactoryDeps {
  agents: AgentServer;
  simulators: SimulatorDirectory;
}

/** The `lambda` driver kind: validates options, resolves a simulator's endpoint, loads the AWS SDK lazily. */
export function lambdaDriverFactory(deps: LambdaFactoryDeps): BackendDriverFactory<LambdaOptions> {
  return {
    kind: 'lambda',
    optionsSchema: lambdaOptionsSchema,
    async create(ctx) {
      const options = ctx.options;
      const clients = await createClients({
        region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
        ...resolveCloudConnection(options, deps.simulators),
        maxAttempts: options.maxAttempts,
        tracer: ctx.tracer,
      });
      return new LambdaDriver({ instanceName: ctx.instanceName, options, clients, agents: deps.agents, logger: ctx.logger });
    },
  };
}


