/** The shared AWS pieces on their own: the error mapper's profiles and the CloudWatch stream reader's paging. */
import { ConflictError } from '@sockerless/sdk';
import { LogStreamReader, mapAwsError, type CloudWatchLogs } from '../src';

const answered = (name: string, status: number) => Object.assign(new Error('m'), { name, $fault: status < 500 ? 'client' : 'server', $metadata: { httpStatusCode: status } });

test('one mapper, a profile per service: the operator\'s missing resource is 503, the user\'s is 404', () => {
  const ecs = { service: 'ecs', configuration: { names: ['ClusterNotFoundException'], hint: "check the backend's cluster option" } };
  expect(mapAwsError(answered('ClusterNotFoundException', 400), ecs)).toMatchObject({ code: 'Unavailable', message: "ecs: ClusterNotFoundException: m (check the backend's cluster option)" });
  expect(mapAwsError(answered('ResourceNotFoundException', 404), { service: 'lambda' })).toMatchObject({ code: 'NotFound', message: 'lambda: ResourceNotFoundException: m' });
  expect(mapAwsError(answered('ResourceConflictException', 409), { service: 'lambda' })).toBeInstanceOf(ConflictError);
  expect(mapAwsError(answered('ThrottlingException', 400), { service: 'logs' })).toMatchObject({ code: 'TooManyRequests' });
  expect(mapAwsError(answered('AccessDeniedException', 403), { service: 'ecs' })).toMatchObject({ code: 'Unavailable', message: expect.stringContaining('credentials were refused') });
  expect(mapAwsError(answered('SomethingNew', 400), { service: 'ecs' })).toMatchObject({ code: 'InvalidArgument' });
  expect(mapAwsError(answered('InternalFailure', 500), { service: 'ecs' })).toMatchObject({ code: 'Unavailable' });
  expect(mapAwsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), { service: 'ecs' }))
    .toMatchObject({ code: 'Unavailable', message: 'ecs: AWS is unreachable: connect ECONNREFUSED 127.0.0.1:9' });
});

test('the stream reader pages forward from its token and ends where CloudWatch repeats it', async () => {
  const pages = [
    { events: [{ message: 'a' }, { message: 'b' }], nextForwardToken: 'f/1' },
    { events: [{ message: 'c' }], nextForwardToken: 'f/2' },
    { events: [], nextForwardToken: 'f/2' },
  ];
  const inputs: unknown[] = [];
  class GetLogEventsCommand { constructor(readonly input: unknown) { inputs.push(input); } }
  const logs = { client: { send: async () => pages.shift() }, sdk: { GetLogEventsCommand } } as unknown as CloudWatchLogs;
  const reader = new LogStreamReader(logs, '/g', 's', 1000);
  expect(await reader.readPage()).toEqual({ events: [{ message: 'a' }, { message: 'b' }], atEnd: false });
  expect(await reader.readPage()).toEqual({ events: [{ message: 'c' }], atEnd: false });
  expect(await reader.readPage()).toEqual({ events: [], atEnd: true });
  expect(inputs).toEqual([
    { logGroupName: '/g', logStreamName: 's', startFromHead: true, startTime: 1000 },
    { logGroupName: '/g', logStreamName: 's', startFromHead: true, nextToken: 'f/1' },
    { logGroupName: '/g', logStreamName: 's', startFromHead: true, nextToken: 'f/2' },
  ]);
});
