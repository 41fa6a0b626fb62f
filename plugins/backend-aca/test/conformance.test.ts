import { runBackendConformance } from '@sockerless/sdk/testing';
import { noSimulators, simulatorWithAgents } from '../../../test/support/cloud-backend';
import { startSimulator, BUSYBOX, SUB } from '../../sim-azure/test/helpers';
import { createAcaDriver } from '../src/driver';
import { acaOptionsSchema, type AcaOptions } from '../src/options';

// Container Apps jobs through the official clients against the Azure simulator over HTTPS (its CA trusted),
// with the workload agent (signals, stdin, exec and cp reach the replica through it), as the daemon runs it.
const cloud = simulatorWithAgents(startSimulator);

runBackendConformance<AcaOptions>({
  name: 'backend-aca on the Azure simulator',
  driver: { kind: 'aca', optionsSchema: acaOptionsSchema, create: (ctx) => createAcaDriver(ctx, { agents: cloud.agents, simulators: noSimulators }) },
  options: () => ({ subscription: SUB, endpoint: cloud.sim.endpoint, caFile: cloud.sim.caFile, maxAttempts: 1, pollIntervalMs: { min: 10, max: 200 } }) as AcaOptions,
  image: { id: 'sha256:busybox', ref: BUSYBOX },
  env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
  skip: {
    pause: 'a Container Apps replica cannot be frozen',
    stats: 'the replica\'s Azure Monitor metrics are not read: docker stats shows Docker\'s zeros',
  },
});
