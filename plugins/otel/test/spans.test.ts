/**
 * Spans collected with OpenTelemetry's InMemorySpanExporter from a daemon that runs in this process with the
 * otel plugin: a `docker run` through the real CLI gives, per Docker API request, a root span with children
 * for admission (pools), the store's writes and the backend's calls, all in the trace the CLI's
 * `traceparent` header (config.json `HttpHeaders`) names.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTestHost, type TestHost } from '@sockerless/sdk/testing';
import { createOtelPlugin } from '../src';
import { docker } from '../../../test/support/docker-cli';
import { BUSYBOX, BUSYBOX_IMPORT_CHANGES } from '../../../test/support/e2e';
import { buildBusyboxRootfsTar } from '../../../test/support/images';

jest.setTimeout(120_000);

const memory = new InMemorySpanExporter();
let host: TestHost;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sockerless-otel-'));
  host = await startTestHost({
    plugins: ['store-sqlite', 'backend-local', 'scheduler-roundrobin', 'pools', { plugin: createOtelPlugin({ spanProcessor: new SimpleSpanProcessor(memory) }), options: {} }],
    backends: { local: { driver: 'local' } },
    config: { pools: { default: { backends: ['local'], maxConcurrency: 4 } } },
  });
  const tar = await buildBusyboxRootfsTar(join(dir, 'rootfs'));
  const r = await docker(host.dockerHost, dir, ['import', ...BUSYBOX_IMPORT_CHANGES, tar, BUSYBOX]);
  expect(r.code).toBe(0);
});
afterAll(async () => {
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** The spans under `root`, depth first. */
function descendants(all: ReadableSpan[], root: ReadableSpan): ReadableSpan[] {
  const children = all.filter((s) => parentOf(s) === root.spanContext().spanId);
  return children.flatMap((c) => [c, ...descendants(all, c)]);
}

test('docker run: each request is a root span under the CLI trace, with admission, store and backend children', async () => {
  memory.reset();
  const traceId = hex(16);
  const cliSpan = hex(8);
  // As a CI system would hand a trace to the docker CLI: one traceparent on every request of the command.
  const cliConfig = join(dir, 'traced-cli');
  mkdirSync(cliConfig, { recursive: true });
  writeFileSync(join(cliConfig, 'config.json'), JSON.stringify({ HttpHeaders: { traceparent: `00-${traceId}-${cliSpan}-01` } }));
  const r = await docker(host.dockerHost, dir, ['run', '--rm', BUSYBOX, 'echo', 'hi'], { env: { DOCKER_CONFIG: cliConfig } });
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });

  const spans = () => memory.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const named = (name: string) => spans().find((s) => s.name === name);
  // The wait request ends (and its span with it) once the container is removed, right as the CLI exits.
  await waitFor(() => named('HTTP POST /containers/:id/wait') !== undefined && named('backend.remove') !== undefined);

  const roots = spans().filter((s) => parentOf(s) === cliSpan);
  expect(roots.map((s) => s.name)).toEqual(expect.arrayContaining([
    'HTTP POST /containers/create', 'HTTP POST /containers/:id/attach', 'HTTP POST /containers/:id/wait', 'HTTP POST /containers/:id/start',
  ]));
  for (const root of roots) expect(root.kind).toBe(1 /* SpanKind.SERVER */);

  const create = named('HTTP POST /containers/create')!;
  expect(create.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/containers/create', 'http.response.status_code': 201, 'docker.api_version': expect.stringMatching(/^1\.\d+$/) });
  const underCreate = descendants(spans(), create).map((s) => s.name);
  expect(underCreate).toEqual(expect.arrayContaining(['admission.pools.onCreate', 'store.put', 'backend.create']));
  const backendCreate = descendants(spans(), create).find((s) => s.name === 'backend.create')!;
  expect(backendCreate.attributes).toMatchObject({ 'sockerless.backend': 'local', 'sockerless.backend.kind': 'local', 'sockerless.container.id': expect.stringMatching(/^[0-9a-f]{64}$/) });

  const start = named('HTTP POST /containers/:id/start')!;
  expect(start.attributes['http.response.status_code']).toBe(204);
  expect(descendants(spans(), start).map((s) => s.name)).toEqual(expect.arrayContaining(['admission.pools.onStart', 'backend.start', 'store.put']));
  // AutoRemove runs after the exit, still in the context the start request opened.
  expect(named('backend.remove')).toBeDefined();
});

test('a request without traceparent starts a trace of its own; a failed one carries its status', async () => {
  memory.reset();
  const res = await fetch(`${host.baseUrl}/v1.47/containers/nope/json`);
  expect(res.status).toBe(404);
  await waitFor(() => memory.getFinishedSpans().some((s) => s.name === 'HTTP GET /containers/:id/json'));
  const span = memory.getFinishedSpans().find((s) => s.name === 'HTTP GET /containers/:id/json')!;
  expect(span.parentSpanContext).toBeUndefined();
  expect(span.attributes).toMatchObject({ 'http.response.status_code': 404, 'http.route': '/containers/:id/json', 'docker.api_version': '1.47', 'url.path': '/v1.47/containers/nope/json' });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; spans: ${memory.getFinishedSpans().map((s) => s.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
