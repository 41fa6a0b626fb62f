/**
 * `sockerless simulator gcp` as its own process (the built CLI): it loads an image into its home, serves the
 * official clients, and a restart on the same home and port keeps its jobs, executions and logs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v2 as runV2 } from '@google-cloud/run';
import { Logging } from '@google-cloud/logging';
import { PassThroughClient } from 'google-auth-library';
import { startSimulatorProcess, type SimulatorProcess } from '../../../test/support/aws';
import { unmountUnder } from '../../../test/support/daemon';
import { buildBusyboxImageArchive } from '../../../test/support/images';
import { PARENT, PROJECT, shellJob } from './helpers';

let dir: string;
let sim: SimulatorProcess | undefined;

function clients(endpoint: string) {
  const url = new URL(endpoint);
  const gcp = {
    apiEndpoint: url.hostname, port: Number(url.port), protocol: 'http', fallback: true, projectId: PROJECT,
    authClient: new PassThroughClient({ transporterOptions: { fetchImplementation: fetch } }) as never,
  };
  return { jobs: new runV2.JobsClient(gcp), executions: new runV2.ExecutionsClient(gcp), logging: new Logging(gcp) };
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-sim-gcp-cli-')); });
afterAll(async () => {
  await sim?.stop();
  unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
});

test('standalone: --load, a job run through the official client, a restart that keeps its state', async () => {
  const archive = await buildBusyboxImageArchive(join(dir, 'image'));
  sim = await startSimulatorProcess({ dir, load: [archive], cloud: 'gcp' });
  const { endpoint } = sim;
  let c = clients(endpoint);
  const [op] = await c.jobs.createJob({ parent: PARENT, jobId: 'cli', job: shellJob('echo from-cli; exit 3') as never });
  const [job] = await op.promise();
  const [runOp] = await c.jobs.runJob({ name: job.name });
  const [execution] = await runOp.promise();
  expect(execution.failedCount).toBe(1);
  await c.jobs.close();
  await c.executions.close();

  await sim.stop();
  await sim.restart();
  c = clients(endpoint);
  const [again] = await c.executions.getExecution({ name: execution.name });
  expect(again).toMatchObject({ failedCount: 1, job: 'cli' });
  const [entries] = await c.logging.getEntries({ filter: `labels."run.googleapis.com/execution_name"="${execution.name!.split('/').pop()}" AND logName="projects/${PROJECT}/logs/run.googleapis.com%2Fstdout"` });
  expect(entries.map((e) => e.data)).toEqual(['from-cli']);
  await c.jobs.close();
  await c.executions.close();
});
