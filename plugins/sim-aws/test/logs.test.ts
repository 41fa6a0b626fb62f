/** CloudWatch Logs on the simulator through the official SDK: groups, streams, events, tokens, paging and filters. */
import {
  CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogStreamCommand, DescribeLogGroupsCommand, DescribeLogStreamsCommand,
  FilterLogEventsCommand, GetLogEventsCommand, paginateGetLogEvents, PutLogEventsCommand, type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { startSimulator, type TestSimulator } from './helpers';

let sim: TestSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim?.close(); });

const T0 = Date.now() - 60_000;
const put = (group: string, stream: string, messages: string[], start = T0) =>
  sim.logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: messages.map((message, i) => ({ timestamp: start + i, message })) }));

async function group(name: string, streams: string[] = []) {
  await sim.logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  for (const s of streams) await sim.logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: s }));
}

test('groups and streams: create, already exists, not found, describe', async () => {
  await group('/g/basic', ['s1']);
  await expect(sim.logs.send(new CreateLogGroupCommand({ logGroupName: '/g/basic' }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException', $metadata: { httpStatusCode: 400 } });
  await expect(sim.logs.send(new CreateLogStreamCommand({ logGroupName: '/g/basic', logStreamName: 's1' }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
  await expect(sim.logs.send(new CreateLogStreamCommand({ logGroupName: '/g/none', logStreamName: 's1' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  await expect(sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/basic', logStreamName: 'none' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  await expect(put('/g/basic', 'none', ['x'])).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  const groups = await sim.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/g/basic' }));
  expect(groups.logGroups).toEqual([expect.objectContaining({ logGroupName: '/g/basic', arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/g/basic:*' })]);
  await sim.logs.send(new DeleteLogStreamCommand({ logGroupName: '/g/basic', logStreamName: 's1' }));
  expect((await sim.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g/basic' }))).logStreams).toEqual([]);
});

test('PutLogEvents: events must be chronological; stamps and sequence tokens are reported', async () => {
  await group('/g/put', ['s']);
  const first = await put('/g/put', 's', ['a', 'b']);
  expect(first.nextSequenceToken).toMatch(/^\d+$/);
  await expect(sim.logs.send(new PutLogEventsCommand({ logGroupName: '/g/put', logStreamName: 's', logEvents: [{ timestamp: T0 + 10, message: 'late' }, { timestamp: T0 + 5, message: 'early' }] })))
    .rejects.toMatchObject({ name: 'InvalidParameterException', message: 'Log events in a single PutLogEvents request must be in chronological order.' });
  const tooOld = await sim.logs.send(new PutLogEventsCommand({ logGroupName: '/g/put', logStreamName: 's', logEvents: [{ timestamp: T0 - 30 * 86400_000, message: 'old' }, { timestamp: T0 + 2, message: 'c' }] }));
  expect(tooOld.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
  const out = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/put', logStreamName: 's', startFromHead: true }));
  expect(out.events!.map((e) => e.message)).toEqual(['a', 'b', 'c']);
  expect(out.events![0]).toMatchObject({ timestamp: T0, ingestionTime: expect.any(Number) });
  const [desc] = (await sim.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g/put' }))).logStreams!;
  expect(desc).toMatchObject({ logStreamName: 's', firstEventTimestamp: T0, lastEventTimestamp: T0 + 2, lastIngestionTime: expect.any(Number), creationTime: expect.any(Number) });
});

test('GetLogEvents: limit, forward tokens, the same token at the end, backward tokens, time bounds', async () => {
  await group('/g/get', ['s']);
  const messages = Array.from({ length: 25 }, (_, i) => `m${i}`);
  await put('/g/get', 's', messages);
  const page1 = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/get', logStreamName: 's', startFromHead: true, limit: 10 }));
  expect(page1.events!.map((e) => e.message)).toEqual(messages.slice(0, 10));
  const page2 = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/get', logStreamName: 's', nextToken: page1.nextForwardToken, limit: 10 }));
  expect(page2.events!.map((e) => e.message)).toEqual(messages.slice(10, 20));
  const page3 = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/get', logStreamName: 's', nextToken: page2.nextForwardToken, limit: 10 }));
  expect(page3.events!.map((e) => e.message)).toEqual(messages.slice(20));
  const end = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/get', logStreamName: 's', nextToken: page3.nextForwardToken, limit: 10 }));
  expect(end.events).toEqual([]);
  expect(end.nextForwardToken).toBe(page3.nextForwardToken);
  // New events continue from the token held at the end.
  await put('/g/get', 's', ['m25'], T0 + 25);
  const more = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/get', logStreamName: 's', nextToken: end.nextForwardToken }));
  expect(more.events!.map((e) => e.message)).toEqual(['m25']);
  // Without startFromHead: the last `limit` events; backward tokens walk toward the start.
  const tail = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/get', logStreamName: 's', limit: 5 }));
  expect(tail.events!.map((e) => e.message)).toEqual(['m21', 'm22', 'm23', 'm24', 'm25']);
  const back = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/get', logStreamName: 's', nextToken: tail.nextBackwardToken, limit: 5 }));
  expect(back.events!.map((e) => e.message)).toEqual(['m16', 'm17', 'm18', 'm19', 'm20']);
  expect(back.nextBackwardToken).toMatch(/^b\//);
  const bounded = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/get', logStreamName: 's', startFromHead: true, startTime: T0 + 3, endTime: T0 + 6 }));
  expect(bounded.events!.map((e) => e.message)).toEqual(['m3', 'm4', 'm5']);
  await expect(sim.logs.send(new GetLogEventsCommand({ logGroupName: '/g/get', logStreamName: 's', nextToken: 'garbage' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
});

test('paginateGetLogEvents with stopOnSameToken ends at the end of the stream', async () => {
  await group('/g/paginate', ['s']);
  await put('/g/paginate', 's', Array.from({ length: 7 }, (_, i) => `p${i}`));
  const seen: OutputLogEvent[] = [];
  let pages = 0;
  for await (const page of paginateGetLogEvents({ client: sim.logs, pageSize: 3, stopOnSameToken: true }, { logGroupName: '/g/paginate', logStreamName: 's', startFromHead: true })) {
    seen.push(...page.events!);
    if (++pages > 20) throw new Error('the paginator did not stop');
  }
  expect(seen.map((e) => e.message)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
});

test('DescribeLogStreams: prefix, order, descending, paging', async () => {
  await group('/g/streams', ['b', 'a', 'c', 'x-1', 'x-2']);
  await put('/g/streams', 'c', ['1'], T0);
  await put('/g/streams', 'a', ['1'], T0 + 100);
  const names = async (input: Record<string, unknown>) => (await sim.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g/streams', ...input }))).logStreams!.map((s) => s.logStreamName);
  expect(await names({})).toEqual(['a', 'b', 'c', 'x-1', 'x-2']);
  expect(await names({ logStreamNamePrefix: 'x-' })).toEqual(['x-1', 'x-2']);
  expect(await names({ descending: true, limit: 2 })).toEqual(['x-2', 'x-1']);
  expect((await names({ orderBy: 'LastEventTime', descending: true })).slice(0, 2)).toEqual(['a', 'c']);
  await expect(names({ orderBy: 'LastEventTime', logStreamNamePrefix: 'x' })).rejects.toMatchObject({ name: 'InvalidParameterException' });
  const p1 = await sim.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g/streams', limit: 2 }));
  const p2 = await sim.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g/streams', limit: 2, nextToken: p1.nextToken }));
  const p3 = await sim.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g/streams', limit: 2, nextToken: p2.nextToken }));
  expect([...p1.logStreams!, ...p2.logStreams!, ...p3.logStreams!].map((s) => s.logStreamName)).toEqual(['a', 'b', 'c', 'x-1', 'x-2']);
  expect(p3.nextToken).toBeUndefined();
});

test('FilterLogEvents: streams, prefix, time range, terms, phrases, ?any, -exclude, paging', async () => {
  await group('/g/filter', ['app/1', 'app/2', 'other']);
  await put('/g/filter', 'app/1', ['ERROR disk full', 'INFO started', 'WARN slow disk'], T0);
  await put('/g/filter', 'app/2', ['ERROR timeout', 'INFO ok'], T0 + 1);
  await put('/g/filter', 'other', ['ERROR elsewhere'], T0 + 2);
  const filter = async (input: Record<string, unknown>) => (await sim.logs.send(new FilterLogEventsCommand({ logGroupName: '/g/filter', ...input }))).events!;
  const msgs = async (input: Record<string, unknown>) => (await filter(input)).map((e) => e.message);
  expect(await msgs({ filterPattern: 'ERROR' })).toEqual(['ERROR disk full', 'ERROR timeout', 'ERROR elsewhere']);
  expect(await msgs({ filterPattern: 'ERROR', logStreamNamePrefix: 'app/' })).toEqual(['ERROR disk full', 'ERROR timeout']);
  expect(await msgs({ filterPattern: 'ERROR', logStreamNames: ['other'] })).toEqual(['ERROR elsewhere']);
  expect(await msgs({ filterPattern: '"disk full"' })).toEqual(['ERROR disk full']);
  expect(await msgs({ filterPattern: 'disk -ERROR' })).toEqual(['WARN slow disk']);
  expect(await msgs({ filterPattern: '?WARN ?timeout' })).toEqual(['ERROR timeout', 'WARN slow disk']);
  expect(await msgs({ filterPattern: 'error' })).toEqual([]);
  expect(await msgs({ startTime: T0 + 2, endTime: T0 + 2 })).toEqual(['WARN slow disk', 'INFO ok', 'ERROR elsewhere']);
  const [first] = await filter({ filterPattern: 'timeout' });
  expect(first).toMatchObject({ logStreamName: 'app/2', timestamp: T0 + 1, eventId: expect.stringMatching(/^\d+$/), ingestionTime: expect.any(Number) });
  const all: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const out = await sim.logs.send(new FilterLogEventsCommand({ logGroupName: '/g/filter', limit: 2, nextToken }));
    expect(out.events!.length).toBeLessThanOrEqual(2);
    all.push(...out.events!.map((e) => e.message!));
    nextToken = out.nextToken;
    pages++;
  } while (nextToken);
  expect(pages).toBe(3);
  expect(all).toHaveLength(6);
  expect(new Set(all).size).toBe(6);
  await expect(filter({ filterPattern: '{ $.level = "x" }' })).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('only text filter patterns') });
  await expect(filter({ logGroupName: '/g/none' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});
