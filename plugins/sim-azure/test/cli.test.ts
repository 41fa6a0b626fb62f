/**
 * `sockerless simulator azure` as its own process (the built CLI): it prints its https endpoint and the CA file,
 * loads an image into its home, serves the official client, and the Azure CLI (`az rest`, the CA trusted through
 * REQUESTS_CA_BUNDLE) reads the jobs and executions; a restart on the same home and port keeps them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { startSimulatorProcess, type SimulatorProcess } from '../../../test/support/aws';
import { unmountUnder } from '../../../test/support/daemon';
import { buildBusyboxImageArchive } from '../../../test/support/images';
import { ACA_API, fixedCredential, https, LOCATION, RG, shellJob, SUB, until } from './helpers';

let dir: string;
let simulator: SimulatorProcess | undefined;

/** `az rest` against the simulator: no login (no Authorization header), its CA trusted, no telemetry leaving the host. */
async function azRest(url: string, caFile: string): Promise<any> {
  const { stdout } = await promisify(execFile)('az', ['rest', '--method', 'get', '--url', url, '--skip-authorization-header', '--output', 'json'], {
    env: { ...process.env, REQUESTS_CA_BUNDLE: caFile, AZURE_CONFIG_DIR: join(dir, 'az'), AZURE_CORE_COLLECT_TELEMETRY: 'false', AZURE_CORE_NO_COLOR: 'true' },
  });
  return JSON.parse(stdout);
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-sim-azure-cli-')); });
afterAll(async () => {
  await simulator?.stop();
  unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
});

test('standalone: https with its CA printed, --load, a job run through the official client, az rest, a restart', async () => {
  const archive = await buildBusyboxImageArchive(join(dir, 'image'));
  simulator = await startSimulatorProcess({ dir, load: [archive], cloud: 'azure' });
  const { endpoint } = simulator;
  const caFile = simulator.caFile!;
  expect(caFile.startsWith(simulator.home)).toBe(true);
  const sim = { port: Number(new URL(endpoint).port), ca: readFileSync(caFile, 'utf8') };
  const apps = new ContainerAppsAPIClient(fixedCredential, SUB, { endpoint, $host: endpoint, tlsOptions: { ca: sim.ca }, retryOptions: { maxRetries: 0 } });
  await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}?api-version=2021-04-01`, { location: LOCATION });
  const env = await apps.managedEnvironments.beginCreateOrUpdateAndWait(RG, 'env1', { location: LOCATION });
  await apps.jobs.beginCreateOrUpdateAndWait(RG, 'cli', shellJob(env.id!, 'echo from-cli; exit 3'));
  const started = await apps.jobs.beginStartAndWait(RG, 'cli');
  const done = await until(async () => { const e = await apps.jobExecution(RG, 'cli', started.name!); return e.status === 'Failed' ? e : undefined; }, 'the execution to fail');
  expect(done.status).toBe('Failed');

  if (existsSync('/usr/bin/az')) {
    const jobs = await azRest(`${endpoint}/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.App/jobs?api-version=${ACA_API}`, caFile);
    expect(jobs.value.map((j: { name: string }) => j.name)).toEqual(['cli']);
    const executions = await azRest(`${endpoint}/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.App/jobs/cli/executions?api-version=${ACA_API}`, caFile);
    expect(executions.value).toEqual([expect.objectContaining({ name: started.name, properties: expect.objectContaining({ status: 'Failed' }) })]);
  } else {
    process.stderr.write('azure-cli is not installed (apt-get install azure-cli): the az rest part of this test did not run\n');
  }

  await simulator.stop();
  await simulator.restart();
  // The restart printed the same CA file: the certificate is kept in its home.
  expect([...simulator.output().matchAll(/AZURE simulator CA file \(trust it\): (\S+)\n/g)].map((m) => m[1])).toEqual([caFile, caFile]);
  expect((await apps.jobExecution(RG, 'cli', started.name!)).status).toBe('Failed');
});
