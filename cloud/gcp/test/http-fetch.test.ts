/** The fetch the Google clients use against a simulator: a real HTTP server on 127.0.0.1 answers it. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpFetch } from '../src/http-fetch';

let server: Server;
let base: string;
const sockets = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(`${req.socket.remotePort}`);
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      if (req.url === '/empty') { res.writeHead(204).end(); return; }
      if (req.url === '/slow') return; // never answers
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, body, header: req.headers['x-goog-request-params'] ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });

test('sends the method, headers and body; answers status, headers and body as a Response; reuses the connection', async () => {
  const first = await httpFetch(`${base}/x`, { method: 'POST', headers: new Headers({ 'x-goog-request-params': 'name=a' }), body: '{"a":1}' });
  expect(first.status).toBe(200);
  expect(first.ok).toBe(true);
  expect(first.headers.get('content-type')).toBe('application/json');
  expect(first.headers.get('set-cookie')).toContain('a=1');
  expect(await first.json()).toEqual({ method: 'POST', body: '{"a":1}', header: 'name=a' });
  const second = await httpFetch(new URL(`${base}/missing`), { method: 'GET', body: Buffer.from('') });
  expect(second.status).toBe(404);
  expect(second.ok).toBe(false);
  await second.arrayBuffer();
  expect(sockets.size).toBe(1);
  const empty = await httpFetch(`${base}/empty`, { method: 'DELETE' });
  expect(empty.status).toBe(204);
  expect(await empty.text()).toBe('');
});

test('an aborted request rejects, and a refused connection rejects', async () => {
  const controller = new AbortController();
  const pending = httpFetch(`${base}/slow`, { signal: controller.signal });
  controller.abort();
  await expect(pending).rejects.toThrow(/abort/i);
  await expect(httpFetch('http://127.0.0.1:9/x')).rejects.toThrow(/ECONNREFUSED/);
});
