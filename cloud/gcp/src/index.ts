/**
 * `@sockerless/cloud-gcp`: what the Google Cloud backends (Cloud Run, Cloud Functions, and any third party's)
 * share, so each is written once: the Google error mapper with its retry of quota and unavailability, a
 * Cloud Logging follower, lazily loaded clients and a span per Google call. A plugin declares it as a
 * dependency beside `@sockerless/sdk`.
 */
export { googleCall, googleErrorInfo, googleStatus, mapGoogleError, type GoogleErrorInfo, type RetryPolicy } from './errors';
export { googleClientOptions, googleProject, importGoogleSdk, OFF_GOOGLE_PROJECT, type GcpConnection, type GoogleClientOptions } from './clients';
export { entryText, LogEntriesFollower, timestampOf, type LogEntriesLister, type LogEntryLike } from './log-follower';
export { operationOutcome, useGeneratedOperationDecoders, type GoogleOperationLike } from './operations';
export { callGoogle, requestIdHeader, traceGoogleCall } from './tracing';
export { identityLabels, identityOfLabels, labelValue, LABEL, type JobIdentity } from './identity-labels';
