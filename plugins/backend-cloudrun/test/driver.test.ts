/** The Cloud Run driver's own rules against the Google Cloud simulator: labels, a failed create, options, spans. */
import { randomBytes } from 'node:crypto';
import type { WorkloadSpec } from '@sockerless/sdk';
import { RecordingTracer, silentLogger } from '@sockerless/sdk/testing';
import { driverOnSimulator, noAgents, noSimulators, runToTheEnd, workloadSpec } from '../../../test/support/cloud-backend';
import { startSimulator, BUSYBOX, LOCATION, PARENT, PROJECT } from '../../sim-gcp/test/helpers';
import { createCloudRunDriver } from '../src/driver';
import { identityLabels, identityOfLabels } from '../src/labels';
import { cloudRunOptionsSchema } from '../src/options';

const tracer = new RecordingTracer();
const gcp = driverOnSimulator(startSimulator, (sim, stateDir) => {
  const options = cloudRunOptionsSchema.parse({ endpoint: sim.endpoint, project: PROJECT, region: LOCATION, maxAttempts: 1, agent: false });
  return createCloudRunDriver({ instanceName: 'Test Instance', options, stateDir, logger: silentLogger, tracer }, { agents: noAgents, simulators: noSimulators });
});

test('the identity fits Google\'s label rules and comes back whole; too many labels are a 400', () => {
  const s = workloadSpec({ name: 'My_Container.1', labels: { 'com.example/Team': 'Blue Ünïcode', empty: '' } });
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
  expect(() => identityLabels(workloadSpec({ labels: huge }), 'x', 'now')).toThrow(expect.objectContaining({ code: 'InvalidArgument', message: expect.stringContaining('too large for Cloud Run job labels') }));
});

test('a create whose image Cloud Run cannot resolve fails with 404 and leaves no job', async () => {
  const s = workloadSpec({ image: { id: 'sha256:y', ref: 'not-there:1' } });
  await expect(gcp.driver.create(s)).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining("run: NOT_FOUND: Image 'not-there:1' not found") });
  const [jobs] = await gcp.sim.jobs.listJobs({ parent: PARENT });
  expect(jobs.some((j) => j.name?.includes(s.id.slice(0, 52)))).toBe(false);
  expect((await gcp.driver.list()).map((w) => w.id)).not.toContain(s.id);
});

test('a job per container with its identity, a span per Google call', async () => {
  const s = workloadSpec({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 4'] });
  expect(await runToTheEnd(gcp.driver, s)).toEqual({ out: 'out\n', err: 'err\n', status: { exitCode: 4 } });
  const listed = (await gcp.driver.list()).find((w) => w.id === s.id);
  expect(listed).toMatchObject({ running: false, identity: { name: s.name, argv: s.argv, exitCode: 4 } });
  const names = new Set(tracer.names());
  for (const n of ['GCP run.CreateJob', 'GCP run.RunJob', 'GCP run.GetExecution', 'GCP logging.ListLogEntries', 'GCP run.ListTasks']) expect(names).toContain(n);
  await gcp.driver.remove(s.id);
  await gcp.driver.remove(s.id);
  expect((await gcp.driver.list()).map((w) => w.id)).not.toContain(s.id);
});

test('options are strict, and endpoint and simulator exclude each other', () => {
  expect(cloudRunOptionsSchema.safeParse({ regoin: 'x' }).success).toBe(false);
  expect(cloudRunOptionsSchema.safeParse({ endpoint: 'http://127.0.0.1:1', simulator: 'gcp' }).success).toBe(false);
  expect(cloudRunOptionsSchema.parse({})).toMatchObject({ region: 'us-central1', agent: true, taskTimeoutSeconds: 86400, maxAttempts: 3 });
});

test('a TTY, bind mounts and published ports are refused before any Google call, naming why', async () => {
  await expect(gcp.driver.create(workloadSpec({ tty: true }))).rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('TTY is not available on the Cloud Run backend') });
  await expect(gcp.driver.create(workloadSpec({ mounts: [{ type: 'bind', source: '/etc', target: '/x', readOnly: true }] as WorkloadSpec['mounts'] }))).rejects.toMatchObject({ code: 'NotImplemented' });
});
