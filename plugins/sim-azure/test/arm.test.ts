import { request } from 'node:http';
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { fixedCredential, https, RG, startSimulator, SUB, type TestSimulator } from './helpers';

/** ARM basics: HTTPS only, api-version, resource groups, case-insensitive ids, error shapes, throttling. */
describe('sim-azure: ARM basics', () => {
  let sim: TestSimulator;

  beforeAll(async () => { sim = await startSimulator({ quota: { ratePerSecond: 2, burst: 40 } }); });
  afterAll(async () => { await sim?.close(); });

  it('refuses plain HTTP with a message that says to use https', async () => {
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      request({ host: '127.0.0.1', port: sim.port, path: '/subscriptions', method: 'GET' }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      }).on('error', reject).end();
    });
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/HTTPS only.*https:\/\//);
  });

  it('serves TLS whole past the first bytes it reads to tell TLS from plain HTTP (a body of many records)', async () => {
    const answer = await https(sim, 'POST', '/nowhere?api-version=2021-04-01', { blob: 'x'.repeat(3_000_000) });
    expect(answer.status).toBe(404);
    expect(answer.json().error.code).toBe('NoRegisteredProviderFound');
    expect((await https(sim, 'GET', `/subscriptions/${SUB}/resourceGroups/none?api-version=2021-04-01`)).status).toBe(404);
  });

  it('fails a client without the CA: the certificate is not trusted', async () => {
    const untrusting = new ContainerAppsAPIClient(fixedCredential, SUB, { endpoint: sim.endpoint, $host: sim.endpoint, retryOptions: { maxRetries: 0 } });
    await expect(untrusting.jobs.get(RG, 'x')).rejects.toThrow(/self[- ]signed certificate/);
  });

  it('checks api-version: missing and unsupported', async () => {
    const path = `/subscriptions/${SUB}/resourceGroups/${RG}`;
    const missing = await https(sim, 'GET', path);
    expect(missing.status).toBe(400);
    expect(missing.json().error.code).toBe('MissingApiVersionParameter');
    const bad = await https(sim, 'GET', `${path}/providers/Microsoft.App/jobs/j?api-version=1999-01-01`);
    expect(bad.status).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'InvalidApiVersionParameter', message: expect.stringContaining("'1999-01-01' is invalid") });
  });

  it('creates, reads (any case), lists and deletes resource groups, with ARM error shapes', async () => {
    const created = await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/GroupOne?api-version=2021-04-01`, { location: 'eastus' });
    expect(created.status).toBe(201);
    const got = await https(sim, 'GET', `/subscriptions/${SUB}/resourcegroups/groupone?api-version=2021-04-01`);
    expect(got.json()).toMatchObject({ name: 'GroupOne', id: `/subscriptions/${SUB}/resourceGroups/GroupOne`, properties: { provisioningState: 'Succeeded' } });
    const list = await https(sim, 'GET', `/subscriptions/${SUB}/resourcegroups?api-version=2021-04-01`);
    expect(list.json().value.map((g: { name: string }) => g.name)).toContain('GroupOne');
    const badJson = await https(sim, 'PUT', `/subscriptions/${SUB}/resourceGroups/g2?api-version=2021-04-01`, '{not json');
    expect(badJson.json().error.code).toBe('InvalidRequestContent');
    expect((await https(sim, 'DELETE', `/subscriptions/${SUB}/resourceGroups/GROUPONE?api-version=2021-04-01`)).status).toBe(200);
    const gone = await https(sim, 'GET', `/subscriptions/${SUB}/resourceGroups/GroupOne?api-version=2021-04-01`);
    expect(gone.status).toBe(404);
    expect(gone.json().error.code).toBe('ResourceGroupNotFound');
  });

  it('throttles past its quota with 429 TooManyRequests and Retry-After, which the SDK waits out', async () => {
    const path = `/subscriptions/${SUB}/resourcegroups?api-version=2021-04-01`;
    let throttled;
    for (let i = 0; i < 60 && !throttled; i++) {
      const r = await https(sim, 'GET', path);
      if (r.status === 429) throttled = r;
    }
    expect(throttled?.json().error.code).toBe('TooManyRequests');
    expect(Number(throttled?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The SDK's retry policy (its throttling strategy, given retries) waits Retry-After out, then gets the answer.
    const retrying = new ContainerAppsAPIClient(fixedCredential, SUB, { endpoint: sim.endpoint, $host: sim.endpoint, tlsOptions: { ca: sim.ca }, retryOptions: { maxRetries: 3 } });
    const t0 = Date.now();
    await expect(retrying.jobs.get(RG, 'nothing')).rejects.toMatchObject({ statusCode: 404 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });
});
