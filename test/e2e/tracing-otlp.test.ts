/**
 * Traces to a real OTLP/HTTP receiver on 127.0.0.1, from a daemon (a child process) with the otel plugin
 * whose containers run as ECS tasks on the AWS simulator: one `docker run` through the real CLI, its
 * requests joined into one trace by the CLI's `traceparent` header, gives spans for every API request,
 * admission (pools), the store's writes, the backend's calls and each AWS call, with AWS's request ids.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';

jest.setTimeout(180_000);

let receiver: OtlpReceiver;
let e: E2E;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const config = `export default {
  plugins: [
    'store-sqlite', 'backend-local', 'sim-aws', 'backend-ecs', 'backend-faas', 'scheduler-roundrobin', 'pools',
    { plugin: 'otel', options: { endpoint: '${receiver.url}', serviceName: 'sockerless-e2e', headers: { 'x-otlp-key': 'k1' }, exportDelayMs: 50 } },
  ],
  backends: {
    ecs: { driver: 'ecs', options: { simulator: 'aws', stopTimeoutSeconds: 2 } },
    lambda: { driver: 'lambda', options: { simulator: 'aws', pollIntervalMs: { min: 10, max: 200 } } },
  },
  defaultBackend: 'ecs',
  pools: { default: { backends: ['ecs'], maxConcurrency: 4 }, lambda: { backends: ['lambda'], maxConcurrency: 4 } },
};
`;
  e = await startE2E({ config, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
});
afterAll(async () => {
  await e?.dispose();
  await receiver?.close();
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The chain of span names from `span` up to its trace's root, through the parent ids the exporter sent. */
function ancestry(all: ReceivedSpan[], span: ReceivedSpan): string[] {
  const parent = all.find((s) => s.traceId === span.traceId && s.spanId === span.parentSpanId);
  return parent ? [...ancestry(all, parent), parent.name] : [];
}

test('docker run through ECS: one trace with the API requests, admission, store, backend and each AWS call', async () => {
  const traceId = hex(16);
  const cliSpan = hex(8);
  const cliConfig = join(e.daemon.dir, 'traced-cli');
  mkdirSync(cliConfig, { recursive: true });
  writeFileSync(join(cliConfig, 'config.json'), JSON.stringify({ HttpHeaders: { traceparent: `00-${traceId}-${cliSpan}-01` } }));
  const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi'], { env: { DOCKER_CONFIG: cliConfig } });
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });

  const inTrace = (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);
  const has = (spans: ReceivedSpan[], name: string) => inTrace(spans).some((s) => s.name === name);
  await receiver.until((spans) => has(spans, 'HTTP POST /containers/:id/wait') && has(spans, 'backend.remove') && has(spans, 'AWS ECS.RunTask'));
  const spans = inTrace(receiver.spans);
  const named = (name: string) => spans.filter((s) => s.name === name);

  // Every request of the command is a server span under the CLI's span.
  const roots = spans.filter((s) => s.parentSpanId === cliSpan);
  expect(roots.every((s) => s.kind === 2 && s.name.startsWith('HTTP '))).toBe(true);
  expect(roots.map((s) => s.name)).toEqual(expect.arrayContaining([
    'HTTP POST /containers/create', 'HTTP POST /containers/:id/attach', 'HTTP POST /containers/:id/wait', 'HTTP POST /containers/:id/start',
  ]));
  expect(named('HTTP POST /containers/create')[0].attributes).toMatchObject({ 'http.response.status_code': 201, 'http.route': '/containers/create' });
  expect(spans.every((s) => s.serviceName === 'sockerless-e2e')).toBe(true);

  // Admission, the store and the backend, each under the request that made it.
  expect(ancestry(spans, named('admission.pools.onCreate')[0])).toEqual(['HTTP POST /containers/create']);
  expect(ancestry(spans, named('admission.pools.onStart')[0])).toEqual(['HTTP POST /containers/:id/start']);
  expect(named('store.put').map((s) => ancestry(spans, s)[0])).toEqual(expect.arrayContaining(['HTTP POST /containers/create', 'HTTP POST /containers/:id/start']));
  expect(ancestry(spans, named('backend.create')[0])).toEqual(['HTTP POST /containers/create']);
  expect(named('backend.create')[0].attributes).toMatchObject({ 'sockerless.backend': 'ecs', 'sockerless.backend.kind': 'ecs' });

  // Each AWS call is a client span under the backend call that made it, with the request id AWS answered.
  const aws = spans.filter((s) => s.name.startsWith('AWS '));
  expect(aws.map((s) => s.name)).toEqual(expect.arrayContaining(['AWS ECS.RegisterTaskDefinition', 'AWS ECS.RunTask']));
  for (const call of aws) {
    expect(call).toMatchObject({ kind: 3, attributes: { 'rpc.system': 'aws-api', 'rpc.service': expect.any(String), 'rpc.method': expect.any(String) } });
    expect(call.attributes['aws.request_id']).toMatch(/^[0-9a-f-]{36}$/);
  }
  expect(ancestry(spans, named('AWS ECS.RegisterTaskDefinition')[0])).toEqual(['HTTP POST /containers/create', 'backend.create']);
  expect(ancestry(spans, named('AWS ECS.RunTask')[0])).toEqual(['HTTP POST /containers/:id/start', 'backend.start']);
});

test('docker run through Lambda: the Lambda calls are spans under the backend calls, with request ids', async () => {
  const traceId = hex(16);
  const cliConfig = join(e.daemon.dir, 'traced-cli-lambda');
  mkdirSync(cliConfig, { recursive: true });
  writeFileSync(join(cliConfig, 'config.json'), JSON.stringify({ HttpHeaders: { traceparent: `00-${traceId}-${hex(8)}-01` } }));
  const r = await e.docker(['run', '--rm', '--label', 'com.sockerless.pool=lambda', BUSYBOX, 'echo', 'hi'], { env: { DOCKER_CONFIG: cliConfig } });
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  const inTrace = (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);
  await receiver.until((spans) => inTrace(spans).some((s) => s.name === 'AWS Lambda.Invoke') && inTrace(spans).some((s) => s.name === 'backend.remove'));
  const spans = inTrace(receiver.spans);
  const invoke = spans.find((s) => s.name === 'AWS Lambda.Invoke')!;
  expect(invoke.attributes).toMatchObject({ 'rpc.service': 'Lambda', 'rpc.method': 'Invoke', 'aws.request_id': expect.stringMatching(/^[0-9a-f-]{36}$/) });
  expect(ancestry(spans, invoke)).toEqual(['HTTP POST /containers/:id/start', 'backend.start']);
  const create = spans.find((s) => s.name === 'AWS Lambda.CreateFunction')!;
  expect(ancestry(spans, create)).toEqual(['HTTP POST /containers/create', 'backend.create']);
  expect(spans.find((s) => s.name === 'backend.create')!.attributes).toMatchObject({ 'sockerless.backend': 'lambda', 'sockerless.backend.kind': 'lambda' });
});

test('every AWS call the daemon made, in any trace (background polls too), carries its request id; exports carry the configured headers', async () => {
  const aws = receiver.spans.filter((s) => s.name.startsWith('AWS '));
  expect(aws.length).toBeGreaterThan(2);
  expect(aws.filter((s) => typeof s.attributes['aws.request_id'] !== 'string')).toEqual([]);
  expect(receiver.requests.length).toBeGreaterThan(0);
  expect(receiver.requests.every((h) => h['x-otlp-key'] === 'k1')).toBe(true);
});
