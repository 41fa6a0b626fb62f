/**
 * No client can take the daemon down (issue 13, item 1): every streaming endpoint has its client socket
 * closed or reset, its container removed and its workload killed, in each order that makes sense, against ONE
 * daemon, which must still answer `/_ping` afterwards and count no uncaught error on /metrics.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api } from '../support/raw-http';
import { openRawStream, uncaughtErrors, type RawStream } from '../support/raw-stream';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

/**
 * A registry that answers `/v2/` and then never answers anything else, so a pull is mid-stream when the
 * client goes. `asked()` resolves at its next stalled request: the pull is under way then.
 */
function stallingRegistry() {
  const stalled: ServerResponse[] = [];
  let waiting: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url === '/v2/') { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{}'); return; }
    stalled.push(res);
    for (const w of waiting.splice(0)) w();
  });
  return {
    listen: () => new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r())),
    get host() { return `127.0.0.1:${(server.address() as AddressInfo).port}`; },
    asked: () => new Promise<void>((r) => waiting.push(r)),
    close: () => new Promise<void>((r) => { for (const res of stalled) res.destroy(); waiting = []; server.close(() => r()); }),
  };
}

let e: E2E;
const registry = stallingRegistry();
beforeAll(async () => { await registry.listen(); e = await startE2E(); });
afterAll(async () => { await e?.dispose(); await registry.close(); });

const call = (method: string, path: string, body?: string | Buffer) => api(e.daemon.socket, method, path, body);
const json = (v: unknown) => JSON.stringify(v);

async function runningContainer(opts: { tty?: boolean; cmd?: string[] } = {}): Promise<string> {
  const r = await call('POST', '/v1.50/containers/create', json({
    Image: BUSYBOX, Cmd: opts.cmd ?? ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'], Tty: opts.tty ?? false,
    OpenStdin: true, AttachStdin: true, AttachStdout: true, AttachStderr: true,
  }));
  expect(r.status).toBe(201);
  const id = r.json().Id as string;
  expect((await call('POST', `/v1.50/containers/${id}/start`)).status).toBe(204);
  return id;
}

async function execOf(id: string, tty: boolean): Promise<string> {
  const r = await call('POST', `/v1.50/containers/${id}/exec`, json({ Cmd: ['sh', '-c', 'while true; do echo x; sleep 0.2; done'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: tty }));
  expect(r.status).toBe(201);
  return r.json().Id as string;
}

async function expectAlive(): Promise<void> {
  expect((await call('GET', '/_ping')).text).toBe('OK');
  const uncaught = await uncaughtErrors(e.daemon.socket);
  // The daemon's log names what escaped, which is what a failure here needs to show.
  expect({ uncaught, log: uncaught ? e.daemon.output().slice(-6000) : '' }).toEqual({ uncaught: 0, log: '' });
}

test('regression: an exec without a TTY over a hijacked connection survives rm -f of its container, then the socket closing', async () => {
  const id = await runningContainer();
  const exec = await execOf(id, false);
  const stream = openRawStream(e.daemon.socket, { method: 'POST', path: `/v1.50/exec/${exec}/start`, body: json({ Detach: false, Tty: false }), upgrade: true, headers: { 'Content-Type': 'application/json' } });
  expect(await stream.headers).toMatch(/^HTTP\/1.1 101/);
  expect((await call('DELETE', `/v1.50/containers/${id}?force=1`)).status).toBe(204);
  await stream.end();
  await expectAlive();
});

type Action = 'close' | 'reset' | 'rm' | 'kill';
/** The orders a client's clean-up takes: drop the stream first or last, remove with or without a kill. */
const ORDERS: Action[][] = [['close'], ['reset'], ['rm', 'close'], ['kill', 'reset'], ['close', 'rm'], ['reset', 'kill', 'rm'], ['kill', 'rm', 'close']];

interface Opened { stream: RawStream; container: string }
interface StreamKind { name: string; tty?: boolean; open(container: string): Promise<RawStream> }

const upgradeStream = (path: string, body = '') => openRawStream(e.daemon.socket, { method: 'POST', path, body, upgrade: true, headers: { 'Content-Type': 'application/json' } });
const plainStream = (method: string, path: string, body = '') => openRawStream(e.daemon.socket, { method, path, body, headers: body ? { 'Content-Type': 'application/json' } : {} });
const opened = async (s: RawStream, status: RegExp = /^HTTP\/1.1 (101|200)/) => { expect(await s.headers).toMatch(status); return s; };
const ATTACH_QUERY = 'stream=1&stdin=1&stdout=1&stderr=1';

const KINDS: StreamKind[] = [
  { name: 'attach hijacked', open: async (c) => opened(upgradeStream(`/v1.50/containers/${c}/attach?${ATTACH_QUERY}`)) },
  { name: 'attach hijacked tty', tty: true, open: async (c) => opened(upgradeStream(`/v1.50/containers/${c}/attach?${ATTACH_QUERY}`)) },
  { name: 'attach plain', open: async (c) => opened(plainStream('POST', `/v1.50/containers/${c}/attach?stream=1&stdout=1&stderr=1`)) },
  { name: 'exec hijacked', open: async (c) => opened(upgradeStream(`/v1.50/exec/${await execOf(c, false)}/start`, json({ Tty: false }))) },
  { name: 'exec hijacked tty', tty: true, open: async (c) => opened(upgradeStream(`/v1.50/exec/${await execOf(c, true)}/start`, json({ Tty: true }))) },
  { name: 'exec plain', open: async (c) => opened(plainStream('POST', `/v1.50/exec/${await execOf(c, false)}/start`, json({ Tty: false }))) },
  { name: 'logs follow', open: async (c) => opened(plainStream('GET', `/v1.50/containers/${c}/logs?follow=1&stdout=1&stderr=1`)) },
  { name: 'events', open: async () => opened(plainStream('GET', '/v1.50/events')) },
  { name: 'wait', open: async (c) => { const s = plainStream('POST', `/v1.50/containers/${c}/wait`); return opened(s); } },
  { name: 'archive get', open: async (c) => opened(plainStream('GET', `/v1.50/containers/${c}/archive?path=/bin`)) },
  // A PUT whose body never completes: the daemon is waiting for the rest of the tar.
  { name: 'archive put (unfinished body)', open: async (c) => openRawStream(e.daemon.socket, { method: 'PUT', path: `/v1.50/containers/${c}/archive?path=/tmp`, body: Buffer.alloc(700, 1), contentLength: 1 << 20, headers: { 'Content-Type': 'application/x-tar' } }) },
  { name: 'images/load (unfinished body)', open: async () => openRawStream(e.daemon.socket, { method: 'POST', path: '/v1.50/images/load', body: Buffer.alloc(700, 1), contentLength: 1 << 20, headers: { 'Content-Type': 'application/x-tar' } }) },
  { name: 'import fromSrc (unfinished body)', open: async () => openRawStream(e.daemon.socket, { method: 'POST', path: '/v1.50/images/create?fromSrc=-&repo=half', body: Buffer.alloc(700, 1), contentLength: 1 << 20 }) },
  { name: 'image export', open: async () => opened(plainStream('GET', `/v1.50/images/${BUSYBOX}/get`)) },
  {
    name: 'image pull (registry stalls)',
    open: async () => {
      const asked = registry.asked();
      const s = plainStream('POST', `/v1.50/images/create?fromImage=${registry.host}/stalls&tag=1`);
      await asked;
      return s;
    },
  },
];

async function act(action: Action, o: Opened): Promise<void> {
  if (action === 'close') await o.stream.end();
  else if (action === 'reset') await o.stream.reset();
  else if (action === 'rm') expect([204, 404]).toContain((await call('DELETE', `/v1.50/containers/${o.container}?force=1`)).status);
  else expect([204, 404, 409]).toContain((await call('POST', `/v1.50/containers/${o.container}/kill`)).status);
}

describe.each(KINDS)('$name', (kind) => {
  test.each(ORDERS.map((order) => [order.join(' → '), order] as const))('%s', async (_label, order) => {
    const container = await runningContainer({ tty: kind.tty });
    const o: Opened = { stream: await kind.open(container), container };
    for (const action of order) await act(action, o);
    // Whatever was left: the stream dropped, the container gone.
    if (!order.includes('close') && !order.includes('reset')) await o.stream.reset();
    if (!order.includes('rm')) await act('rm', o);
    await expectAlive();
  });
});

test('after the whole matrix the daemon answers and counted no uncaught error', async () => {
  await expectAlive();
  const left = (await call('GET', '/v1.50/containers/json?all=1')).json() as unknown[];
  expect(left).toEqual([]);
});
