import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import { SIMULATOR_CREDENTIALS } from '@sockerless/sdk';
import { startSimulatorHarness, type TestHost } from '@sockerless/sdk/testing';
import { buildBusyboxRootfsTar } from '../../../test/support/images';
import type { SimOptions } from '../src/context';
import { createAwsSimulator, type AwsSimulator } from '../src/simulator';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The image every test host has: static busybox, `CMD ["/bin/sh"]`. */
export const BUSYBOX = 'busybox:latest';

/** The task execution role of Fargate definitions whose containers log with awslogs (ECS asks for one). */
export const EXECUTION_ROLE = 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole';

/** The execution role the Lambda tests give their functions (the simulator takes any ARN). */
export const LAMBDA_ROLE = 'arn:aws:iam::000000000000:role/lambda-test';

export interface AwsClientConfig {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
}

export interface TestSimulator {
  /** `http://127.0.0.1:PORT`, the same across `restart()`. */
  readonly endpoint: string;
  /** The in-process host's SOCKERLESS_HOME (its image store has BUSYBOX). */
  readonly home: string;
  /** The simulator's state dir (kept across `restart()`). */
  readonly stateDir: string;
  readonly host: TestHost;
  readonly simulator: AwsSimulator;
  /** The official SDK's client config for this simulator (the simulator's credentials, no retries). */
  readonly aws: AwsClientConfig;
  readonly ecs: ECSClient;
  readonly logs: CloudWatchLogsClient;
  readonly lambda: LambdaClient;
  /** Stops the simulator (as if it died: state as it was, workloads ended) and starts a new one on the same port and state. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A simulator for one test file: a real in-process host (store-sqlite, backend-local) whose image store holds
 * busybox, and the AWS simulator built from that host's services on 127.0.0.1, an ephemeral port.
 */
export async function startSimulator(opts: Partial<SimOptions> = {}): Promise<TestSimulator> {
  const region = opts.region ?? 'us-east-1';
  const options = (stateDir: string): SimOptions => ({ region, accountId: '000000000000', startDelayMs: 0, stateDir, ...opts });
  const sim = await startSimulatorHarness({ name: 'aws', prepare: importBusybox, create: (services, stateDir) => createAwsSimulator(services, options(stateDir)) });
  const aws: AwsClientConfig = { region, endpoint: sim.endpoint, credentials: { ...SIMULATOR_CREDENTIALS }, maxAttempts: 1 };
  const ecs = new ECSClient(aws);
  const logs = new CloudWatchLogsClient(aws);
  const lambda = new LambdaClient(aws);
  return {
    endpoint: sim.endpoint, home: sim.host.home, stateDir: sim.stateDir, host: sim.host, aws, ecs, logs, lambda,
    get simulator() { return sim.simulator; },
    restart: () => sim.restart(),
    async close() {
      ecs.destroy();
      logs.destroy();
      lambda.destroy();
      await sim.close();
    },
  };
}

/** `docker import` of a busybox rootfs into the host, through its Docker API. */
export async function importBusybox(host: TestHost): Promise<void> {
  const tar = await buildBusyboxRootfsTar(join(host.home, 'rootfs-build'));
  const changes = ['CMD ["/bin/sh"]', 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin'].map((c) => `changes=${encodeURIComponent(c)}`).join('&');
  const res = await fetch(`${host.baseUrl}/images/create?fromSrc=-&repo=busybox&tag=latest&${changes}`, {
    method: 'POST', headers: { 'content-type': 'application/x-tar' }, body: readFileSync(tar),
  });
  const text = await res.text();
  if (!res.ok || !text.includes('sha256:')) throw new Error(`importing busybox failed: ${res.status} ${text}`);
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An Invoke answer's payload as text. */
export function payloadOf(out: InvokeCommandOutput): string {
  return Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
}

/** All messages of a function's log group, in order. */
export async function lambdaLogMessages(sim: TestSimulator, name: string): Promise<string[]> {
  const out = await sim.logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}` }));
  return (out.events ?? []).map((e) => e.message ?? '');
}

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  (typeof d === 'string' ? d : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d));

/** The SDK's Checksum interface over node:crypto, for the official signer: SHA-256, or HMAC-SHA256 with a key. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) { this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret)); }
  update(data: string | ArrayBuffer | ArrayBufferView): void { this.hash.update(bytes(data)); }
  async digest(): Promise<Uint8Array> { return this.hash.digest(); }
  reset(): void { /* one use each */ }
}

export interface Signing {
  service: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** When the request claims it was signed; now by default. */
  signingDate?: Date;
}

type RawRequest = { method?: string; headers?: Record<string, string>; body?: string };

/** The headers (Authorization, X-Amz-Date, ...) the official AWS signer (@smithy/signature-v4, what every @aws-sdk client uses) gives a request. */
export async function signHeaders(url: string, init: RawRequest, signing: Signing): Promise<Record<string, string>> {
  const u = new URL(url);
  const signer = new SignatureV4({ service: signing.service, region: 'us-east-1', credentials: signing.credentials ?? { ...SIMULATOR_CREDENTIALS }, sha256: Sha256 });
  const query: Record<string, string> = {};
  u.searchParams.forEach((v, k) => { query[k] = v; });
  const signed = await signer.sign({
    method: init.method ?? 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: u.pathname, query,
    headers: { host: u.host, ...init.headers }, body: init.body,
  }, signing.signingDate ? { signingDate: signing.signingDate } : {});
  return signed.headers;
}

/** A raw HTTP call to the simulator, signed as the SDK signs, for requests no SDK command makes (unknown operations, bad bodies). */
export async function signedFetch(url: string, init: RawRequest = {}, signing: Signing = { service: 'ecs' }): Promise<Response> {
  return fetch(url, { method: init.method ?? 'GET', headers: await signHeaders(url, init, signing), body: init.body });
}

/** An AWS SDK error as the tests read it: the exception name, the message and the HTTP status. */
export interface AwsSdkError { name: string; message: string; $metadata: { httpStatusCode?: number } }

/** The error a call fails with; throws when it succeeds. */
export async function rejection(p: Promise<unknown>): Promise<AwsSdkError> {
  try {
    await p;
  } catch (err) {
    return err as AwsSdkError;
  }
  throw new Error('expected a rejection');
}
