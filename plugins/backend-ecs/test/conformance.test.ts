import { runBackendConformance } from '@sockerless/sdk/testing';
import { noSimulators, simulatorWithAgents } from '../../../test/support/cloud-backend';
import { startSimulator, BUSYBOX } from '../../sim-aws/test/helpers';
import { createEcsDriver } from '../src/driver';
import { ecsOptionsSchema, type EcsOptions } from '../src/options';
import { TEST_CREDENTIALS } from './helpers';

// ECS Fargate through the official SDK against the AWS simulator over HTTP, with the workload agent (signals,
// stdin, exec and cp reach the task through it), as the daemon runs it.
const cloud = simulatorWithAgents(startSimulator);

runBackendConformance<EcsOptions>({
  name: 'backend-ecs on the AWS simulator',
  driver: { kind: 'ecs', optionsSchema: ecsOptionsSchema, create: (ctx) => createEcsDriver(ctx, { agents: cloud.agents, simulators: noSimulators }) },
  options: () => ({ endpoint: cloud.sim.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1, pollIntervalMs: { min: 10, max: 200 }, stopTimeoutSeconds: 2 }) as EcsOptions,
  image: { id: 'sha256:busybox', ref: BUSYBOX },
  env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
  skip: {
    stderr: 'CloudWatch Logs (awslogs) keeps no stream identity: both streams arrive on stdout',
    pause: 'a Fargate task cannot be frozen',
    stats: 'the task\'s CloudWatch metrics are not read: docker stats shows Docker\'s zeros',
  },
});
