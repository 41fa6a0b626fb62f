import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { WorkloadAgentServer } from '@sockerless/agent';
import type { WorkloadSpec } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { BUSYBOX, type TestSimulator } from '../../sim-aws/test/helpers';
import { createClients, LambdaDriver, lambdaOptionsSchema, type LambdaClients, type LambdaOptions } from '../src/lambda';

export { readAll } from '@sockerless/sdk/testing';

export function containerId(): string {
  return randomBytes(32).toString('hex');
}

export function workloadSpec(argv: string[], over: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const id = over.id ?? containerId();
  return {
    id,
    name: `lambda-test-${id.slice(0, 8)}`,
    hostname: id.slice(0, 12),
    image: { id: 'sha256:busybox', ref: BUSYBOX },
    argv,
    env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
    workingDir: '',
    user: '',
    tty: false,
    openStdin: false,
    mounts: [],
    labels: {},
    stateDir: mkdtempSync(join(tmpdir(), 'lambda-spec-')),
    memoryBytes: 0,
    ...over,
  };
}

/** The daemon's agent server, on its own temp home and an ephemeral loopback port. */
export function startAgentServer(): WorkloadAgentServer {
  const home = mkdtempSync(join(tmpdir(), 'lambda-agents-'));
  return new WorkloadAgentServer({ home, logger: silentLogger });
}

export interface DriverUnderTest {
  driver: LambdaDriver;
  clients: LambdaClients;
}

/** A Lambda driver against the simulator, with fake static credentials and no retries (as tests should). */
export async function makeDriver(sim: TestSimulator, agents: WorkloadAgentServer, opts: { instanceName?: string; options?: Record<string, unknown> } = {}): Promise<DriverUnderTest> {
  const options: LambdaOptions = lambdaOptionsSchema.parse({ endpoint: sim.endpoint, pollIntervalMs: { min: 10, max: 100 }, ...opts.options });
  const clients = await createClients({ region: 'us-east-1', endpoint: sim.endpoint, credentials: sim.aws.credentials });
  const driver = new LambdaDriver({ instanceName: opts.instanceName ?? 'lambda', options, clients, agents, logger: silentLogger });
  return { driver, clients };
}

export function lambdaClient(sim: TestSimulator): LambdaClient {
  return new LambdaClient(sim.aws);
}
