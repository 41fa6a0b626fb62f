/** The Container Apps driver's own rules against the Azure simulator: tags, a failed create, options, TLS, spans. */
import { randomBytes } from 'node:crypto';
import { identityFromTags, type WorkloadSpec } from '@sockerless/sdk';
import { RecordingTracer, silentLogger } from '@sockerless/sdk/testing';
import { driverOnSimulator, noAgents, noSimulators, runToTheEnd, workloadSpec, type DriverOnSimulator } from '../../../test/support/cloud-backend';
import { startSimulator, BUSYBOX, SUB, type TestSimulator } from '../../sim-azure/test/helpers';
import { createAcaDriver, type AcaDriver } from '../src/driver';
import { jobBody, jobNameOf, jobTags } from '../src/job';
import { acaOptionsSchema } from '../src/options';
import { OFF_AZURE_SUBSCRIPTION } from '../src/place';

const tracer = new RecordingTracer();
const ctx = (options: unknown, instanceName = 'Test Instance') => ({ instanceName, options: acaOptionsSchema.parse(options), stateDir: azure.stateDir, logger: silentLogger, tracer });
const onSimulator = (sim: TestSimulator) => ({ subscription: SUB, endpoint: sim.endpoint, caFile: sim.caFile, maxAttempts: 1, agent: false });
const azure: DriverOnSimulator<TestSimulator, AcaDriver> = driverOnSimulator(startSimulator, (sim) => createAcaDriver(ctx(onSimulator(sim)), { agents: noAgents, simulators: noSimulators }));

test('the identity fits Azure\'s tag rules and comes back whole; too many labels are a 400', () => {
  const s = workloadSpec({ name: 'My_Container.1', labels: { 'com.example/Team': 'Blue Ünïcode', empty: '' } });
  const tags = jobTags(s, 'Test Instance', '2026-12-06T10:00:00.000Z');
  expect(Object.keys(tags).length).toBeLessThanOrEqual(50);
  for (const [k, v] of Object.entries(tags)) {
    expect(k).not.toMatch(/[<>%&\\?/]/);
    expect(v.length).toBeLessThanOrEqual(256);
  }
  expect(identityFromTags(tags)).toEqual({ name: 'My_Container.1', image: BUSYBOX, created: '2026-12-06T10:00:00.000Z', labels: s.labels, pool: 'default' });
  expect(jobNameOf(s.id)).toMatch(/^[a-z][a-z0-9-]{1,31}$/);
  const huge = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, randomBytes(16).toString('hex')]));
  expect(() => jobTags(workloadSpec({ labels: huge }), 'x', 'now')).toThrow(expect.objectContaining({ code: 'InvalidArgument', message: expect.stringContaining('too large for Azure tags') }));
});

test('a create whose image ACA cannot pull fails with 400 naming ARM\'s code and leaves no job', async () => {
  const s = workloadSpec({ image: { id: 'sha256:y', ref: 'not-there:1' } });
  await expect(azure.driver.create(s)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('InvalidParameterValueInContainerTemplate') });
  const names = [];
  for await (const j of azure.sim.apps.jobs.listBySubscription()) names.push(j.name);
  expect(names).not.toContain(jobNameOf(s.id));
  expect((await azure.driver.list()).map((w) => w.id)).not.toContain(s.id);
});

test('a job per container with its identity in tags; output from Log Analytics; a span per Azure call', async () => {
  const s = workloadSpec({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 4'], labels: { team: 'blue' } });
  expect(await runToTheEnd(azure.driver, s)).toEqual({ out: 'out\n', err: 'err\n', status: { exitCode: 4 } });
  const listed = (await azure.driver.list()).find((w) => w.id === s.id);
  expect(listed).toMatchObject({ running: false, identity: { name: s.name, argv: s.argv, exitCode: 4, labels: { team: 'blue' } } });
  const job = await azure.sim.apps.jobs.get('sockerless', jobNameOf(s.id));
  expect(job.configuration).toMatchObject({ triggerType: 'Manual', replicaRetryLimit: 0, manualTriggerConfig: { replicaCompletionCount: 1, parallelism: 1 } });
  const names = new Set(tracer.names());
  for (const n of ['Azure containerapps.CreateJob', 'Azure containerapps.StartJob', 'Azure containerapps.GetJobExecution', 'Azure loganalytics.QueryWorkspace']) expect(names).toContain(n);
  expect(tracer.spans.find((x) => x.name === 'Azure containerapps.StartJob')?.attributes['azure.request_id']).toMatch(/^[0-9a-f-]{36}$/);
  await azure.driver.remove(s.id);
  await azure.driver.remove(s.id);
  expect((await azure.driver.list()).map((w) => w.id)).not.toContain(s.id);
});

test('another instance on the same environment sees none of these jobs', async () => {
  const other = await createAcaDriver(ctx(onSimulator(azure.sim), 'Other'), { agents: noAgents, simulators: noSimulators });
  const s = workloadSpec();
  await azure.driver.create(s);
  expect((await other.list()).map((w) => w.id)).not.toContain(s.id);
  expect((await azure.driver.list()).map((w) => w.id)).toContain(s.id);
  await azure.driver.remove(s.id);
  await other.close();
});

test('options are strict; endpoint and simulator exclude each other; http, a wrong CA and provisioning on Azure are refused', async () => {
  expect(acaOptionsSchema.safeParse({ regoin: 'x' }).success).toBe(false);
  expect(acaOptionsSchema.safeParse({ endpoint: 'https://127.0.0.1:1', simulator: 'azure' }).success).toBe(false);
  expect(acaOptionsSchema.parse({})).toMatchObject({ resourceGroup: 'sockerless', environment: 'sockerless', agent: true, replicaTimeoutSeconds: 86400, maxAttempts: 3 });
  await expect(createAcaDriver(ctx({ endpoint: azure.sim.endpoint.replace('https:', 'http:') }), { agents: noAgents, simulators: noSimulators }))
    .rejects.toThrow(/send their bearer token over https only/);
  await expect(createAcaDriver(ctx({ endpoint: azure.sim.endpoint }), { agents: noAgents, simulators: noSimulators }))
    .rejects.toThrow(/backend 'Test Instance': Azure endpoint https:\/\/127\.0\.0\.1:\d+: its TLS certificate is not trusted .*caFile/);
  await expect(createAcaDriver(ctx({ subscription: OFF_AZURE_SUBSCRIPTION, provision: true }), { agents: noAgents, simulators: noSimulators }))
    .rejects.toThrow(/provision works at a simulator's endpoint only/);
});

test('a TTY, bind mounts and published ports are refused before any Azure call, naming why', async () => {
  await expect(azure.driver.create(workloadSpec({ tty: true }))).rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('TTY is not available on the Container Apps backend') });
  await expect(azure.driver.create(workloadSpec({ mounts: [{ type: 'bind', source: '/etc', target: '/x', readOnly: true }] as WorkloadSpec['mounts'] }))).rejects.toMatchObject({ code: 'NotImplemented' });
});

test('a private registry goes in the job as a registry with its password in a secret, never in a tag; --memory sets the replica\'s memory', () => {
  const options = acaOptionsSchema.parse({ endpoint: 'https://127.0.0.1:1', registry: { server: 'myreg.azurecr.io', username: 'bot', password: 's3cret' }, agent: false });
  const s = workloadSpec({ argv: ['sh', '-c', 'true'], memoryBytes: 3 * 2 ** 30 + 1 });
  const tags = jobTags(s, 'i', 'now');
  const body = jobBody({ spec: s, options, environmentId: '/env', tags, agentEnv: [] });
  expect(body.configuration).toMatchObject({
    registries: [{ server: 'myreg.azurecr.io', username: 'bot', passwordSecretRef: 'registry-password' }],
    secrets: [{ name: 'registry-password', value: 's3cret' }],
  });
  expect(JSON.stringify(body.tags)).not.toContain('s3cret');
  expect(body.template?.containers?.[0]).toMatchObject({ command: ['sh'], args: ['-c', 'true'], resources: { cpu: 0.5, memory: '3.5Gi' } });
});
