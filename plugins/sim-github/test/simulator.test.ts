/** The GitHub simulator in-process, over HTTP with fetch: auth, runners, the runner protocol, signed webhooks. */
import { createHmac, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@sockerless/sdk/testing';
import { createGitHubSimulator, type GitHubSimulator } from '../src';

let dir: string;
let sim: GitHubSimulator;
let base: string;
let app: { appId: number; installationId: number; privateKey: string; token: string };
let hookServer: Server;
const deliveries: Array<{ headers: Record<string, unknown>; body: string }> = [];
const deliveryWaiters: Array<() => void> = [];

function jwt(key: string, claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), createPrivateKey(key)).toString('base64url')}`;
}

async function call(method: string, path: string, auth?: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, { method, headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

const untilDeliveries = (n: number) => new Promise<void>((resolve) => {
  const check = () => (deliveries.length >= n ? resolve() : deliveryWaiters.push(check));
  check();
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sim-github-'));
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(202).end();
      for (const w of deliveryWaiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
  const hookPort = (hookServer.address() as { port: number }).port;
  sim = createGitHubSimulator(silentLogger, { stateDir: dir, tokenTtlSeconds: 3600, hook: { url: `http://127.0.0.1:${hookPort}/hook`, secret: 's3cret' } });
  base = (await sim.start({ host: '127.0.0.1', port: 0 })).endpoint;
  app = (await call('GET', '/_sim/app')).json();
});
afterAll(async () => {
  await sim?.stop();
  hookServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an app JWT buys an installation token; a JWT of another key, a stale one and a bad token are 401', async () => {
  const now = Math.floor(Date.now() / 1000);
  const good = jwt(app.privateKey, { iss: String(app.appId), iat: now - 60, exp: now + 540 });
  const bought = await call('POST', `/app/installations/${app.installationId}/access_tokens`, `Bearer ${good}`);
  expect(bought.status).toBe(201);
  const { token, expires_at } = bought.json();
  expect(token).toMatch(/^ghs_/);
  expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(3500_000);
  expect((await call('GET', '/repos/acme/app/actions/runs', `token ${token}`)).status).toBe(200);

  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forged = await call('POST', `/app/installations/${app.installationId}/access_tokens`, `Bearer ${jwt(other, { iss: String(app.appId), iat: now, exp: now + 60 })}`);
  expect(forged).toMatchObject({ status: 401 });
  expect(forged.json().message).toBe('A JSON web token could not be decoded');
  expect((await call('POST', `/app/installations/${app.installationId}/access_tokens`, `Bearer ${jwt(app.privateKey, { iss: String(app.appId), iat: now - 700, exp: now - 60 })}`)).status).toBe(401);
  expect((await call('GET', '/repos/acme/app/actions/runs', 'token ghs_nope')).json()).toMatchObject({ message: 'Bad credentials' });
});

test('generate-jitconfig registers a runner once per name; a busy runner cannot be deleted; the runner protocol runs a job', async () => {
  const auth = `token ${app.token}`;
  const made = await call('POST', '/repos/acme/app/actions/runners/generate-jitconfig', auth, { name: 'r1', labels: ['self-hosted', 'linux'], runner_group_id: 1 });
  expect(made.status).toBe(201);
  const { runner, encoded_jit_config } = made.json();
  expect(runner).toMatchObject({ name: 'r1', status: 'offline', busy: false, labels: [{ name: 'self-hosted' }, { name: 'linux' }] });
  expect((await call('POST', '/repos/acme/app/actions/runners/generate-jitconfig', auth, { name: 'r1', labels: ['x'] })).status).toBe(409);
  const jit = JSON.parse(Buffer.from(encoded_jit_config, 'base64').toString());
  expect(jit).toMatchObject({ url: base, runnerId: runner.id, name: 'r1' });

  const before = deliveries.length;
  const job = (await call('POST', '/_sim/jobs', undefined, { repo: 'acme/app', labels: ['self-hosted', 'linux'], script: 'echo hi' })).json();
  const poll = await fetch(`${base}/_runner/${runner.id}/job?wait=5000`, { headers: { authorization: `RemoteAuth ${jit.secret}` } });
  expect(await poll.text()).toBe(`job ${job.id}\necho hi\n`);
  expect((await call('DELETE', `/repos/acme/app/actions/runners/${runner.id}`, auth)).status).toBe(422);
  const report = await fetch(`${base}/_runner/${runner.id}/jobs/${job.id}/complete`, { method: 'POST', headers: { authorization: `RemoteAuth ${jit.secret}`, 'x-exit-code': '0' }, body: 'hi\n' });
  expect(report.status).toBe(200);
  const rest = (await call('GET', `/repos/acme/app/actions/jobs/${job.id}`, auth)).json();
  expect(rest).toMatchObject({ status: 'completed', conclusion: 'success', runner_name: 'r1', labels: ['self-hosted', 'linux'] });
  // Ephemeral: unregistered once it reported.
  expect((await call('GET', '/repos/acme/app/actions/runners', auth)).json()).toEqual({ total_count: 0, runners: [] });
  expect((await call('DELETE', `/repos/acme/app/actions/runners/${runner.id}`, auth)).status).toBe(404);

  await untilDeliveries(before + 3);
  const mine = deliveries.slice(before).map((d) => JSON.parse(d.body) as { action: string; workflow_job: { id: number } }).filter((p) => p.workflow_job.id === job.id);
  expect(mine.map((p) => p.action)).toEqual(['queued', 'in_progress', 'completed']);
});

test('every delivery is signed X-Hub-Signature-256 over its exact body, and a redelivery keeps its GUID', async () => {
  const before = deliveries.length;
  const job = (await call('POST', '/_sim/jobs', undefined, { repo: 'acme/app', labels: ['gpu'] })).json();
  await untilDeliveries(before + 1);
  const d = deliveries[before];
  expect(d.headers['x-github-event']).toBe('workflow_job');
  expect(d.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', 's3cret').update(d.body).digest('hex')}`);
  expect(JSON.parse(d.body)).toMatchObject({ action: 'queued', workflow_job: { id: job.id, status: 'queued', labels: ['gpu'] }, repository: { full_name: 'acme/app' }, installation: { id: app.installationId } });
  const recorded = (await call('GET', '/_sim/deliveries')).json().find((x: { jobId: number }) => x.jobId === job.id);
  expect((await call('POST', `/_sim/deliveries/${recorded.id}/redeliver`)).status).toBe(202);
  await untilDeliveries(before + 2);
  expect(deliveries[before + 1].headers['x-github-delivery']).toBe(d.headers['x-github-delivery']);
  expect(deliveries[before + 1].body).toBe(d.body);
  await call('POST', `/_sim/jobs/${job.id}/cancel`);
});

test('an organisation runner serves every repository of the organisation, and only jobs whose labels it has', async () => {
  const auth = `token ${app.token}`;
  const { runner, encoded_jit_config } = (await call('POST', '/orgs/acme/actions/runners/generate-jitconfig', auth, { name: 'org-1', labels: ['self-hosted', 'linux', 'big'] })).json();
  const jit = JSON.parse(Buffer.from(encoded_jit_config, 'base64').toString());
  const other = (await call('POST', '/_sim/jobs', undefined, { repo: 'acme/site', labels: ['self-hosted', 'gpu'] })).json();
  const mine = (await call('POST', '/_sim/jobs', undefined, { repo: 'acme/site', labels: ['self-hosted', 'big'] })).json();
  const poll = await fetch(`${base}/_runner/${runner.id}/job?wait=5000`, { headers: { authorization: `RemoteAuth ${jit.secret}` } });
  expect((await poll.text()).split('\n')[0]).toBe(`job ${mine.id}`);
  expect((await call('GET', '/orgs/acme/actions/runners', auth)).json().runners).toMatchObject([{ name: 'org-1', busy: true }]);
  expect((await call('GET', `/_sim/jobs/${other.id}`)).json()).toMatchObject({ status: 'queued', runner_name: null });
  await call('POST', `/_sim/jobs/${other.id}/cancel`);
});
