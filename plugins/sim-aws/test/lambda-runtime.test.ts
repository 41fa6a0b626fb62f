import { request } from 'node:http';
import {
  CreateFunctionCommand, GetFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { RuntimeApi, type RuntimeOutcome } from '../src/lambda/runtime-api';
import { BUSYBOX, LAMBDA_ROLE, lambdaLogMessages, payloadOf, startSimulator, type TestSimulator } from './helpers';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROLE = LAMBDA_ROLE;

/** Busybox sh: fetch the event into /tmp/event, its headers into $H, the request id into $ID; `hdr NAME` reads a header. */
const FETCH = String.raw`
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
H=$(wget -q -S -O /tmp/event "$API/invocation/next" 2>&1)
hdr() { echo "$H" | grep -i "$1" | sed "s/^[^:]*: *//" | tr -d "\r"; }
ID=$(hdr lambda-runtime-aws-request-id)
`;
const RESPOND_OK = String.raw`wget -q -O- --post-data '{"ok":1}' "$API/invocation/$ID/response"; echo`;

let sim: TestSimulator;

beforeAll(async () => { sim = await startSimulator(); });

afterAll(() => sim?.close());

async function createShellFunction(name: string, script: string, extra: { Timeout?: number; Environment?: { Variables: Record<string, string> }; MemorySize?: number } = {}): Promise<string> {
  const out = await sim.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Role: ROLE, PackageType: 'Image', Code: { ImageUri: BUSYBOX },
    ImageConfig: { EntryPoint: ['/bin/sh', '-c'], Command: [script] }, ...extra,
  }));
  return out.FunctionArn!;
}

describe('the Runtime API inside a function', () => {
  test('the event, its headers and the reserved environment reach the function', async () => {
    const arn = await createShellFunction('echo-fn', FETCH + String.raw`
printf '{"event":%s,"id":"%s","arn":"%s","deadline":"%s","trace":"%s","fn":"%s","mem":"%s","ver":"%s","region":"%s","group":"%s","stream":"%s","root":"%s","custom":"%s"}' \
  "$(cat /tmp/event)" "$ID" "$(hdr lambda-runtime-invoked-function-arn)" "$(hdr lambda-runtime-deadline-ms)" "$(hdr lambda-runtime-trace-id)" \
  "$AWS_LAMBDA_FUNCTION_NAME" "$AWS_LAMBDA_FUNCTION_MEMORY_SIZE" "$AWS_LAMBDA_FUNCTION_VERSION" "$AWS_REGION" \
  "$AWS_LAMBDA_LOG_GROUP_NAME" "$AWS_LAMBDA_LOG_STREAM_NAME" "$LAMBDA_TASK_ROOT" "$MY_SETTING" > /tmp/out
wget -q -O- --post-file /tmp/out "$API/invocation/$ID/response"
`, { Environment: { Variables: { MY_SETTING: 'on' } }, MemorySize: 256, Timeout: 60 });
    const before = Date.now();
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'echo-fn', Payload: Buffer.from('{"q":[1,2]}') }));
    expect(out.FunctionError).toBeUndefined();
    const got = JSON.parse(payloadOf(out)) as Record<string, unknown>;
    expect(got).toMatchObject({
      event: { q: [1, 2] }, id: out.$metadata.requestId, arn, fn: 'echo-fn', mem: '256', ver: '$LATEST', region: 'us-east-1',
      group: '/aws/lambda/echo-fn', root: '/var/task', custom: 'on',
    });
    expect(Number(got.deadline)).toBeGreaterThanOrEqual(before + 60_000 - 5_000);
    expect(got.trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}/);
    expect(got.stream).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  test('invocations of one function run side by side, each with its own event', async () => {
    await createShellFunction('parallel-fn', FETCH + String.raw`wget -q -O- --post-file /tmp/event "$API/invocation/$ID/response"`);
    const outs = await Promise.all([1, 2, 3].map((n) => sim.lambda.send(new InvokeCommand({ FunctionName: 'parallel-fn', Payload: Buffer.from(`{"n":${n}}`) }))));
    expect(outs.map(payloadOf)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(new Set(outs.map((o) => o.$metadata.requestId)).size).toBe(3);
  });

  test('an empty payload is delivered as {} and the client context as a header', async () => {
    await createShellFunction('context-fn', FETCH + String.raw`
printf '{"event":%s,"context":%s}' "$(cat /tmp/event)" "$(hdr lambda-runtime-client-context)" > /tmp/out
wget -q -O- --post-file /tmp/out "$API/invocation/$ID/response"`);
    const clientContext = Buffer.from(JSON.stringify({ custom: { who: 'test' } })).toString('base64');
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'context-fn', ClientContext: clientContext }));
    expect(JSON.parse(payloadOf(out))).toEqual({ event: {}, context: { custom: { who: 'test' } } });
  });

  test('a posted invocation error is an Unhandled FunctionError with the posted body', async () => {
    await createShellFunction('error-fn', FETCH + String.raw`
wget -q -O- --header "Lambda-Runtime-Function-Error-Type: Custom.Failure" --post-data '{"errorType":"Custom.Failure","errorMessage":"it broke"}' "$API/invocation/$ID/error"`);
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'error-fn' }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(payloadOf(out))).toEqual({ errorType: 'Custom.Failure', errorMessage: 'it broke' });
    expect((await lambdaLogMessages(sim, 'error-fn')).find((m) => m.startsWith('REPORT'))).toContain('Error Type: Custom.Failure');
  });

  test('an init error ends the invocation with the posted body', async () => {
    await createShellFunction('init-error-fn', String.raw`wget -q -O- --post-data '{"errorType":"Runtime.BadConfig","errorMessage":"no handler"}' "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/init/error"; sleep 60`, { Timeout: 120 });
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'init-error-fn' }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(payloadOf(out))).toEqual({ errorType: 'Runtime.BadConfig', errorMessage: 'no handler' });
  });

  test('a process that lives on after its response is ended; its output before END', async () => {
    await createShellFunction('linger-fn', FETCH + RESPOND_OK + '\necho after-response\nsleep 60', { Timeout: 120 });
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'linger-fn', LogType: 'Tail' }));
    expect(out.FunctionError).toBeUndefined();
    expect(payloadOf(out)).toBe('{"ok":1}');
    const tail = Buffer.from(out.LogResult!, 'base64').toString('utf8');
    expect(tail.indexOf('after-response')).toBeGreaterThan(-1);
    expect(tail.indexOf('after-response')).toBeLessThan(tail.indexOf('END RequestId'));
  });

  test('a runtime loop that asks for the next event after responding is ended at once', async () => {
    await createShellFunction('loop-fn', FETCH + RESPOND_OK + '\nwget -q -O- "$API/invocation/next"; echo next-returned; sleep 60', { Timeout: 120 });
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'loop-fn' }));
    expect(out.FunctionError).toBeUndefined();
    expect(payloadOf(out)).toBe('{"ok":1}');
    expect(await lambdaLogMessages(sim, 'loop-fn')).not.toContain('next-returned');
  });

  test('a wrong request id and a second report are refused', async () => {
    await createShellFunction('refuse-fn', FETCH + String.raw`
wget -q -O- --post-data '{"wrong":1}' "$API/invocation/not-the-id/response" || echo wrong-id-refused
` + RESPOND_OK + String.raw`
wget -q -O- --post-data '{"second":1}' "$API/invocation/$ID/response" || echo second-refused`);
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'refuse-fn' }));
    expect(payloadOf(out)).toBe('{"ok":1}');
    const messages = await lambdaLogMessages(sim, 'refuse-fn');
    expect(messages).toContain('wrong-id-refused');
    expect(messages).toContain('second-refused');
  });
});

describe('RuntimeApi on the wire', () => {
  function call(address: string, method: string, path: string, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    // `address` is HOST:PORT/SECRET, and runtimes append the API's path to it.
    const [host, rest] = address.split(':');
    const slash = rest.indexOf('/');
    const [port, prefix] = slash < 0 ? [rest, ''] : [rest.slice(0, slash), rest.slice(slash)];
    return new Promise((resolve, reject) => {
      const req = request({ host, port: Number(port), method, path: path.startsWith('!') ? path.slice(1) : `${prefix}${path}` }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  test('next, response, refusals and unknown paths', async () => {
    const outcomes: RuntimeOutcome[] = [];
    let nexts = 0;
    let idle = 0;
    const { api, address } = await RuntimeApi.open(
      { requestId: 'req-1', payload: Buffer.from('{"x":1}'), deadlineMs: 123, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', traceId: 'Root=1-a-b' },
      { onNext: () => nexts++, onOutcome: (o) => outcomes.push(o), onIdle: () => idle++ },
    );
    try {
      expect(address).toMatch(/^127\.0\.0\.1:\d+\/[0-9a-f]{48}$/);
      // Without the invocation's secret prefix (another local user): refused, and the event stays undelivered.
      expect((await call(address, 'GET', '!/2018-06-01/runtime/invocation/next')).status).toBe(403);
      expect(nexts).toBe(0);
      const next = await call(address, 'GET', '/2018-06-01/runtime/invocation/next');
      expect(next.status).toBe(200);
      expect(next.body).toBe('{"x":1}');
      expect(next.headers).toMatchObject({
        'lambda-runtime-aws-request-id': 'req-1', 'lambda-runtime-deadline-ms': '123',
        'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:000000000000:function:f', 'lambda-runtime-trace-id': 'Root=1-a-b',
      });
      expect(nexts).toBe(1);
      expect((await call(address, 'POST', '/2018-06-01/runtime/invocation/req-2/response', '{}')).status).toBe(400);
      expect((await call(address, 'GET', '/2018-06-01/runtime/nothing')).status).toBe(404);
      expect((await call(address, 'GET', '/other')).status).toBe(404);
      expect((await call(address, 'POST', '!/2018-06-01/runtime/invocation/req-1/response', '{"forged":true}')).status).toBe(403);
      const posted = await call(address, 'POST', '/2018-06-01/runtime/invocation/req-1/response', '{"done":true}');
      expect(posted.status).toBe(202);
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0].kind).toBe('response');
      expect(outcomes[0].payload.toString()).toBe('{"done":true}');
      const again = await call(address, 'POST', '/2018-06-01/runtime/invocation/req-1/error', '{}');
      expect(again.status).toBe(400);
      expect(JSON.parse(again.body).errorType).toBe('InvalidStateTransition');
      expect(outcomes).toHaveLength(1);
      // The next `next` is parked (the real API blocks) and tells the invocation the runtime is idle.
      const parked = call(address, 'GET', '/2018-06-01/runtime/invocation/next').then(() => 'answered', () => 'cut off');
      for (let i = 0; i < 500 && idle === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(idle).toBe(1);
      await api.close();
      expect(await parked).toBe('cut off');
    } finally {
      await api.close().catch(() => undefined);
    }
  });
});

describe('a function Pending after its creation', () => {
  test('Invoke is refused while Pending; the Active waiter returns once it is Active', async () => {
    const slow = await startSimulator({ startDelayMs: 3000 });
    const client = slow.lambda;
    try {
      const created = await client.send(new CreateFunctionCommand({
        FunctionName: 'pending-fn', Role: ROLE, PackageType: 'Image', Code: { ImageUri: BUSYBOX }, ImageConfig: { Command: ['true'] },
      }));
      expect(created.State).toBe('Pending');
      expect(created.StateReasonCode).toBe('Creating');
      const refused = await client.send(new InvokeCommand({ FunctionName: 'pending-fn' })).then(() => undefined, (err: Error) => err);
      expect(refused?.name).toBe('ResourceConflictException');
      const waited = await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'pending-fn' });
      expect(waited.state).toBe('SUCCESS');
      expect((await client.send(new GetFunctionCommand({ FunctionName: 'pending-fn' }))).Configuration?.State).toBe('Active');
    } finally {
      await slow.close();
    }
  });
});
