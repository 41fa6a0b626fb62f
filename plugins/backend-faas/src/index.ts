import { coreBackendDriversExtensionPoint, coreServices, definePlugin } from '@sockerless/sdk';
import { lambdaDriverFactory } from './lambda';

export { LambdaDriver, lambdaDriverFactory, lambdaOptionsSchema, LAMBDA_LIMITS, LAMBDA_TAGS, createClients, type LambdaOptions } from './lambda';

/**
 * FaaS backends. Today: AWS Lambda (`driver: 'lambda'`), each container an image function. The cloud SDKs
 * load only when a backend instance of a kind is made. Cloud Functions and Azure Functions belong here too.
 */
export default definePlugin({
  id: 'backend-faas',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: {
        drivers: coreBackendDriversExtensionPoint,
        agents: coreServices.agents,
        simulators: coreServices.simulators,
        logger: coreServices.logger,
      },
      init({ drivers, agents, simulators, logger }) {
        drivers.register(lambdaDriverFactory({ agents, simulators }));
        logger.debug('lambda backend driver registered');
      },
    });
  },
});
