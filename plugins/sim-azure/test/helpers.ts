import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { TokenCredential } from '@azure/identity';
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { LogsQueryClient } from '@azure/monitor-query-logs';
import { startSimulatorHarness, type TestHost } from '@sockerless/sdk/testing';
import { importBusybox } from '../../sim-aws/test/helpers';
import type { SimOptions } from '../src/context';
import { createAzureSimulator, type AzureSimulator } from '../src/simulator';

export { until } from '../../sim-aws/test/helpers';

export const BUSYBOX = 'busybox:latest';
export const SUB = '00000000-0000-0000-0000-000000000001';
export const RG = 'rg1';
export const LOCATION = 'eastus';
export const ACA_API = '2025-07-01';

/** A credential that hands out a fixed token: the ARM and Logs clients only need one to put in the header. */
export const fixedCredential: TokenCredential = { getToken: async () => ({ token: 'fake', expiresOnTimestamp: Date.now() + 3_600_000 }) };

export interface TestSimulator {
  readonly endpoint: string;
  readonly port: number;
  readonly ca: string;
  readonly caFile: string;
  readonly host: TestHost;
  readonly simulator: AzureSimulator;
  readonly apps: ContainerAppsAPIClient;
  readonly web: WebSiteManagementClient;
  readonly logs: LogsQueryClient;
  /** The official clients' options for the simulator: its CA trusted, no retries but the SDKs' 429 handling. */
  readonly clientOptions: { tlsOptions: { ca: string }; retryOptions: { maxRetries: number } };
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A simulator for one test file: an in-process host (store-sqlite, backend-local) with busybox, and sim-azure on 127.0.0.1. */
export async function startSimulator(opts: Partial<SimOptions> = {}): Promise<TestSimulator> {
  const sim = await startSimulatorHarness({
    name: 'azure',
    prepare: importBusybox,
    create: (services, stateDir) => createAzureSimulator(services, { startDelayMs: 0, stateDir, ...opts }),
  });
  const { endpoint, port } = sim;
  const ca = readFileSync(sim.simulator.caFile, 'utf8');
  const clientOptions = { tlsOptions: { ca }, retryOptions: { maxRetries: 0 } };
  const apps = new ContainerAppsAPIClient(fixedCredential, SUB, { endpoint, $host: endpoint, ...clientOptions });
  const web = new WebSiteManagementClient(fixedCredential, SUB, { endpoint, ...clientOptions });
  const logs = new LogsQueryClient(fixedCredential, { endpoint: `${endpoint}/v1`, ...clientOptions });
  return {
    endpoint, port, ca, caFile: sim.simulator.caFile, host: sim.host, apps, web, logs, clientOptions,
    get simulator() { return sim.simulator; },
    restart: () => sim.restart(),
    close: () => sim.close(),
  };
}

export interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; text: string; json(): any }

/** One HTTPS request to the simulator with its CA trusted (what curl --cacert does). */
export function https(sim: { port: number; ca: string }, method: string, path: string, body?: unknown): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = request({ host: '127.0.0.1', port: sim.port, method, path, ca: sim.ca, headers: { 'content-type': 'application/json', ...(data ? { 'content-length': data.length } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** A resource group, a workspace and a managed environment sending its logs there; answers the workspace id. */
export async function prepareEnvironment(sim: TestSimulator, env = 'env1'): Promise<{ environmentId: string; workspaceId: string }> {
  const group = await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}?api-version=2021-04-01`, { location: LOCATION });
  if (group.status >= 300) throw new Error(group.text);
  const ws = await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/ws1?api-version=2022-10-01`, { location: LOCATION });
  const workspaceId = ws.json().properties.customerId as string;
  const created = await sim.apps.managedEnvironments.beginCreateOrUpdateAndWait(RG, env, {
    location: LOCATION, appLogsConfiguration: { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: workspaceId, sharedKey: 'k' } },
  });
  return { environmentId: created.id!, workspaceId };
}

/** A manual job with one busybox container running `sh -c script`. */
export function shellJob(environmentId: string, script: string, extra: Record<string, unknown> = {}) {
  return {
    location: LOCATION, environmentId, tags: { owner: 'test' },
    configuration: { triggerType: 'Manual', replicaTimeout: 60, replicaRetryLimit: 0, manualTriggerConfig: { replicaCompletionCount: 1, parallelism: 1 } },
    template: { containers: [{ name: 'main', image: BUSYBOX, command: ['/bin/sh', '-c'], args: [script] }] },
    ...extra,
  };
}
