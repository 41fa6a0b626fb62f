import { coreBackendDriversExtensionPoint, coreServices, definePlugin } from '@sockerless/sdk';
import { azureFunctionsDriverFactory } from './azurefunctions';
import { cloudFunctionsDriverFactory } from './cloudfunctions';
import { lambdaDriverFactory } from './lambda';

export { LambdaDriver, lambdaDriverFactory, lambdaOptionsSchema, LAMBDA_LIMITS, LAMBDA_TAGS, createClients, type LambdaOptions } from './lambda';
export { cloudFunctionsDriverFactory, cloudFunctionsOptionsSchema, CloudFunctionsProvider, CLOUD_FUNCTIONS_LIMITS, type CloudFunctionsOptions } from './cloudfunctions';
export { azureFunctionsDriverFactory, azureFunctionsOptionsSchema, AzureFunctionsProvider, type AzureFunctionsOptions } from './azurefunctions';
export { FaasDriver } from './core/faas-driver';
export type { FaasProvider, FaasInvocation, InvocationResult } from './core/provider';

/**
 * FaaS backends: one core (src/core), one provider per cloud. AWS Lambda (`driver: 'lambda'`, image
 * functions), Google Cloud Functions (`driver: 'cloudfunctions'`, 2nd gen HTTP functions) and Azure Functions
 * (`driver: 'azurefunctions'`, Function Apps on Linux containers). A cloud's SDK loads only when a backend
 * instance of its kind is made.
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
        drivers.register(cloudFunctionsDriverFactory({ agents, simulators }));
        drivers.register(azureFunctionsDriverFactory({ agents, simulators }));
        logger.debug('lambda, cloudfunctions and azurefunctions backend drivers registered');
      },
    });
  },
});
