import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkloadAgentServer } from '@sockerless/agent';
import { runBackendConformance, silentLogger } from '@sockerless/sdk/testing';
import type { SimulatorDirectory } from '@sockerless/sdk';
import { startSimulator, BUSYBOX, LOCATION, PROJECT, type TestSimulator } from '../../sim-gcp/test/helpers';
import { createCloudRunDriver } from '../src/driver';
import { cloudRunOptionsSchema, type CloudRunOptions } from '../src/options';

const noSimulators: SimulatorDirectory = {
  endpoint: (name) => { throw new Error(`no simulator ${name}`); },
  names: () => [],
};

// Cloud Run jobs through the official clients (REST) against the Google Cloud simulator over HTTP, with the
// workload agent (signals, stdin, exec and cp reach the task through it), as the daemon runs it.
let sim: TestSimulator;
let agents: WorkloadAgentServer;
const agentHome = mkdtempSync(join(tmpdir(), 'sl-cloudrun-conformance-agents-'));
beforeAll(async () => {
  sim = await startSimulator();
  agents = new WorkloadAgentServer({ home: agentHome, logger: silentLogger });
}, 120_000);
afterAll(async () => {
  await agents?.close();
  await sim?.close();
  rmSync(agentHome, { recursive: true, force: true });
});

runBackendConformance<CloudRunOptions>({
  name: 'backend-cloudrun on the Google Cloud simulator',
  driver: { kind: 'cloudrun', optionsSchema: cloudRunOptionsSchema, create: (ctx) => createCloudRunDriver(ctx, { agents, simulators: noSimulators }) },
  options: () => ({ endpoint: sim.endpoint, project: PROJECT, region: LOCATION, maxAttempts: 1, pollIntervalMs: { min: 10, max: 200 } }) as CloudRunOptions,
  image: { id: 'sha256:busybox', ref: BUSYBOX },
  env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
  skip: {
    pause: 'a Cloud Run task cannot be frozen',
    stats: 'the task\'s Cloud Monitoring metrics are not read: docker stats shows Docker\'s zeros',
  },
});
