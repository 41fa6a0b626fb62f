/**
 * `@sockerless/cloud-azure`: what the Azure backends (Container Apps, Azure Functions, and any third party's)
 * share, so each is written once: the ARM error mapper with its retry of throttles and 5xx, a Log Analytics
 * console-log follower, lazily loaded clients (with the endpoint, CA and credential rules of Azure's SDKs) and
 * a span per Azure call. A plugin declares it as a dependency beside `@sockerless/sdk`.
 */
export { azureCall, azureErrorInfo, mapAzureError, type AzureErrorInfo, type RetryPolicy } from './errors';
export {
  azureClientOptions, azureCredential, checkAzureEndpoint, containerAppsClient, importAzureSdk, logsQueryClient, probeAzureEndpoint, SIMULATOR_PRINCIPAL,
  type AzureClientOptions, type AzureConnection,
} from './clients';
export { CONSOLE_TABLE, ConsoleLogFollower, kqlString, type ConsoleLogLine, type WorkspaceQuerier } from './log-follower';
export { traceAzureCall, type AzureCallOptions, type AzureRawResponse } from './tracing';
