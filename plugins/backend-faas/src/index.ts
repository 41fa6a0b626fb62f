import { defineBackendPlugin } from '@sockerless/sdk';
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
export default defineBackendPlugin({
  id: 'backend-faas',
  drivers: (services) => [lambdaDriverFactory(services), cloudFunctionsDriverFactory(services), azureFunctionsDriverFactory(services)],
});
