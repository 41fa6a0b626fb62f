/**
 * The shared Azure pieces against the Azure simulator through the official clients (HTTPS, its CA trusted):
 * the ARM error mapper on Azure's real answers, the retry of a throttle after its Retry-After, the clients'
 * endpoint and CA rules, the Log Analytics follower and a span per call.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingTracer } from '@sockerless/sdk/testing';
import { prepareEnvironment, RG, shellJob, startSimulator, SUB, until, type TestSimulator } from '../../../plugins/sim-azure/test/helpers';
import { azureCall, azureClientOptions, ConsoleLogFollower, containerAppsClient, logsQueryClient, mapAzureError, probeAzureEndpoint, traceAzureCall, type WorkspaceQuerier } from '../src';

let sim: TestSimulator;
let environmentId: string;
let workspaceId: string;
const dir = mkdtempSync(join(tmpdir(), 'sl-cloud-azure-'));
beforeAll(async () => {
  sim = await startSimulator();
  ({ environmentId, workspaceId } = await prepareEnvironment(sim));
}, 120_000);
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => { throw new Error('the call succeeded'); }, (err: unknown) => err);
}

test('ARM\'s answers become Docker\'s statuses, with a message naming the service and ARM\'s code', async () => {
  const apps = await containerAppsClient({ subscription: SUB, endpoint: sim.endpoint, caFile: sim.caFile });
  expect(mapAzureError(await failure(apps.jobs.get(RG, 'nope')), 'containerapps')).toMatchObject({ code: 'NotFound', message: expect.stringMatching(/^containerapps: ResourceNotFound: .*nope/) });
  expect(mapAzureError(await failure(apps.jobs.get('nogroup', 'x')), 'containerapps')).toMatchObject({ code: 'NotFound', message: expect.stringContaining('ResourceGroupNotFound') });
  const bad = await failure(apps.jobs.beginCreateOrUpdateAndWait(RG, 'bad', { location: 'eastus', environmentId } as never));
  expect(mapAzureError(bad, 'containerapps')).toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('containerapps: InvalidRequestContent: ') });
  await apps.jobs.beginCreateOrUpdateAndWait(RG, 'user', shellJob(environmentId, 'true'));
  const inUse = await failure(apps.managedEnvironments.beginDeleteAndWait(RG, 'env1'));
  expect(mapAzureError(inUse, 'containerapps')).toMatchObject({ code: 'Conflict', message: expect.stringContaining('containerapps: Conflict: ') });
  // An LRO that fails (an image the registry does not have): the operation's own code.
  const noImage = shellJob(environmentId, 'true');
  noImage.template.containers[0].image = 'nosuch/image:1';
  const lro = await failure(apps.jobs.beginCreateOrUpdateAndWait(RG, 'noimage', noImage));
  expect(mapAzureError(lro, 'containerapps')).toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('InvalidParameterValueInContainerTemplate') });
});

test('nothing listening, a CA not trusted and plain http fail with messages that say why', async () => {
  const gone = await containerAppsClient({ subscription: SUB, endpoint: 'https://127.0.0.1:9', caFile: sim.caFile });
  // The token is asked first, of the same endpoint.
  expect(mapAzureError(await failure(gone.jobs.get(RG, 'x')), 'containerapps')).toMatchObject({ code: 'Unavailable', message: expect.stringContaining('containerapps: no Azure token') });
  await expect(probeAzureEndpoint({ subscription: SUB, endpoint: 'https://127.0.0.1:9' })).rejects.toThrow(/127\.0\.0\.1:9: .*ECONNREFUSED/);
  expect(mapAzureError(new Error('socket hang up'), 'containerapps')).toMatchObject({ code: 'Unavailable', message: 'containerapps: Azure is unreachable: socket hang up' });
  const otherCa = join(dir, 'other-ca.pem');
  writeFileSync(otherCa, (await import('node:tls')).rootCertificates[0]);
  const untrusting = await containerAppsClient({ subscription: SUB, endpoint: sim.endpoint, caFile: otherCa });
  // The token is asked of the simulator first, and MSAL's own message names neither TLS nor the CA.
  expect(mapAzureError(await failure(untrusting.jobs.get(RG, 'x')), 'containerapps')).toMatchObject({ code: 'Unavailable', message: expect.stringContaining('containerapps: no Azure token: ') });
  // The probe a backend makes at start says why.
  await expect(probeAzureEndpoint({ subscription: SUB, endpoint: sim.endpoint, caFile: otherCa })).rejects.toThrow(/TLS certificate is not trusted .*caFile .*other-ca\.pem is not the CA/);
  await expect(probeAzureEndpoint({ subscription: SUB, endpoint: sim.endpoint })).rejects.toThrow(/not trusted .*give the CA file to trust as the caFile option/);
  await expect(probeAzureEndpoint({ subscription: SUB, endpoint: sim.endpoint, caFile: sim.caFile })).resolves.toBeUndefined();
  const plain = createServer((_req, res) => res.end('plain')).listen(0, '127.0.0.1');
  await once(plain, 'listening');
  try {
    await expect(probeAzureEndpoint({ subscription: SUB, endpoint: `https://127.0.0.1:${(plain.address() as AddressInfo).port}` })).rejects.toThrow(/does not speak TLS/);
  } finally {
    plain.close();
  }
  expect(() => azureClientOptions({ subscription: SUB, endpoint: sim.endpoint.replace('https:', 'http:') })).toThrow(/must be https:\/\//);
  expect(() => azureClientOptions({ subscription: SUB, endpoint: sim.endpoint, caFile: join(dir, 'missing.pem') })).toThrow(/caFile .*missing\.pem/);
});

test('a throttle is retried after its Retry-After, then answers 503 naming it', async () => {
  const limited = await startSimulator({ quota: { ratePerSecond: 0.001, burst: 1 } });
  try {
    const apps = await containerAppsClient({ subscription: SUB, endpoint: limited.endpoint, caFile: limited.caFile });
    let calls = 0;
    const call = () => { calls++; return apps.jobs.get(RG, 'any'); };
    await expect(azureCall(call, 'containerapps', { attempts: 1 })).rejects.toMatchObject({ code: 'NotFound' });
    // The simulator's Retry-After is far longer than a test waits: the retries end at once, naming the throttle.
    await expect(azureCall(call, 'containerapps', { attempts: 3, maxDelayMs: 10 })).rejects.toMatchObject({
      code: 'Unavailable', message: expect.stringMatching(/^containerapps: TooManyRequests: .*throttled.*\(after 1 attempt\)$/),
    });
    let flaky = 0;
    const recovered = await azureCall(async () => {
      if (++flaky < 3) throw Object.assign(new Error('busy'), { statusCode: 503, response: { status: 503, headers: { get: () => undefined } } });
      return 'ok';
    }, 'containerapps', { attempts: 3, baseDelayMs: 5 });
    expect([recovered, flaky]).toEqual(['ok', 3]);
    expect(calls).toBe(2);
  } finally {
    await limited.close();
  }
});

test('the follower returns each console line of one execution once, as it arrives, in order', async () => {
  const conn = { subscription: SUB, endpoint: sim.endpoint, caFile: sim.caFile };
  const [apps, logs] = await Promise.all([containerAppsClient(conn), logsQueryClient(conn)]);
  await apps.jobs.beginCreateOrUpdateAndWait(RG, 'follow', shellJob(environmentId, 'echo a; echo b >&2; sleep 1; echo c; echo c'));
  const from = new Date(Date.now() - 1000);
  const started = await apps.jobs.beginStartAndWait(RG, 'follow');
  const follower = new ConsoleLogFollower(logs as unknown as WorkspaceQuerier, workspaceId, 'follow', started.name!, from);
  const seen: string[] = [];
  await until(async () => {
    for (const l of await follower.read()) seen.push(`${l.stream}:${l.text}`);
    return seen.length >= 4 ? true : undefined;
  }, 'four lines');
  expect(seen.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:a', 'stdout:c', 'stdout:c']);
  expect(seen.filter((l) => l.startsWith('stderr:'))).toEqual(['stderr:b']);
  expect(await follower.read()).toEqual([]);
});

test('a span per Azure call, with the request ids and, on a failure, the status and ARM\'s code', async () => {
  const apps = await containerAppsClient({ subscription: SUB, endpoint: sim.endpoint, caFile: sim.caFile });
  const tracer = new RecordingTracer();
  await traceAzureCall(tracer, 'containerapps', 'GetEnvironment', (o) => apps.managedEnvironments.get(RG, 'env1', o));
  await traceAzureCall(tracer, 'containerapps', 'GetJob', (o) => apps.jobs.get(RG, 'nope', o)).catch(() => undefined);
  expect(tracer.spans.map((s) => [s.name, s.kind, s.ended])).toEqual([['Azure containerapps.GetEnvironment', 'client', true], ['Azure containerapps.GetJob', 'client', true]]);
  expect(tracer.spans[0].attributes).toMatchObject({ 'rpc.system': 'azure-api', 'rpc.service': 'containerapps', 'rpc.method': 'GetEnvironment', 'azure.client_request_id': expect.stringMatching(/^[0-9a-f-]{36}$/), 'azure.request_id': expect.stringMatching(/^[0-9a-f-]{36}$/), 'http.response.status_code': 200 });
  expect(tracer.spans[1].attributes).toMatchObject({ 'http.response.status_code': 404, 'azure.error_code': 'ResourceNotFound' });
  expect(tracer.spans[1].errors.length).toBe(1);
});
