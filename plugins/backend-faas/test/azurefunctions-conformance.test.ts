import { WorkloadAgentServer } from '@sockerless/agent';
import { runBackendConformance } from '@sockerless/sdk/testing';
import { BUSYBOX, https, LOCATION, RG, startSimulator, SUB, type TestSimulator } from '../../sim-azure/test/helpers';
import { azureFunctionsDriverFactory, azureFunctionsOptionsSchema, type AzureFunctionsOptions } from '../src/azurefunctions';
import { startAgentServer } from './helpers';

// Azure Functions through @azure/arm-appservice and @azure/monitor-query-logs against the Azure simulator over
// HTTPS (its CA trusted through caFile, a token from its Entra ID endpoint through @azure/identity); signals,
// exec and cp reach a running invocation through the workload agent, as in the daemon.
let sim: TestSimulator;
let agents: WorkloadAgentServer;
let workspace: string;
beforeAll(async () => {
  sim = await startSimulator();
  agents = startAgentServer();
  await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}?api-version=2021-04-01`, { location: LOCATION });
  workspace = (await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/fnlogs?api-version=2022-10-01`, { location: LOCATION })).json().id;
}, 120_000);
afterAll(async () => {
  await agents?.close();
  await sim?.close();
});

runBackendConformance<AzureFunctionsOptions>({
  name: 'backend-faas (Azure Functions) on the Azure simulator',
  driver: {
    kind: 'azurefunctions',
    optionsSchema: azureFunctionsOptionsSchema,
    create: (ctx) => azureFunctionsDriverFactory({ agents, simulators: { endpoint: () => sim.endpoint, names: () => [] } }).create(ctx),
  },
  options: () => ({
    endpoint: sim.endpoint, caFile: sim.caFile, subscription: SUB, resourceGroup: RG, location: LOCATION, logWorkspace: workspace,
    maxAttempts: 1, pollIntervalMs: { min: 10, max: 100 },
  }) as AzureFunctionsOptions,
  image: { id: 'sha256:busybox', ref: BUSYBOX },
  env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
  skip: {
    runningAcrossRestart: 'an HTTP trigger\'s answer goes only to the connection that asked, and Azure Functions has no API to list or stop '
      + 'an invocation in flight: a new instance neither sees nor ends an invocation the old one began (the core records the container as ended)',
    pause: 'Azure Functions cannot freeze an invocation',
    stats: 'Azure Functions reports no per-invocation usage here: docker stats shows Docker\'s zeros',
  },
});
