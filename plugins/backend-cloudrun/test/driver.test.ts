/** The Cloud Run driver's own rules against the Google Cloud simulator: labels, a failed create, options, spans. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentServer, SimulatorDirectory, WorkloadSpec } from '@sockerless/sdk';
import { RecordingTracer, silentLogger } from '@sockerless/sdk/testing';
import { startSimulator, BUSYBOX, LOCATION, PARENT, PROJECT, type TestSimulator } from '../../sim-gcp/test/helpers';
import { createCloudRunDriver, type CloudRunDriver } from '../src/driver';
import { identityLabels, identityOfLabels } from '../src/labels';
import { cloudRunOptionsSchema } from '../src/options';

const noSimulators: SimulatorDirectory = { endpoint: (name) => { throw new Error(`no simulator ${name}`); }, names: () => [] };
const noAgents: AgentServer = {
  grant: () => Promise.reject(new Error('no agent server in this test')),
  session: () => Promise.reject(new Error('no agent')),
  connected: () => false,
  revoke: () => undefined,
};

function spec(over: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const id = randomBytes(32).toString('hex');
  return {
    id, name: `c-${id.slice(0, 8)}`, hostname: id.slice(0, 12), image: { id: 'sha256:x', ref: BUSYBOX },
    argv: ['true'], env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], workingDir: '', user: '',
    tty: false, openStdin: false, mounts: [], labels: {}, stateDir: join(tmpdir(), 'unused', id), memoryBytes: 0, ...over,
  };
}

let sim: TestSimulator;
let dir: string;
const tracer = new RecordingTracer();
let driver: CloudRunDriver;
beforeAll(async () => {
  sim = await startSimulator();
  dir = mkdtempSync(join(tmpdir(), 'sl-cloudrun-'));
  const options = cloudRunOptionsSchema.parse({ endpoint: sim.endpoint, project: PROJECT, region: LOCATION, maxAttempts: 1, agent: false });
  driver = await createCloudRunDriver({ instanceName: 'Test Instance', options, stateDir: dir, logger: silentLogger, tracer }, { agents: noAgents, simulators: noSimulators });
}, 120_000);
afterAll(async () => {
  await driver?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the identity fits Google\'s label rules and comes back whole; too many labels are a 400', () => {
  const s = spec({ name: 'My_Container.1', labels: { 'com.example/Team': 'Blue Ünïcode', empty: '' } });
  const labels = identityLabels(s, 'Test Instance', '2026-12-06T10:00:00.000Z');
  for (const [k, v] of Object.entries(labels)) {
    expect(k).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
    expect(v).toMatch(/^[a-z0-9_-]{0,63}$/);
  }
  expect(identityOfLabels(labels)).toEqual({
    containerId: s.id, instance: 'Test Instance',
    identity: { name: 'My_Container.1', image: BUSYBOX, created: '2026-12-06T10:00:00.000Z', labels: s.labels, pool: 'default' },
  });
  const huge = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, randomBytes(16).toString('hex')]));
  expect(() => identityLabels(spec({ labels: huge }), 'x', 'now')).toThrow(expect.objectContaining({ code: 'InvalidArgument', message: expect.stringContaining('too large for Cloud Run job labels') }));
});

test('a create whose image Cloud Run cannot resolve fails with 404 and leaves no job', async () => {
  const s = spec({ image: { id: 'sha256:y', ref: 'not-there:1' } });
  await expect(driver.create(s)).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining("run: NOT_FOUND: Image 'not-there:1' not found") });
  const [jobs] = await sim.jobs.listJobs({ parent: PARENT });
  expect(jobs.some((j) => j.name?.includes(s.id.slice(0, 52)))).toBe(false);
  expect((await driver.list()).map((w) => w.id)).not.toContain(s.id);
});

test('a job per container with its identity, a span per Google call', async () => {
  const s = spec({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 4'] });
  await driver.create(s);
  const proc = await driver.start(s);
  const read = async (stream: NodeJS.ReadableStream | null) => { let t = ''; for await (const c of stream ?? []) t += String(c); return t; };
  const [out, err, status] = await Promise.all([read(proc.stdout), read(proc.stderr), proc.exited]);
  expect({ out, err, status }).toEqual({ out: 'out\n', err: 'err\n', status: { exitCode: 4 } });
  const listed = (await driver.list()).find((w) => w.id === s.id);
  expect(listed).toMatchObject({ running: false, identity: { name: s.name, argv: s.argv, exitCode: 4 } });
  const names = new Set(tracer.names());
  for (const n of ['GCP run.CreateJob', 'GCP run.RunJob', 'GCP run.GetExecution', 'GCP logging.ListLogEntries', 'GCP run.ListTasks']) expect(names).toContain(n);
  await driver.remove(s.id);
  await driver.remove(s.id);
  expect((await driver.list()).map((w) => w.id)).not.toContain(s.id);
});

test('options are strict, and endpoint and simulator exclude each other', () => {
  expect(cloudRunOptionsSchema.safeParse({ regoin: 'x' }).success).toBe(false);
  expect(cloudRunOptionsSchema.safeParse({ endpoint: 'http://127.0.0.1:1', simulator: 'gcp' }).success).toBe(false);
  expect(cloudRunOptionsSchema.parse({})).toMatchObject({ region: 'us-central1', agent: true, taskTimeoutSeconds: 86400, maxAttempts: 3 });
});

test('a TTY, bind mounts and published ports are refused before any Google call, naming why', async () => {
  await expect(driver.create(spec({ tty: true }))).rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('TTY is not available on the Cloud Run backend') });
  await expect(driver.create(spec({ mounts: [{ type: 'bind', source: '/etc', target: '/x', readOnly: true }] as WorkloadSpec['mounts'] }))).rejects.toMatchObject({ code: 'NotImplemented' });
});
