/**
 * examples/multi-cloud.config.ts, exactly as shipped: one daemon with a pool on ECS (the AWS simulator in the
 * daemon), a pool on Cloud Run (the Google Cloud simulator in the daemon) and the local backend as the default
 * pool. The docker CLI runs a container in each; each cloud's official client, pointed at the endpoint the
 * daemon printed, finds it there (an ECS task tagged with the container id, a Cloud Run job with its execution).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ECSClient, ListTagsForResourceCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { v2 as runV2 } from '@google-cloud/run';
import { googleClientOptions } from '@sockerless/cloud-gcp';
import { SIMULATOR_CREDENTIALS } from '@sockerless/sdk';
import { REPO_ROOT } from '../support/daemon';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { printedSimulatorEndpoint } from '../support/gcp';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
jest.setTimeout(180_000);

let e: E2E;
beforeAll(async () => {
  e = await startE2E({ config: readFileSync(join(REPO_ROOT, 'examples/multi-cloud.config.ts'), 'utf8') });
}, 180_000);
afterAll(async () => { await e?.dispose(); });

/** The endpoint the daemon printed for a simulator (`AWS simulator: http://127.0.0.1:PORT`). */
const simulatorEndpoint = (cloud: 'AWS' | 'GCP') => printedSimulatorEndpoint(e.daemon.output(), cloud);

/** Runs a container to its end in `pool` (none: the default), returns its id after checking its output and placement. */
async function runIn(pool: string | undefined, expected: { backend: string; pool: string }): Promise<string> {
  const name = `in-${expected.pool}`;
  const label = pool ? ['--label', `com.sockerless.pool=${pool}`] : [];
  const r = await e.docker(['run', '--name', name, ...label, BUSYBOX, 'sh', '-c', `echo ran-in-${expected.pool}; exit 7`]);
  expect(r).toMatchObject({ code: 7, stdout: `ran-in-${expected.pool}\n` });
  expect(await e.ok(['inspect', '-f', '{{.Sockerless.Backend}} {{.Sockerless.Pool}} {{.State.ExitCode}}', name])).toBe(`${expected.backend} ${expected.pool} 7`);
  return e.ok(['inspect', '-f', '{{.Id}}', name]);
}

test('the example boots with both simulators in the daemon and three pools', () => {
  expect(simulatorEndpoint('AWS')).toMatch(/^http:/);
  expect(simulatorEndpoint('GCP')).toMatch(/^http:/);
});

test('no label: the default pool, on the local backend', async () => {
  await runIn(undefined, { backend: 'local', pool: 'default' });
});

test('com.sockerless.pool=ecs: an ECS task on the AWS simulator, tagged with the container', async () => {
  const id = await runIn('ecs', { backend: 'ecs', pool: 'ecs' });
  const ecs = new ECSClient({ region: 'us-east-1', endpoint: simulatorEndpoint('AWS'), credentials: { ...SIMULATOR_CREDENTIALS }, maxAttempts: 1 });
  try {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'sockerless', desiredStatus: 'STOPPED' }))).taskArns ?? [];
    const tagged = await Promise.all(arns.map(async (arn) => (await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? []));
    expect(tagged.filter((tags) => tags.some((t) => t.key === 'sockerless-container-id' && t.value === id))).toHaveLength(1);
  } finally {
    ecs.destroy();
  }
});

test('com.sockerless.pool=cloudrun: a Cloud Run job on the Google Cloud simulator, its execution failed with the exit code', async () => {
  const id = await runIn('cloudrun', { backend: 'cloudrun', pool: 'cloudrun' });
  const options = await googleClientOptions({ project: 'sockerless', region: 'us-central1', endpoint: simulatorEndpoint('GCP') });
  const jobs = new runV2.JobsClient(options);
  const executions = new runV2.ExecutionsClient(options);
  try {
    const job = `projects/sockerless/locations/us-central1/jobs/sockerless-${id.slice(0, 52)}`;
    const [found] = await jobs.getJob({ name: job });
    expect(found.labels).toMatchObject({ 'sockerless-managed': 'true' });
    const [runs] = await executions.listExecutions({ parent: job });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ failedCount: 1, succeededCount: 0 });
  } finally {
    await Promise.all([jobs.close(), executions.close()]);
  }
});

test('the pools hold what ran in them, and nothing crossed over', async () => {
  const byPool = (pool: string) => e.ok(['ps', '-a', '--filter', `label=com.sockerless.pool=${pool}`, '--format', '{{.Names}}']);
  expect(await byPool('default')).toBe('in-default');
  expect(await byPool('ecs')).toBe('in-ecs');
  expect(await byPool('cloudrun')).toBe('in-cloudrun');
  await e.ok(['rm', 'in-default', 'in-ecs', 'in-cloudrun']);
});
