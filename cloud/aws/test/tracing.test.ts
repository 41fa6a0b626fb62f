/** The span per AWS call that traceAwsClient adds to an AWS SDK v3 client's middleware stack. */
import { noopTracer } from '@sockerless/sdk';
import { RecordingTracer } from '@sockerless/sdk/testing';
import { traceAwsClient } from '../src';

const recordingTracer = () => new RecordingTracer();

/** The shape of an AWS SDK v3 middleware stack, enough to run what traceAwsClient adds. */
function fakeClient() {
  const added: Array<{ mw: (next: (a: unknown) => Promise<unknown>, ctx: Record<string, string>) => (a: unknown) => Promise<unknown>; opts: { step: string; name: string } }> = [];
  return { added, middlewareStack: { add: (mw: never, opts: never) => { added.push({ mw, opts }); } } };
}

test('traceAwsClient adds nothing when tracing is off', () => {
  const client = fakeClient();
  traceAwsClient(client, noopTracer);
  traceAwsClient(client, undefined);
  expect(client.added).toEqual([]);
});

test('traceAwsClient: one client span per call with the service, method and AWS request id, failed calls too', async () => {
  const t = recordingTracer();
  const client = fakeClient();
  traceAwsClient(client, t);
  expect(client.added.map((a) => a.opts)).toEqual([{ step: 'initialize', name: 'sockerlessTracing', override: true }]);
  const { mw } = client.added[0];
  const ok = mw(async () => ({ output: { $metadata: { requestId: 'req-1', httpStatusCode: 200, attempts: 1 } } }), { clientName: 'ECSClient', commandName: 'RunTaskCommand' });
  await ok({});
  const failing = mw(async () => { throw Object.assign(new Error('throttled'), { $metadata: { requestId: 'req-2', httpStatusCode: 400, attempts: 3 } }); },
    { clientName: 'CloudWatchLogsClient', commandName: 'GetLogEventsCommand' });
  await expect(failing({})).rejects.toThrow('throttled');
  expect(t.spans).toEqual([
    { name: 'AWS ECS.RunTask', kind: 'client', parent: undefined, ended: true, errors: [], attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'ECS', 'rpc.method': 'RunTask', 'aws.request_id': 'req-1', 'http.response.status_code': 200, 'aws.attempts': 1 } },
    { name: 'AWS CloudWatchLogs.GetLogEvents', kind: 'client', parent: undefined, ended: true, errors: ['throttled'], attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'CloudWatchLogs', 'rpc.method': 'GetLogEvents', 'aws.request_id': 'req-2', 'http.response.status_code': 400, 'aws.attempts': 3 } },
  ]);
});
