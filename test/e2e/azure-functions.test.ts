/**
 * The real docker CLI against a daemon whose containers run as Azure Functions (Function Apps on Linux
 * containers), on the Azure simulator over HTTPS (`sockerless simulator azure`, its own process and home, its CA
 * trusted through the backend's caFile): Docker client -> daemon -> backend-faas `azurefunctions` ->
 * @azure/arm-appservice with a token from @azure/identity -> simulator -> the app's HTTP trigger in the sandbox
 * with the workload agent -> FunctionAppLogs in a Log Analytics workspace -> back. The cases every
 * HTTP-triggered provider passes are in faas-http-cases.ts; Azure's own are here.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatorProcess, type SimulatorProcess } from '../support/aws';
import { unmountUnder } from '../support/daemon';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { buildBusyboxImageArchive } from '../support/images';
import { api } from '../support/raw-http';
import { faasHttpCases } from './faas-http-cases';

jest.setTimeout(180_000);

const SUB = '00000000-0000-0000-0000-0000000000f1';
const GROUP = `/subscriptions/${SUB}/resourceGroups/functions`;
const WORKSPACE = `${GROUP}/providers/Microsoft.OperationalInsights/workspaces/fnlogs`;

const configFor = (sim: SimulatorProcess) => `export default {
  plugins: ['store-sqlite', 'backend-local', 'backend-faas'],
  backends: { azf: { driver: 'azurefunctions', options: {
    endpoint: '${sim.endpoint}', caFile: '${sim.caFile}', subscription: '${SUB}', resourceGroup: 'functions', logWorkspace: '${WORKSPACE}',
    pollIntervalMs: { min: 10, max: 200 },
  } } },
  defaultBackend: 'azf',
};
`;

let dir: string;
let sim: SimulatorProcess;
let ca: string;
let e: E2E;

/** One ARM call to the simulator with its CA trusted (what `az rest` does). */
function arm(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const url = new URL(path, sim.endpoint);
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, ca, headers: { 'content-type': 'application/json', ...(data ? { 'content-length': Buffer.byteLength(data) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sockerless-azure-functions-'));
  const archive = await buildBusyboxImageArchive(join(dir, 'image'));
  sim = await startSimulatorProcess({ dir, load: [archive], cloud: 'azure' });
  ca = readFileSync(sim.caFile!, 'utf8');
  // What an operator provisions once: the resource group and the workspace the apps' logs go to.
  await arm('PUT', `${GROUP}?api-version=2021-04-01`, { location: 'eastus' });
  await arm('PUT', `${WORKSPACE}?api-version=2022-10-01`, { location: 'eastus' });
  e = await startE2E({ config: configFor(sim) });
}, 180_000);
afterAll(async () => {
  await e?.dispose();
  await sim?.stop();
  if (dir) {
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

async function siteCount(): Promise<number> {
  const res = await arm('GET', `${GROUP}/providers/Microsoft.Web/sites?api-version=2024-11-01`);
  return (res.json?.value ?? []).length;
}

faasHttpCases(() => ({ e, config: configFor(sim), backend: 'azf', cloud: 'Azure Functions', functionCount: siteCount }));

test('app setting names Azure refuses are refused; an Azure error keeps its code and maps to Docker\'s status', async () => {
  const reserved = await e.docker(['run', '--rm', '-e', 'WEBSITE_SITE_NAME=x', BUSYBOX, 'true']);
  expect(reserved.stderr).toContain('WEBSITE_SITE_NAME is reserved by Azure Functions');
  // An image the daemon has but the simulator's registry does not: ARM refuses the app with BadRequest, a 400.
  await e.ok(['tag', BUSYBOX, 'only-in-the-daemon:1']);
  const missing = await api(e.daemon.socket, 'POST', '/containers/create', JSON.stringify({ Image: 'only-in-the-daemon:1', Cmd: ['true'] }));
  expect(missing.status).toBe(400);
  expect(missing.text).toContain("azurefunctions: BadRequest: The image 'only-in-the-daemon:1' was not found");
  expect(await siteCount()).toBe(0);
});
