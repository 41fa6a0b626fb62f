import { GetLogEventsCommand, DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand,
  ListFunctionsCommand, ListTagsCommand, TagResourceCommand, UntagResourceCommand,
  UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { BUSYBOX, LAMBDA_ROLE, lambdaLogMessages, payloadOf, rejection, startSimulator, until, type TestSimulator } from './helpers';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROLE = LAMBDA_ROLE;
const ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:';

/** A busybox function talking to the Runtime API: it fetches the event, takes the request id from the headers, posts `{"ok":1}`. */
const RUNTIME_CLIENT = [
  'H=$(wget -q -S -O /tmp/event "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next" 2>&1)',
  'ID=$(echo "$H" | grep -i "lambda-runtime-aws-request-id" | sed "s/.*: *//" | tr -d "\\r ")',
  'echo "got $ID"',
  'wget -q -O- --post-data \'{"ok":1}\' "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$ID/response"',
].join('\n');

let sim: TestSimulator;

beforeAll(async () => { sim = await startSimulator(); });

afterAll(() => sim?.close());

function fnInput(name: string, command: string[] | undefined, extra: Partial<CreateFunctionCommandInput> = {}): CreateFunctionCommandInput {
  return {
    FunctionName: name,
    Role: ROLE,
    PackageType: 'Image',
    Code: { ImageUri: BUSYBOX },
    ...(command ? { ImageConfig: { Command: command } } : {}),
    ...extra,
  };
}

async function createShellFunction(name: string, script: string, extra: Partial<CreateFunctionCommandInput> = {}): Promise<string> {
  const out = await sim.lambda.send(new CreateFunctionCommand(fnInput(name, ['sh', '-c', script], extra)));
  return out.FunctionArn!;
}

describe('functions', () => {
  test('CreateFunction returns the configuration of an image function', async () => {
    const out = await sim.lambda.send(new CreateFunctionCommand(fnInput('create-ok', ['echo', 'hi'], {
      Environment: { Variables: { GREETING: 'hello' } },
      Tags: { team: 'a' },
      MemorySize: 256,
    })));
    expect(out.$metadata.httpStatusCode).toBe(201);
    expect(out.FunctionName).toBe('create-ok');
    expect(out.FunctionArn).toBe(`${ARN_PREFIX}create-ok`);
    expect(out.PackageType).toBe('Image');
    expect(out.State).toBe('Active');
    expect(out.LastUpdateStatus).toBe('Successful');
    expect(out.Timeout).toBe(3);
    expect(out.MemorySize).toBe(256);
    expect(out.Role).toBe(ROLE);
    expect(out.Version).toBe('$LATEST');
    expect(out.Environment?.Variables).toEqual({ GREETING: 'hello' });
    expect(out.ImageConfigResponse?.ImageConfig?.Command).toEqual(['echo', 'hi']);
    expect(Number.isNaN(Date.parse(out.LastModified!))).toBe(false);
  });

  test('CreateFunction validates like Lambda', async () => {
    const zip = await rejection(sim.lambda.send(new CreateFunctionCommand({
      FunctionName: 'zip-fn', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: Buffer.from('PK') },
    })));
    expect(zip.name).toBe('InvalidParameterValueException');
    expect(zip.message).toContain('only Image package type is supported by this simulator');

    const noImage = await rejection(sim.lambda.send(new CreateFunctionCommand({ ...fnInput('no-image', undefined), Code: { ImageUri: 'nosuch/image:1' } })));
    expect(noImage.name).toBe('InvalidParameterValueException');
    expect(noImage.message).toContain('Source image nosuch/image:1 does not exist');

    const noRole = await rejection(sim.lambda.send(new CreateFunctionCommand({ ...fnInput('no-role', undefined), Role: undefined })));
    expect(noRole.name).toBe('InvalidParameterValueException');
    expect(noRole.message).toMatch(/[Rr]ole/);

    // Outside the model's ranges: Lambda's front end answers ValidationException with the constraint.
    const limits: Array<[Record<string, number>, string]> = [
      [{ Timeout: 0 }, "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"],
      [{ Timeout: 901 }, "Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"],
      [{ MemorySize: 64 }, "Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"],
      [{ MemorySize: 10241 }, "Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240"],
    ];
    for (const [bad, message] of limits) {
      const err = await rejection(sim.lambda.send(new CreateFunctionCommand(fnInput('bad-limits', undefined, bad))));
      expect(err.name).toBe('ValidationException');
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.message).toBe(`1 validation error detected: ${message}`);
    }
    const reserved = await rejection(sim.lambda.send(new CreateFunctionCommand(fnInput('bad-env', undefined, { Environment: { Variables: { AWS_REGION: 'x' } } }))));
    expect(reserved.name).toBe('InvalidParameterValueException');
    expect(reserved.message).toContain('AWS_REGION');
    // Lambda's key pattern is [a-zA-Z]([a-zA-Z0-9_])+: a digit first, or a single letter, is refused.
    for (const key of ['1X', 'A', 'A-B']) {
      const badKey = await rejection(sim.lambda.send(new CreateFunctionCommand(fnInput('bad-env', undefined, { Environment: { Variables: { [key]: 'x' } } }))));
      expect(badKey.name).toBe('ValidationException');
    }
    const big = await rejection(sim.lambda.send(new CreateFunctionCommand(fnInput('bad-env', undefined, { Environment: { Variables: { BIG: 'x'.repeat(5000) } } }))));
    expect(big.message).toContain('4KB');

    // None of the rejected ones exists.
    for (const name of ['zip-fn', 'no-image', 'no-role', 'bad-limits', 'bad-env']) {
      expect((await rejection(sim.lambda.send(new GetFunctionCommand({ FunctionName: name })))).name).toBe('ResourceNotFoundException');
    }

    await sim.lambda.send(new CreateFunctionCommand(fnInput('dup-fn', undefined)));
    const dup = await rejection(sim.lambda.send(new CreateFunctionCommand(fnInput('dup-fn', undefined))));
    expect(dup.name).toBe('ResourceConflictException');
    expect(dup.$metadata.httpStatusCode).toBe(409);
  });

  test('GetFunction by name and by ARN; the Active waiter succeeds; a missing function is a 404', async () => {
    await sim.lambda.send(new CreateFunctionCommand(fnInput('get-fn', ['true'], { Tags: { k: 'v' } })));
    const byName = await sim.lambda.send(new GetFunctionCommand({ FunctionName: 'get-fn' }));
    expect(byName.Configuration?.FunctionArn).toBe(`${ARN_PREFIX}get-fn`);
    expect(byName.Code).toMatchObject({ ImageUri: BUSYBOX, RepositoryType: 'ECR' });
    expect(byName.Tags).toEqual({ k: 'v' });
    const byArn = await sim.lambda.send(new GetFunctionCommand({ FunctionName: `${ARN_PREFIX}get-fn` }));
    expect(byArn.Configuration?.FunctionName).toBe('get-fn');
    const byPartialArn = await sim.lambda.send(new GetFunctionCommand({ FunctionName: '000000000000:function:get-fn:$LATEST' }));
    expect(byPartialArn.Configuration?.FunctionName).toBe('get-fn');
    const otherAccount = await rejection(sim.lambda.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:111111111111:function:get-fn' })));
    expect(otherAccount.name).toBe('ResourceNotFoundException');
    const waited = await waitUntilFunctionActiveV2({ client: sim.lambda, maxWaitTime: 60 }, { FunctionName: 'get-fn' });
    expect(waited.state).toBe('SUCCESS');

    const missing = await rejection(sim.lambda.send(new GetFunctionCommand({ FunctionName: 'nope-fn' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(missing.message).toContain(`${ARN_PREFIX}nope-fn`);
    const otherVersion = await rejection(sim.lambda.send(new GetFunctionCommand({ FunctionName: 'get-fn', Qualifier: '7' })));
    expect(otherVersion.name).toBe('ResourceNotFoundException');
  });

  test('UpdateFunctionConfiguration changes what it is given and keeps the rest', async () => {
    const created = await sim.lambda.send(new CreateFunctionCommand(fnInput('update-fn', ['true'], { Environment: { Variables: { AA: '1' } } })));
    const updated = await sim.lambda.send(new UpdateFunctionConfigurationCommand({
      FunctionName: 'update-fn', Timeout: 30, MemorySize: 512, Environment: { Variables: { BB: '2' } },
      ImageConfig: { Command: ['echo', 'updated'] },
    }));
    expect(updated.Timeout).toBe(30);
    expect(updated.MemorySize).toBe(512);
    expect(updated.Environment?.Variables).toEqual({ BB: '2' });
    expect(updated.ImageConfigResponse?.ImageConfig?.Command).toEqual(['echo', 'updated']);
    expect(updated.Role).toBe(ROLE);
    expect(updated.RevisionId).not.toBe(created.RevisionId);
    const read = await sim.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'update-fn' }));
    expect(read.Timeout).toBe(30);

    const bad = await rejection(sim.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'update-fn', Timeout: 1000, MemorySize: 1024 })));
    expect(bad.name).toBe('ValidationException');
    expect(bad.message).toBe("1 validation error detected: Value '1000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900");
    const unchanged = await sim.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'update-fn' }));
    expect(unchanged.MemorySize).toBe(512);
    const missing = await rejection(sim.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'nope-fn', Timeout: 5 })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  test('UpdateFunctionCode takes another image, and only an image', async () => {
    await sim.lambda.send(new CreateFunctionCommand(fnInput('code-fn', ['true'])));
    const updated = await sim.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ImageUri: 'busybox' }));
    expect(updated.PackageType).toBe('Image');
    expect((await sim.lambda.send(new GetFunctionCommand({ FunctionName: 'code-fn' }))).Code?.ImageUri).toBe('busybox');
    const missing = await rejection(sim.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ImageUri: 'nosuch:1' })));
    expect(missing.name).toBe('InvalidParameterValueException');
    const zip = await rejection(sim.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ZipFile: Buffer.from('PK') })));
    expect(zip.name).toBe('InvalidParameterValueException');
  });

  test('ListFunctions pages with MaxItems and NextMarker', async () => {
    const mine = ['list-a', 'list-b', 'list-c', 'list-d', 'list-e'];
    for (const name of mine) await sim.lambda.send(new CreateFunctionCommand(fnInput(name, ['true'])));
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await sim.lambda.send(new ListFunctionsCommand({ MaxItems: 2, Marker: marker }));
      expect((page.Functions ?? []).length).toBeLessThanOrEqual(2);
      seen.push(...(page.Functions ?? []).map((f) => f.FunctionName!));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((n) => n.startsWith('list-'))).toEqual(mine);
    const all = await sim.lambda.send(new ListFunctionsCommand({}));
    expect(all.NextMarker).toBeUndefined();
    expect(all.Functions?.map((f) => f.FunctionName)).toEqual(seen);
  });

  test('TagResource, ListTags and UntagResource', async () => {
    const arn = (await sim.lambda.send(new CreateFunctionCommand(fnInput('tag-fn', ['true'], { Tags: { a: '1' } })))).FunctionArn!;
    await sim.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { b: '2', c: '3' } }));
    expect((await sim.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ a: '1', b: '2', c: '3' });
    await sim.lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['a', 'c'] }));
    expect((await sim.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ b: '2' });
    expect((await sim.lambda.send(new GetFunctionCommand({ FunctionName: 'tag-fn' }))).Tags).toEqual({ b: '2' });
    const missing = await rejection(sim.lambda.send(new ListTagsCommand({ Resource: `${ARN_PREFIX}nope-fn` })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  test('DeleteFunction removes it; then it is a 404', async () => {
    await sim.lambda.send(new CreateFunctionCommand(fnInput('delete-fn', ['true'])));
    const out = await sim.lambda.send(new DeleteFunctionCommand({ FunctionName: `${ARN_PREFIX}delete-fn` }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect((await rejection(sim.lambda.send(new GetFunctionCommand({ FunctionName: 'delete-fn' })))).name).toBe('ResourceNotFoundException');
    expect((await rejection(sim.lambda.send(new DeleteFunctionCommand({ FunctionName: 'delete-fn' })))).name).toBe('ResourceNotFoundException');
    expect((await rejection(sim.lambda.send(new InvokeCommand({ FunctionName: 'delete-fn' })))).name).toBe('ResourceNotFoundException');
  });
});

describe('Invoke', () => {
  test('a process that never posts a result ends in Runtime.ExitError, its output in the log group', async () => {
    await createShellFunction('exit0-fn', 'echo hello; echo oops >&2; exit 0');
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'exit0-fn', Payload: Buffer.from('{"a":1}') }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.ExecutedVersion).toBe('$LATEST');
    const requestId = out.$metadata.requestId!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(payloadOf(out))).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status 0`,
    });

    const messages = await lambdaLogMessages(sim, 'exit0-fn');
    expect(messages[0]).toBe(`START RequestId: ${requestId} Version: $LATEST`);
    expect(messages).toContain('hello');
    expect(messages).toContain('oops');
    expect(messages).toContain(`END RequestId: ${requestId}`);
    expect(messages.at(-1)).toMatch(new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB`));
    expect(messages.indexOf('hello')).toBeLessThan(messages.indexOf(`END RequestId: ${requestId}`));

    const streams = await sim.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/exit0-fn' }));
    expect(streams.logStreams).toHaveLength(1);
    expect(streams.logStreams![0].logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  test('a function that uses the Runtime API returns its payload', async () => {
    await createShellFunction('runtime-fn', RUNTIME_CLIENT);
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'runtime-fn', Payload: Buffer.from('{"q":2}') }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(payloadOf(out)).toBe('{"ok":1}');
    const messages = await lambdaLogMessages(sim, 'runtime-fn');
    expect(messages).toContain(`got ${out.$metadata.requestId}`);
    expect(messages.find((m) => m.startsWith('REPORT'))).toContain('Init Duration');
  });

  test('an exit code 3 is an Unhandled FunctionError with exit status 3', async () => {
    await createShellFunction('exit3-fn', 'exit 3');
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'exit3-fn' }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const payload = JSON.parse(payloadOf(out)) as { errorType: string; errorMessage: string };
    expect(payload.errorType).toBe('Runtime.ExitError');
    expect(payload.errorMessage).toMatch(/Runtime exited with error: exit status 3$/);
  });

  test('an Event invocation answers 202 at once and its log appears later', async () => {
    await createShellFunction('event-fn', 'echo "event ran: $AWS_LAMBDA_FUNCTION_NAME"; sleep 1');
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'event-fn', InvocationType: 'Event', Payload: Buffer.from('{}') }));
    expect(out.StatusCode).toBe(202);
    expect(out.Payload?.length ?? 0).toBe(0);
    const messages = await until(async () => {
      const m = await lambdaLogMessages(sim, 'event-fn').catch((): string[] => []);
      return m.some((l) => l.startsWith('REPORT')) ? m : undefined;
    }, 'the Event invocation to finish');
    expect(messages.some((m) => m.startsWith('event ran:'))).toBe(true);
  });

  test('DryRun answers 204 without running anything', async () => {
    await createShellFunction('dryrun-fn', 'echo should-not-run');
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'dryrun-fn', InvocationType: 'DryRun' }));
    expect(out.StatusCode).toBe(204);
    const groups = await lambdaLogMessages(sim, 'dryrun-fn').catch((err: Error) => err.name);
    expect(groups).toBe('ResourceNotFoundException');
  });

  test('LogType Tail returns the end of the log in LogResult', async () => {
    await createShellFunction('tail-fn', 'echo tail-line-1; echo tail-line-2');
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'tail-fn', LogType: 'Tail' }));
    const tail = Buffer.from(out.LogResult!, 'base64').toString('utf8');
    expect(tail).toContain(`START RequestId: ${out.$metadata.requestId}`);
    expect(tail).toContain('tail-line-1\ntail-line-2\n');
    expect(tail).toMatch(/REPORT RequestId: \S+\tDuration/);

    await createShellFunction('bigtail-fn', 'i=0; while [ $i -lt 300 ]; do echo "line $i of a long log that exceeds four kilobytes"; i=$((i+1)); done');
    const big = await sim.lambda.send(new InvokeCommand({ FunctionName: 'bigtail-fn', LogType: 'Tail' }));
    const bigTail = Buffer.from(big.LogResult!, 'base64');
    expect(bigTail.length).toBe(4096);
    expect(bigTail.toString('utf8')).toContain('line 299 of a long log');
    expect(bigTail.toString('utf8')).not.toContain('START RequestId');
    const noTail = await sim.lambda.send(new InvokeCommand({ FunctionName: 'tail-fn' }));
    expect(noTail.LogResult).toBeUndefined();
  });

  test('running past Timeout is killed with Sandbox.Timedout', async () => {
    await createShellFunction('timeout-fn', 'echo before-sleep; sleep 60', { Timeout: 1 });
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'timeout-fn' }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(payloadOf(out))).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Task timed out after 1.00 seconds`,
    });
    const messages = await lambdaLogMessages(sim, 'timeout-fn');
    expect(messages).toContain('before-sleep');
    expect(messages.some((m) => m.endsWith(`${out.$metadata.requestId} Task timed out after 1.00 seconds`))).toBe(true);
    expect(messages.find((m) => m.startsWith('REPORT'))).toContain('Status: timeout');
  });

  test('GetLogEvents reads one invocation stream in order', async () => {
    await createShellFunction('stream-fn', 'echo one; echo two');
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'stream-fn' }));
    const streams = await sim.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/stream-fn' }));
    const events = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/stream-fn', logStreamName: streams.logStreams![0].logStreamName!, startFromHead: true }));
    const messages = (events.events ?? []).map((e) => e.message);
    expect(messages.slice(0, 3)).toEqual([`START RequestId: ${out.$metadata.requestId} Version: $LATEST`, 'one', 'two']);
  });

  test('a missing function is a 404 and a payload that is not JSON a 400', async () => {
    const missing = await rejection(sim.lambda.send(new InvokeCommand({ FunctionName: 'nope-fn', Payload: Buffer.from('{}') })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(404);
    await createShellFunction('json-fn', 'true');
    const notJson = await rejection(sim.lambda.send(new InvokeCommand({ FunctionName: 'json-fn', Payload: Buffer.from('not json') })));
    expect(notJson.name).toBe('InvalidRequestContentException');
    expect(notJson.$metadata.httpStatusCode).toBe(400);
  });

  test('DeleteFunction ends an invocation in flight', async () => {
    await createShellFunction('inflight-fn', 'echo started; sleep 60', { Timeout: 120 });
    const invoking = sim.lambda.send(new InvokeCommand({ FunctionName: 'inflight-fn' }));
    await until(async () => ((await lambdaLogMessages(sim, 'inflight-fn').catch((): string[] => [])).includes('started') ? true : undefined), 'the invocation to start');
    await sim.lambda.send(new DeleteFunctionCommand({ FunctionName: 'inflight-fn' }));
    const out = await invoking;
    expect(out.FunctionError).toBe('Unhandled');
    expect(payloadOf(out)).toContain('Runtime exited with error: signal: killed');
  });
});

describe('throttling and persistence', () => {
  test('a tiny rate answers TooManyRequestsException', async () => {
    const throttled = await startSimulator({ throttle: { ratePerSecond: 0.01, burst: 1 } });
    const client = throttled.lambda;
    try {
      await client.send(new ListFunctionsCommand({}));
      const err = await rejection(client.send(new ListFunctionsCommand({})));
      expect(err.name).toBe('TooManyRequestsException');
      expect(err.$metadata.httpStatusCode).toBe(429);
    } finally {
      await throttled.close();
    }
  });

  test('functions and their tags survive a simulator restart', async () => {
    await sim.lambda.send(new CreateFunctionCommand(fnInput('persist-fn', ['echo', 'persisted'], { Tags: { keep: 'me' }, Timeout: 42 })));
    await sim.lambda.send(new TagResourceCommand({ Resource: `${ARN_PREFIX}persist-fn`, Tags: { added: 'later' } }));
    await sim.restart();
    const got = await sim.lambda.send(new GetFunctionCommand({ FunctionName: 'persist-fn' }));
    expect(got.Configuration?.Timeout).toBe(42);
    expect(got.Configuration?.State).toBe('Active');
    expect(got.Tags).toEqual({ keep: 'me', added: 'later' });
    const out = await sim.lambda.send(new InvokeCommand({ FunctionName: 'persist-fn', LogType: 'Tail' }));
    expect(Buffer.from(out.LogResult!, 'base64').toString('utf8')).toContain('\npersisted\n');
  });
});
