import { runBackendConformance } from '@sockerless/sdk/testing';
import { simulatorWithAgents } from '../../../test/support/cloud-backend';
import { BUSYBOX, startSimulator } from '../../sim-aws/test/helpers';
import { lambdaDriverFactory, lambdaOptionsSchema, type LambdaOptions } from '../src/lambda';

// Lambda through the official SDK against the AWS simulator over HTTP; signals, exec and cp reach a running
// invocation through the workload agent, as in the daemon.
const cloud = simulatorWithAgents(startSimulator);

runBackendConformance<LambdaOptions>({
  name: 'backend-faas (Lambda) on the AWS simulator',
  driver: {
    kind: 'lambda',
    optionsSchema: lambdaOptionsSchema,
    create: (ctx) => lambdaDriverFactory({ agents: cloud.agents, simulators: { endpoint: () => cloud.sim.endpoint, names: () => [] } }).create(ctx),
  },
  options: () => ({ endpoint: cloud.sim.endpoint, credentials: cloud.sim.aws.credentials, pollIntervalMs: { min: 10, max: 100 }, timeoutSeconds: 60 }) as LambdaOptions,
  image: { id: 'sha256:busybox', ref: BUSYBOX },
  env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
  skip: {
    stderr: 'CloudWatch Logs keeps no stream identity: both streams arrive on stdout',
    runningAcrossRestart: 'Lambda keeps no record of an invocation that can be read back and has no API to stop one: a new instance '
      + 'neither sees nor ends an invocation the old one began (it runs to the function timeout; the core records the container as ended)',
    pause: 'Lambda cannot freeze an invocation',
    stats: 'Lambda reports no per-invocation usage here: docker stats shows Docker\'s zeros',
  },
});
