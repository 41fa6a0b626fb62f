import { runBackendConformance } from '@sockerless/sdk/testing';
import { simulatorWithAgents } from '../../../test/support/cloud-backend';
import { BUSYBOX, https, LOCATION, RG, startSimulator, SUB } from '../../sim-azure/test/helpers';
import { azureFunctionsDriverFactory, azureFunctionsOptionsSchema, type AzureFunctionsOptions } from '../src/azurefunctions';

// Azure Functions through @azure/arm-appservice and @azure/monitor-query-logs against the Azure simulator over
// HTTPS (its CA trusted through caFile, a token from its Entra ID endpoint through @azure/identity); signals,
// exec and cp reach a running invocation through the workload agent, as in the daemon.
let workspace: string;
const cloud = simulatorWithAgents(startSimulator, async (sim) => {
  await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}?api-version=2021-04-01`, { location: LOCATION });
  workspace = (await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/fnlogs?api-version=2022-10-01`, { location: LOCATION })).json().id;
});

runBackendConformance<AzureFunctionsOptions>({
  name: 'backend-faas (Azure Functions) on the Azure simulator',
  driver: {
    kind: 'azurefunctions',
    optionsSchema: azureFunctionsOptionsSchema,
    create: (ctx) => azureFunctionsDriverFactory({ agents: cloud.agents, simulators: { endpoint: () => cloud.sim.endpoint, names: () => [] } }).create(ctx),
  },
  options: () => ({
    endpoint: cloud.sim.endpoint, caFile: cloud.sim.caFile, subscription: SUB, resourceGroup: RG, location: LOCATION, logWorkspace: workspace,
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
