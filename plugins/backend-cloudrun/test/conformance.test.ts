import { runBackendConformance } from '@sockerless/sdk/testing';
import { noSimulators, simulatorWithAgents } from '../../../test/support/cloud-backend';
import { startSimulator, BUSYBOX, LOCATION, PROJECT } from '../../sim-gcp/test/helpers';
import { createCloudRunDriver } from '../src/driver';
import { cloudRunOptionsSchema, type CloudRunOptions } from '../src/options';

// Cloud Run jobs through the official clients (REST) against the Google Cloud simulator over HTTP, with the
// workload agent (signals, stdin, exec and cp reach the task through it), as the daemon runs it.
const cloud = simulatorWithAgents(startSimulator);

runBackendConformance<CloudRunOptions>({
  name: 'backend-cloudrun on the Google Cloud simulator',
  driver: { kind: 'cloudrun', optionsSchema: cloudRunOptionsSchema, create: (ctx) => createCloudRunDriver(ctx, { agents: cloud.agents, simulators: noSimulators }) },
  options: () => ({ endpoint: cloud.sim.endpoint, project: PROJECT, region: LOCATION, maxAttempts: 1, pollIntervalMs: { min: 10, max: 200 } }) as CloudRunOptions,
  image: { id: 'sha256:busybox', ref: BUSYBOX },
  env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
  skip: {
    pause: 'a Cloud Run task cannot be frozen',
    stats: 'the task\'s Cloud Monitoring metrics are not read: docker stats shows Docker\'s zeros',
  },
});
