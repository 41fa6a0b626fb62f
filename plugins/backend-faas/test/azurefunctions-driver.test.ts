/** The `azurefunctions` driver's own cases on the Azure simulator: what a failed create leaves, a wrong CA, the app it makes. */
import { existsSync } from 'node:fs';
import type { WorkloadAgentServer } from '@sockerless/agent';
import type { BackendDriver } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { https, LOCATION, RG, startSimulator, SUB, type TestSimulator } from '../../sim-azure/test/helpers';
import { azureFunctionsDriverFactory, azureFunctionsOptionsSchema } from '../src/azurefunctions';
import { startAgentServer, workloadSpec } from './helpers';

let sim: TestSimulator;
let agents: WorkloadAgentServer;
const WORKSPACE = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/drvlogs`;

beforeAll(async () => {
  sim = await startSimulator();
  agents = startAgentServer();
  await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}?api-version=2021-04-01`, { location: LOCATION });
  await https(sim, 'PUT', `${WORKSPACE}?api-version=2022-10-01`, { location: LOCATION });
}, 120_000);
afterAll(async () => {
  await agents?.close();
  await sim?.close();
});

function makeDriver(options: Record<string, unknown>): Promise<BackendDriver> {
  const parsed = azureFunctionsOptionsSchema.parse({ endpoint: sim.endpoint, caFile: sim.caFile, subscription: SUB, resourceGroup: RG, maxAttempts: 1, ...options });
  return azureFunctionsDriverFactory({ agents, simulators: { endpoint: () => sim.endpoint, names: () => [] } })
    .create({ instanceName: 'azf-test', options: parsed, logger: silentLogger } as never) as Promise<BackendDriver>;
}

async function siteNames(): Promise<string[]> {
  return ((await https(sim, 'GET', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites?api-version=2024-11-01`)).json().value as Array<{ name: string }>).map((s) => s.name);
}

test('the app: the image in linuxFxVersion, env and the agent\'s grant in app settings, identity and command in tags', async () => {
  const driver = await makeDriver({ logWorkspace: WORKSPACE });
  const spec = workloadSpec(['echo', 'hi there'], { env: ['PATH=/bin', 'GREETING=hello'], workingDir: '/tmp', labels: { team: 'blue' } });
  try {
    await driver.create(spec);
    const site = (await https(sim, 'GET', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/sockerless-${spec.id.slice(0, 49)}?api-version=2024-11-01`)).json();
    expect(site.properties.siteConfig.linuxFxVersion).toBe('DOCKER|busybox:latest');
    const settings = Object.fromEntries((site.properties.siteConfig.appSettings as Array<{ name: string; value: string }>).map((s) => [s.name, s.value]));
    expect(settings).toMatchObject({ PATH: '/bin', GREETING: 'hello', SOCKERLESS_CONTAINER_ID: spec.id });
    expect(site.tags).toMatchObject({ 'sockerless-managed': 'true', 'sockerless-container-id': spec.id, 'sockerless-instance': 'azf-test' });
    expect(Object.keys(site.properties.diagnosticSettings)).toEqual(['sockerless']);
    const listed = (await driver.list()).find((w) => w.id === spec.id);
    expect(listed?.identity).toMatchObject({ name: spec.name, image: 'busybox:latest', labels: { team: 'blue' }, argv: ['echo', 'hi there'] });
  } finally {
    await driver.remove(spec.id);
    await driver.close?.();
  }
  expect(await siteNames()).toEqual([]);
});

test('a create that fails after the app was made deletes it again; a refused one leaves nothing', async () => {
  // The diagnostic setting names a workspace that does not exist: ARM refuses it after the app was made.
  const driver = await makeDriver({ logWorkspace: WORKSPACE.replace('drvlogs', 'nowhere') });
  try {
    await expect(driver.create(workloadSpec(['true']))).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('azurefunctions: InvalidRequestContent') });
    expect(await siteNames()).toEqual([]);
    await expect(driver.create(workloadSpec(['true'], { env: ['WEBSITE_RUN_FROM_PACKAGE=1'] }))).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('reserved by Azure Functions') });
    await expect(driver.create(workloadSpec(['true'], { env: ['my.var=1'] }))).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining("'my.var'") });
    expect(await siteNames()).toEqual([]);
  } finally {
    await driver.close?.();
  }
});

test('a CA that does not sign the endpoint\'s certificate stops the driver, saying so', async () => {
  const systemCas = '/etc/ssl/certs/ca-certificates.crt';
  if (!existsSync(systemCas)) return;
  await expect(makeDriver({ caFile: systemCas })).rejects.toThrow(/TLS certificate is not trusted.*caFile/);
});
