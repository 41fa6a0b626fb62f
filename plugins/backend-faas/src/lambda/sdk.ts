import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { awsClientConfig, importAwsSdk, traceAwsClient } from '@sockerless/cloud-aws';
import type { Tracer } from '@sockerless/sdk';

export type LambdaModule = typeof import('@aws-sdk/client-lambda');
export type LogsModule = typeof import('@aws-sdk/client-cloudwatch-logs');

export interface LambdaClients {
  lambdaSdk: LambdaModule;
  logsSdk: LogsModule;
  /** Control-plane calls: create, get, list, tag, delete. */
  lambda: LambdaClient;
  /**
   * Invoke only: a RequestResponse invocation holds its HTTP connection for as long as the container runs, so
   * invocations get their own unbounded socket pool and never starve the control-plane calls.
   */
  invoke: LambdaClient;
  logs: CloudWatchLogsClient;
  destroy(): void;
}

export interface ClientSettings {
  region: string;
  endpoint?: string;
  /** Static credentials (a simulator); the standard AWS chain when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts of a control-plane call; Invoke always makes one. */
  maxAttempts?: number;
  /** With a tracer that is on, each AWS call is a span with its request id. */
  tracer?: Tracer;
}

/**
 * Loads the AWS SDK only when a Lambda backend instance is made, so a daemon that lists the plugin but
 * configures no Lambda backend never pays for it.
 */
export async function createClients(settings: ClientSettings): Promise<LambdaClients> {
  const [lambdaSdk, logsSdk] = await importAwsSdk(() => import('@aws-sdk/client-lambda'), () => import('@aws-sdk/client-cloudwatch-logs'));
  const base = awsClientConfig({ region: settings.region, endpoint: settings.endpoint, credentials: settings.credentials });
  const invokeAgents = {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: Infinity }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: Infinity }),
  };
  const retried = { ...base, ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}) };
  const lambda = new lambdaSdk.LambdaClient(retried);
  // No retries for Invoke: a retried RequestResponse call would run the container a second time.
  const invoke = new lambdaSdk.LambdaClient({ ...base, maxAttempts: 1, requestHandler: invokeAgents });
  const logs = new logsSdk.CloudWatchLogsClient(retried);
  for (const client of [lambda, invoke, logs]) traceAwsClient(client, settings.tracer);
  return {
    lambdaSdk, logsSdk, lambda, invoke, logs,
    destroy() {
      lambda.destroy();
      invoke.destroy();
      logs.destroy();
    },
  };
}
