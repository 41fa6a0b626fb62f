/**
 * `@sockerless/cloud-aws`: what the AWS backends (ECS, Lambda, and any third party's) share, so each is
 * written once: the AWS error mapper, the CloudWatch Logs stream reader, lazily loaded SDK clients and a span
 * per AWS call. A plugin declares it as a dependency beside `@sockerless/sdk`.
 */
export { awsCall, awsErrorName, mapAwsError, type AwsErrorProfile } from './errors';
export { awsClientConfig, importAwsSdk, type AwsConnection } from './clients';
export { LogStreamReader, type CloudWatchLogs } from './log-stream';
export { traceAwsClient, type AwsClientWithMiddleware } from './tracing';
