import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkloadAgentServer } from '@sockerless/agent';
import { runBackendConformance, silentLogger } from '@sockerless/sdk/testing';
import type { SimulatorDirectory } from '@sockerless/sdk';
import { startSimulator, BUSYBOX, SUB, type TestSimulator } from '../../sim-azure/test/helpers';
import { createAcaDriver } from '../src/driver';
import { acaOptionsSchema, type AcaOptions } from '../src/options';

const noSimulators: SimulatorDirectory = {
  endpoint: (name) => { throw new Error(`no simulator ${name}`); },
  names: () => [],
};

// Container Apps jobs through the official clients against the Azure simulator over HTTPS (its CA trusted),
// with the workload agent (signals, stdin, exec and cp reach the replica through it), as the daemon runs it.
let sim: TestSimulator;
let agents: WorkloadAgentServer;
const agentHome = mkdtempSync(join(tmpdir(), 'sl-aca-conformance-agents-'));
beforeAll(async () => {
  sim = await startSimulator();
  agents = new WorkloadAgentServer({ home: agentHome, logger: silentLogger });
}, 120_000);
afterAll(async () => {
  await agents?.close();
  await sim?.close();
  rmSync(agentHome, { recursive: true, force: true });
});

runBackendConformance<AcaOptions>({
  name: 'backend-aca on the Azure simulator',
  driver: { kind: 'aca', optionsSchema: acaOptionsSchema, create: (ctx) => createAcaDriver(ctx, { agents, simulators: noSimulators }) },
  options: () => ({ subscription: SUB, endpoint: sim.endpoint, caFile: sim.caFile, maxAttempts: 1, pollIntervalMs: { min: 10, max: 200 } }) as AcaOptions,
  image: { id: 'sha256:busybox', ref: BUSYBOX },
  env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
  skip: {
    pause: 'a Container Apps replica cannot be frozen',
    stats: 'the replica\'s Azure Monitor metrics are not read: docker stats shows Docker\'s zeros',
  },
});
