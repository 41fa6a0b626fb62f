import { SIMULATOR_CREDENTIALS } from '@sockerless/sdk';
import { join } from 'node:path';
import { ECSClient, ListTagsForResourceCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { startPresetDaemon, type PresetDaemon } from '../support/aws';
import { buildBusyboxImageArchive } from '../support/images';

/**
 * `sockerless daemon --preset aws-sim`: no config file; the AWS simulator runs in the daemon, ECS is the
 * default pool and Lambda the `lambda` pool. Driven by the real docker CLI; what reached the cloud is
 * checked with the official AWS SDK clients against the simulator the daemon printed.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let d: PresetDaemon;
const aws = () => ({ region: 'us-east-1', endpoint: d.simulatorEndpoint(), credentials: { ...SIMULATOR_CREDENTIALS }, maxAttempts: 1 });

beforeAll(async () => {
  d = await startPresetDaemon();
  const archive = await buildBusyboxImageArchive(join(d.dir, 'image'));
  await d.ok(['load', '-i', archive]);
}, 180_000);
afterAll(async () => { await d?.dispose(); });

test('the daemon prints the simulator endpoint and the DOCKER_HOST line', async () => {
  expect(d.output()).toMatch(/^AWS simulator: http:\/\/127\.0\.0\.1:\d+$/m);
  expect(d.output()).toMatch(/^export DOCKER_HOST=unix:\/\/\S+$/m);
  // The endpoint is a real ECS API.
  const tasks = await new ECSClient(aws()).send(new ListTasksCommand({ cluster: 'sockerless' })).catch((e: Error) => e);
  expect(tasks instanceof Error ? tasks.name : 'ok').toMatch(/^(ok|ClusterNotFoundException)$/);
  // An unsigned call (a local user without the simulator's key pair) is refused as AWS refuses it.
  const unsigned = await fetch(d.simulatorEndpoint(), { method: 'POST', body: '{}', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListTasks' } });
  expect(unsigned.status).toBe(403);
  expect(await unsigned.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
});

test('docker run --rm busybox echo hi runs as an ECS task', async () => {
  expect(await d.ok(['run', '--rm', 'busybox', 'echo', 'hi'], { timeoutMs: 120_000 })).toBe('hi');

  const id = await d.ok(['run', '-d', '--name', 'on-ecs', '--label', 'team=blue', 'busybox', 'sh', '-c', 'echo from-ecs; exit 3'], { timeoutMs: 120_000 });
  expect(await d.ok(['wait', id], { timeoutMs: 120_000 })).toBe('3');
  expect(await d.ok(['logs', id])).toBe('from-ecs');
  expect(await d.ok(['inspect', '-f', '{{.Sockerless.Backend}} {{.Sockerless.Pool}}', id])).toBe('ecs default');
  // The task is in the simulator's ECS, tagged with the container's identity.
  const ecs = new ECSClient(aws());
  const arns = (await ecs.send(new ListTasksCommand({ cluster: 'sockerless', desiredStatus: 'STOPPED' }))).taskArns ?? [];
  const tagged = await Promise.all(arns.map(async (arn) => (await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? []));
  const ours = tagged.find((tags) => tags.some((t) => t.key === 'sockerless-container-id' && t.value === id));
  expect(ours).toBeDefined();
  expect(ours).toEqual(expect.arrayContaining([{ key: 'sockerless-name', value: 'on-ecs' }]));
  await d.ok(['rm', id]);
}, 300_000);

test('--label com.sockerless.pool=lambda runs as a Lambda function', async () => {
  const id = await d.ok(['create', '--name', 'on-lambda', '--label', 'com.sockerless.pool=lambda', 'busybox', 'sh', '-c', 'echo from-lambda; exit 4'], { timeoutMs: 120_000 });
  expect(await d.ok(['inspect', '-f', '{{.Sockerless.Backend}} {{.Sockerless.Pool}}', id])).toBe('lambda lambda');
  const started = await d.docker(['start', '-a', id], { timeoutMs: 120_000 });
  expect(started.stdout.trim()).toBe('from-lambda');
  expect(await d.ok(['inspect', '-f', '{{.State.ExitCode}}', id])).toBe('4');
  // A function in the simulator's Lambda carries the container's identity.
  const lambda = new LambdaClient(aws());
  const functions = (await lambda.send(new ListFunctionsCommand({}))).Functions ?? [];
  const tags = await Promise.all(functions.map(async (f) => (await lambda.send(new GetFunctionCommand({ FunctionName: f.FunctionName! }))).Tags ?? {}));
  expect(tags.some((t) => t['sockerless-container-id'] === id)).toBe(true);
  await d.ok(['rm', id]);
}, 300_000);
