import type { AgentServer, Logger } from '@sockerless/sdk';
import { FaasDriver } from '../core/faas-driver';
import type { LambdaOptions } from './options';
import { LambdaProvider } from './provider';
import type { LambdaClients } from './sdk';

export interface LambdaDriverDeps {
  instanceName: string;
  options: LambdaOptions;
  clients: LambdaClients;
  agents: AgentServer;
  logger: Logger;
}

/** The `lambda` driver kind: the FaaS core on the Lambda provider. */
export class LambdaDriver extends FaasDriver {
  private readonly lambda: LambdaProvider;

  constructor(deps: LambdaDriverDeps) {
    const provider = new LambdaProvider(deps);
    super({ kind: 'lambda', provider, agents: deps.agents, logger: deps.logger, agentWaitMs: deps.options.agentWaitMs });
    this.lambda = provider;
  }

  /** `<prefix><container id>`, cut to Lambda's 64 characters. */
  functionName(id: string): string {
    return this.lambda.functionName(id);
  }
}
