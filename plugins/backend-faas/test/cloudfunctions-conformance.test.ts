import { runBackendConformance } from '@sockerless/sdk/testing';
import { simulatorWithAgents } from '../../../test/support/cloud-backend';
import { BUSYBOX, LOCATION, PROJECT, startSimulator } from '../../sim-gcp/test/helpers';
import { cloudFunctionsDriverFactory, cloudFunctionsOptionsSchema, type CloudFunctionsOptions } from '../src/cloudfunctions';

// Cloud Functions (2nd gen) through the official clients (REST) against the Google Cloud simulator over HTTP;
// signals, exec and cp reach a running invocation through the workload agent, as in the daemon.
const cloud = simulatorWithAgents(startSimulator);

runBackendConformance<CloudFunctionsOptions>({
  name: 'backend-faas (Cloud Functions) on the Google Cloud simulator',
  driver: {
    kind: 'cloudfunctions',
    optionsSchema: cloudFunctionsOptionsSchema,
    create: (ctx) => cloudFunctionsDriverFactory({ agents: cloud.agents, simulators: { endpoint: () => cloud.sim.endpoint, names: () => [] } }).create(ctx),
  },
  options: () => ({ endpoint: cloud.sim.endpoint, project: PROJECT, region: LOCATION, maxAttempts: 1, pollIntervalMs: { min: 10, max: 100 }, timeoutSeconds: 60 }) as CloudFunctionsOptions,
  image: { id: 'sha256:busybox', ref: BUSYBOX },
  env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
  skip: {
    runningAcrossRestart: 'an HTTP function\'s answer goes only to the connection that asked, and Cloud Functions has no API to list or stop '
      + 'a request in flight: a new instance neither sees nor ends an invocation the old one began (the core records the container as ended)',
    pause: 'Cloud Functions cannot freeze a request',
    stats: 'Cloud Functions reports no per-request usage here: docker stats shows Docker\'s zeros',
  },
});
