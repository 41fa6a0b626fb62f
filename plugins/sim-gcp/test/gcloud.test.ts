/**
 * The Google Cloud CLI (Debian's google-cloud-cli) against the simulator: `gcloud run jobs list|describe`
 * and `gcloud run jobs executions list|describe` (Cloud Run's v1 API), `gcloud logging read` (v2). gcloud
 * puts the region before the endpoint's host (`us-central1-127.0.0.1`), which does not resolve, so it reaches
 * the simulator as its HTTP proxy. Skipped, saying so, where gcloud is not installed.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GCLOUD, gcloudAgainst } from '../../../test/support/gcp';
import { PARENT, PROJECT, shellJob, startSimulator, type TestSimulator } from './helpers';

const maybe = existsSync(GCLOUD) ? describe : describe.skip;
if (!existsSync(GCLOUD)) console.warn(`gcloud tests skipped: ${GCLOUD} is not installed (google-cloud-cli comes from Google's apt repository)`);

let sim: TestSimulator;
let dir: string;
let gcloud: (args: string[]) => Promise<string>;

maybe('gcloud', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-gcp-gcloud-'));
    sim = await startSimulator();
    gcloud = gcloudAgainst(sim.endpoint, join(dir, 'gcloud'), PROJECT);
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('lists and describes the jobs and executions made through the v2 API, and reads their logs', async () => {
    const [op] = await sim.jobs.createJob({ parent: PARENT, jobId: 'gc-job', job: shellJob('echo via-gcloud; exit 3', { labels: { owner: 'gcloud-test' } }) as never });
    const [job] = await op.promise();
    const [runOp] = await sim.jobs.runJob({ name: job.name });
    const [execution] = await runOp.promise();
    const executionId = execution.name!.split('/').pop()!;

    const jobs = JSON.parse(await gcloud(['run', 'jobs', 'list', '--region', 'us-central1', '--format=json'])) as Array<{ metadata: { name: string; labels: Record<string, string> } }>;
    expect(jobs.map((j) => j.metadata.name)).toContain('gc-job');
    const described = JSON.parse(await gcloud(['run', 'jobs', 'describe', 'gc-job', '--region', 'us-central1', '--format=json'])) as { metadata: { labels: Record<string, string> }; status: { executionCount: number } };
    expect(described.metadata.labels.owner).toBe('gcloud-test');
    expect(described.status.executionCount).toBe(1);
    const executions = JSON.parse(await gcloud(['run', 'jobs', 'executions', 'list', '--job', 'gc-job', '--region', 'us-central1', '--format=json'])) as Array<{ metadata: { name: string } }>;
    expect(executions.map((e) => e.metadata.name)).toEqual([executionId]);
    const exec = JSON.parse(await gcloud(['run', 'jobs', 'executions', 'describe', executionId, '--region', 'us-central1', '--format=json'])) as { status: { failedCount: number; conditions: Array<{ type: string; status: string; message?: string }> } };
    expect(exec.status.failedCount).toBe(1);
    expect(exec.status.conditions.find((c) => c.type === 'Completed')).toMatchObject({ status: 'False', message: expect.stringContaining('exit code of 3') });

    const logs = JSON.parse(await gcloud(['logging', 'read', `labels."run.googleapis.com/execution_name"="${executionId}" AND logName="projects/${PROJECT}/logs/run.googleapis.com%2Fstdout"`, '--format=json'])) as Array<{ textPayload: string }>;
    expect(logs.map((l) => l.textPayload)).toEqual(['via-gcloud']);
  });
});
