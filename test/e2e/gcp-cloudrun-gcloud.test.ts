/**
 * What the daemon made on Cloud Run, as the Google Cloud CLI sees it: containers created and run with the
 * docker CLI on backend-cloudrun (the simulator in the daemon) show up in `gcloud run jobs list|describe`
 * as their jobs, with the container's identity in the labels and its command in the job's container, and
 * their starts in `gcloud run jobs executions list|describe`, ended with the exit code or still running; the
 * output is in `gcloud logging read`. Skipped, saying so, where gcloud is not installed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { CLOUDRUN_IN_DAEMON_CONFIG, GCLOUD, gcloudAgainst, printedSimulatorEndpoint } from '../support/gcp';

jest.setTimeout(180_000);

const maybe = existsSync(GCLOUD) ? describe : describe.skip;
if (!existsSync(GCLOUD)) console.warn(`gcloud tests skipped: ${GCLOUD} is not installed (google-cloud-cli comes from Google's apt repository)`);

/** The project and region backend-cloudrun uses on a simulator when the options name none. */
const PROJECT = 'sockerless';
const REGION = ['--region', 'us-central1', '--format=json'];

interface V1Job { metadata: { name: string; labels: Record<string, string> }; spec: { template: { spec: { taskCount: number; template: { spec: { containers: Array<{ image: string; args?: string[] }>; maxRetries: number } } } } }; status: { executionCount: number } }
interface V1Execution { metadata: { name: string; labels: Record<string, string> }; status: { runningCount?: number; succeededCount?: number; failedCount?: number; completionTime?: string; conditions: Array<{ type: string; status: string; message?: string }> } }

const jobOf = (id: string) => `sockerless-${id.slice(0, 52)}`;

maybe('gcloud on the daemon\'s Cloud Run jobs', () => {
  let e: E2E;
  let gcloud: (args: string[]) => Promise<string>;
  beforeAll(async () => {
    e = await startE2E({ config: CLOUDRUN_IN_DAEMON_CONFIG });
    gcloud = gcloudAgainst(printedSimulatorEndpoint(e.daemon.output(), 'GCP'), join(e.daemon.dir, 'gcloud'), PROJECT);
  }, 180_000);
  afterAll(async () => { await e?.dispose(); });

  test('jobs list|describe and executions list|describe show the containers docker made, exited and running', async () => {
    const exited = await e.docker(['run', '--name', 'gc-exited', '--label', 'team=blue', BUSYBOX, 'sh', '-c', 'echo via-daemon; exit 3']);
    expect(exited).toMatchObject({ code: 3, stdout: 'via-daemon\n' });
    const exitedId = await e.ok(['inspect', '-f', '{{.Id}}', 'gc-exited']);
    const runningId = await e.ok(['run', '-d', '--name', 'gc-running', BUSYBOX, 'sleep', '600']);

    const jobs = JSON.parse(await gcloud(['run', 'jobs', 'list', ...REGION])) as V1Job[];
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual([jobOf(exitedId), jobOf(runningId)].sort());
    for (const j of jobs) expect(j.metadata.labels).toMatchObject({ 'sockerless-managed': 'true', 'cloud.googleapis.com/location': 'us-central1' });

    const described = JSON.parse(await gcloud(['run', 'jobs', 'describe', jobOf(exitedId), ...REGION])) as V1Job;
    expect(described.status.executionCount).toBe(1);
    const task = described.spec.template.spec;
    expect(task.taskCount).toBe(1);
    expect(task.template.spec.maxRetries).toBe(0);
    // The container's command behind the workload agent, as the job runs it.
    expect(task.template.spec.containers[0]).toMatchObject({ image: BUSYBOX, args: ['--', 'sh', '-c', 'echo via-daemon; exit 3'] });

    const executions = JSON.parse(await gcloud(['run', 'jobs', 'executions', 'list', '--job', jobOf(exitedId), ...REGION])) as V1Execution[];
    expect(executions).toHaveLength(1);
    const execution = JSON.parse(await gcloud(['run', 'jobs', 'executions', 'describe', executions[0].metadata.name, ...REGION])) as V1Execution;
    expect(execution.metadata.labels['run.googleapis.com/job']).toBe(jobOf(exitedId));
    expect(execution.status.failedCount).toBe(1);
    expect(execution.status.conditions.find((c) => c.type === 'Completed')).toMatchObject({ status: 'False', message: expect.stringContaining('exit code of 3') });

    const [running] = JSON.parse(await gcloud(['run', 'jobs', 'executions', 'list', '--job', jobOf(runningId), ...REGION])) as V1Execution[];
    const live = JSON.parse(await gcloud(['run', 'jobs', 'executions', 'describe', running.metadata.name, ...REGION])) as V1Execution;
    expect(live.status.runningCount).toBe(1);
    expect(live.status.completionTime).toBeUndefined();

    const logs = JSON.parse(await gcloud(['logging', 'read', `labels."run.googleapis.com/execution_name"="${executions[0].metadata.name}"`, '--format=json'])) as Array<{ textPayload: string; logName: string }>;
    expect(logs.filter((l) => l.logName.endsWith('%2Fstdout')).map((l) => l.textPayload)).toEqual(['via-daemon']);

    // docker rm deletes the job: gcloud no longer lists it.
    await e.ok(['rm', '-f', 'gc-exited', 'gc-running']);
    expect(JSON.parse(await gcloud(['run', 'jobs', 'list', ...REGION]))).toEqual([]);
  });
});
