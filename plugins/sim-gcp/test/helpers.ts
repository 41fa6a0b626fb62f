import { v2 as functionsV2 } from '@google-cloud/functions';
import { Logging, v2 as loggingV2 } from '@google-cloud/logging';
import { v2 as runV2 } from '@google-cloud/run';
import { PassThroughClient } from 'google-auth-library';
import { startSimulatorHarness, type TestHost } from '@sockerless/sdk/testing';
import { importBusybox } from '../../sim-aws/test/helpers';
import type { SimOptions } from '../src/context';
import { createGcpSimulator, type GcpSimulator } from '../src/simulator';

// @google-cloud/logging looks for the GCE metadata server (169.254.169.254) to detect its resource; only
// 127.0.0.1 traffic here: gcp-metadata skips the probe when told there is none.
process.env.METADATA_SERVER_DETECTION = 'none';

/** The image every test host has: static busybox, `CMD ["/bin/sh"]`. */
export const BUSYBOX = 'busybox:latest';
export const PROJECT = 'p1';
export const LOCATION = 'us-central1';
export const PARENT = `projects/${PROJECT}/locations/${LOCATION}`;

/** The official clients' options for a local endpoint: REST fallback over plain HTTP, no credentials. */
export interface GcpClientOptions {
  [option: string]: string | number | boolean | object | undefined;
  apiEndpoint: string;
  port: number;
  protocol: 'http';
  fallback: true;
  authClient: never;
  projectId: string;
}

export interface TestSimulator {
  readonly endpoint: string;
  readonly stateDir: string;
  readonly host: TestHost;
  readonly simulator: GcpSimulator;
  readonly gcp: GcpClientOptions;
  readonly jobs: runV2.JobsClient;
  readonly executions: runV2.ExecutionsClient;
  readonly tasks: runV2.TasksClient;
  readonly functions: functionsV2.FunctionServiceClient;
  readonly logging: Logging;
  readonly loggingApi: InstanceType<typeof loggingV2.LoggingServiceV2Client>;
  /** Stops the simulator (as if it died) and starts a new one on the same port and state. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A simulator for one test file: a real in-process host (store-sqlite, backend-local) whose image store holds
 * busybox, and the GCP simulator built from that host's services on 127.0.0.1, an ephemeral port.
 */
export async function startSimulator(opts: Partial<SimOptions> = {}): Promise<TestSimulator> {
  const sim = await startSimulatorHarness({
    name: 'gcp',
    prepare: importBusybox,
    create: (services, stateDir) => createGcpSimulator(services, { startDelayMs: 0, stateDir, ...opts }),
  });
  const gcp: GcpClientOptions = {
    apiEndpoint: '127.0.0.1', port: sim.port, protocol: 'http', fallback: true,
    // gax pins its own google-auth-library; the PassThroughClient (no Authorization header) is duck-typed. Node's
    // own fetch: gaxios would otherwise import node-fetch dynamically, which jest's VM refuses.
    authClient: new PassThroughClient({ transporterOptions: { fetchImplementation: fetch } }) as never, projectId: PROJECT,
  };
  const clients = {
    jobs: new runV2.JobsClient(gcp), executions: new runV2.ExecutionsClient(gcp), tasks: new runV2.TasksClient(gcp),
    functions: new functionsV2.FunctionServiceClient(gcp), loggingApi: new loggingV2.LoggingServiceV2Client(gcp),
  };
  return {
    endpoint: sim.endpoint, stateDir: sim.stateDir, host: sim.host, gcp, ...clients, logging: new Logging(gcp),
    get simulator() { return sim.simulator; },
    restart: () => sim.restart(),
    async close() {
      await Promise.all(Object.values(clients).map((c) => c.close()));
      await sim.close();
    },
  };
}

/** A job body with one busybox container running `sh -c script`. */
export function shellJob(script: string, extra: Record<string, unknown> = {}) {
  return { template: { taskCount: 1, template: { containers: [{ image: BUSYBOX, command: ['/bin/sh', '-c'], args: [script] }], maxRetries: 0, timeout: { seconds: 60 } } }, ...extra };
}

/** The HTTP status of an error from a client in REST mode (a GaxiosError carries it as `code` / `status`). */
export function httpStatus(err: unknown): number | undefined {
  const e = err as { status?: unknown; code?: unknown; response?: { status?: number } };
  return typeof e.status === 'number' ? e.status : e.response?.status ?? (typeof e.code === 'number' ? e.code : undefined);
}

/** Rejects unless `p` fails with HTTP `status` and Google's error `statusName` in its body. */
export async function expectGoogleError(p: Promise<unknown>, status: number, statusName: string): Promise<string> {
  try {
    await p;
  } catch (err) {
    const text = `${(err as Error).message} ${JSON.stringify((err as { response?: { data?: unknown } }).response?.data ?? '')}`;
    if (httpStatus(err) !== status || !text.includes(statusName)) throw new Error(`expected ${status} ${statusName}, got ${httpStatus(err)}: ${text}`);
    return (err as Error).message;
  }
  throw new Error(`expected ${status} ${statusName}, but the call succeeded`);
}
