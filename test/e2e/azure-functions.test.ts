/**
 * The real docker CLI against a daemon whose containers run as Azure Functions (Function Apps on Linux
 * containers), on the Azure simulator over HTTPS (`sockerless simulator azure`, its own process and home, its CA
 * trusted through the backend's caFile): Docker client -> daemon -> backend-faas `azurefunctions` ->
 * @azure/arm-appservice with a token from @azure/identity -> simulator -> the app's HTTP trigger in the sandbox
 * with the workload agent -> FunctionAppLogs in a Log Analytics workspace -> back. The cases every
 * HTTP-triggered provider passes are in faas-http-cases.ts; Azure's own are here.
 */
import { readFileSync } from 'node:fs';
import type { SimulatorProcess } from '../support/aws';
import { armRequest, cloudE2E } from '../support/cloud-e2e';
import { BUSYBOX } from '../support/e2e';
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

/** One ARM call to the simulator with its CA trusted (what `az rest` does). */
function arm(sim: SimulatorProcess, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return armRequest(new URL(path, sim.endpoint).href, { method, body, ca: readFileSync(sim.caFile!, 'utf8') });
}

const e = cloudE2E({
  cloud: 'azure',
  name: 'azure-functions',
  // What an operator provisions once: the resource group and the workspace the apps' logs go to.
  provision: async (sim) => {
    await arm(sim, 'PUT', `${GROUP}?api-version=2021-04-01`, { location: 'eastus' });
    await arm(sim, 'PUT', `${WORKSPACE}?api-version=2022-10-01`, { location: 'eastus' });
  },
  config: configFor,
});

async function siteCount(): Promise<number> {
  const res = await arm(e.sim, 'GET', `${GROUP}/providers/Microsoft.Web/sites?api-version=2024-11-01`);
  return (res.json?.value ?? []).length;
}

faasHttpCases(() => ({ e, config: configFor(e.sim), backend: 'azf', cloud: 'Azure Functions', functionCount: siteCount }));

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
