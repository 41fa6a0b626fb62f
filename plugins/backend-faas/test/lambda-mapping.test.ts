/** The pure mappings of the Lambda driver: AWS errors, env rules, identity tags, exit statuses. */
import {
  ResourceConflictException, ResourceNotFoundException, InvalidParameterValueException, TooManyRequestsException, ServiceException,
} from '@aws-sdk/client-lambda';
import { mapAwsError } from '../src/lambda/errors';
import { lambdaEnvironment } from '../src/lambda/environment';
import { identityFromTags, identityTags, TAG } from '../src/lambda/identity-tags';
import { exitStatusOf } from '../src/lambda/exit-status';
import { workloadSpec } from './helpers';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const meta = { $metadata: { httpStatusCode: 400 } };

test('AWS exceptions become the SDK errors, their message naming the AWS error', () => {
  const cases: Array<[Error, string, number]> = [
    [new ResourceNotFoundException({ message: 'Function not found: x', ...meta }), 'NotFound', 404],
    [new InvalidParameterValueException({ message: 'bad image', ...meta }), 'InvalidArgument', 400],
    [new TooManyRequestsException({ message: 'Rate exceeded', ...meta }), 'TooManyRequests', 429],
    [new ResourceConflictException({ message: 'Function already exist: x', ...meta }), 'Conflict', 409],
    [new ServiceException({ message: 'boom', $metadata: { httpStatusCode: 500 } }), 'Unavailable', 503],
  ];
  for (const [err, code] of cases) {
    const mapped = mapAwsError(err) as Error & { code?: string };
    expect(mapped.code).toBe(code);
    expect(mapped.message).toBe(`lambda: ${err.name}: ${err.message}`);
  }
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  expect(mapAwsError(refused)).toMatchObject({ code: 'Unavailable', message: expect.stringContaining('unreachable') });
});

test('env names Lambda refuses are refused by name; the rest become Variables', () => {
  expect(lambdaEnvironment(['PATH=/bin', 'A_1=x=y', 'EMPTY='])).toEqual({ PATH: '/bin', A_1: 'x=y', EMPTY: '' });
  expect(() => lambdaEnvironment(['MY.VAR=1'])).toThrow(/MY\.VAR/);
  expect(() => lambdaEnvironment(['X=1'])).toThrow(/'X'/);
  expect(() => lambdaEnvironment(['AWS_REGION=eu-west-1'])).toThrow(/AWS_REGION is reserved/);
  expect(() => lambdaEnvironment(['AWS_LAMBDA_RUNTIME_API=x'])).toThrow(/reserved/);
  expect(() => lambdaEnvironment([`BIG=${'x'.repeat(5000)}`])).toThrow(/4096/);
  try { lambdaEnvironment(['1BAD=x']); } catch (err) { expect(err).toMatchObject({ code: 'InvalidArgument' }); }
});

test('identity tags round-trip, labels in 256-character chunks', () => {
  const labels: Record<string, string> = { 'com.sockerless.pool': 'fast', team: 'blue' };
  for (let i = 0; i < 20; i++) labels[`long.label.${i}`] = 'v'.repeat(30);
  const spec = workloadSpec(['echo', 'hi'], { name: 'my-box', labels });
  const created = new Date('2025-01-02T03:04:05.000Z');
  const tags = identityTags(spec, 'lambda-a', created);
  expect(tags).toMatchObject({
    [TAG.managed]: 'true', [TAG.containerId]: spec.id, [TAG.name]: 'my-box', [TAG.image]: 'busybox:latest',
    [TAG.createdAt]: created.toISOString(), [TAG.instance]: 'lambda-a', [TAG.pool]: 'fast',
  });
  const chunks = Object.keys(tags).filter((k) => k.startsWith(TAG.labelsPrefix));
  expect(chunks.length).toBeGreaterThan(1);
  for (const k of chunks) expect(tags[k].length).toBeLessThanOrEqual(256);
  expect(identityFromTags({ ...tags, [TAG.exitCode]: '3' }, ['echo', 'hi'])).toEqual({
    name: 'my-box', image: 'busybox:latest', created: created.toISOString(), labels, pool: 'fast', argv: ['echo', 'hi'], exitCode: 3,
  });
  expect(identityFromTags({ other: 'x' }, undefined)).toBeUndefined();
  const huge: Record<string, string> = {};
  for (let i = 0; i < 200; i++) huge[`l${i}`] = 'x'.repeat(50);
  expect(() => identityTags(workloadSpec(['true'], { labels: huge }), 'lambda', created)).toThrow(/labels are too large/);
});

test('exit statuses from the invocation answer', () => {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  expect(exitStatusOf({ Payload: json({ exitCode: 3 }) }, 900)).toEqual({ exitCode: 3 });
  expect(exitStatusOf({ Payload: json({ ok: 1 }) }, 900)).toEqual({ exitCode: 0 });
  expect(exitStatusOf({ FunctionError: 'Unhandled', Payload: json({ errorType: 'Runtime.ExitError', errorMessage: 'RequestId: a Error: Runtime exited with error: exit status 7' }) }, 900)).toEqual({ exitCode: 7 });
  expect(exitStatusOf({ FunctionError: 'Unhandled', Payload: json({ errorType: 'Runtime.ExitError', errorMessage: 'RequestId: a Error: Runtime exited with error: signal: killed' }) }, 900)).toEqual({ exitCode: 137, signal: 'SIGKILL' });
  expect(exitStatusOf({ FunctionError: 'Unhandled', Payload: json({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 5.00 seconds' }) }, 5)).toEqual({ exitCode: 137, signal: 'SIGKILL', error: 'Lambda timeout (5 s)' });
  expect(exitStatusOf({ FunctionError: 'Unhandled', Payload: json({ errorType: 'TypeError', errorMessage: 'x is undefined' }) }, 5)).toEqual({ exitCode: 1, error: 'lambda: TypeError: x is undefined' });
});
