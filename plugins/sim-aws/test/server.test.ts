/** The simulator's one listener: routing by target and path, error shapes, throttling, and the plugin as the core boots it. */
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, ListClustersCommand, CreateClusterCommand } from '@aws-sdk/client-ecs';
import { SIMULATOR_CREDENTIALS, type Simulator } from '@sockerless/sdk';
import { captureInit, silentLogger, startTestHost } from '@sockerless/sdk/testing';
import plugin from '../src/index';
import { freePort } from '../../../test/support/registry';
import { signedFetch, startSimulator, type TestSimulator } from './helpers';

const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113.';

describe('routing and errors', () => {
  let sim: TestSimulator;
  beforeAll(async () => { sim = await startSimulator(); });
  afterAll(async () => { await sim?.close(); });

  const post = (target: string | undefined, body: string, path = '/') => signedFetch(`${sim.endpoint}${path}`, {
    method: 'POST', body, headers: { 'content-type': 'application/x-amz-json-1.1', ...(target ? { 'x-amz-target': target } : {}) },
  }, { service: target?.startsWith('Logs_') ? 'logs' : 'ecs' });

  test('ECS and Logs answer on one port with AWS JSON 1.1', async () => {
    const res = await post(`${ECS_TARGET}ListClusters`, '{}');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await res.json()).toEqual({ clusterArns: [] });
    const logs = await post('Logs_20140328.DescribeLogGroups', '{}');
    expect(await logs.json()).toEqual({ logGroups: [] });
  });

  test('an unknown operation or path is UnknownOperationException', async () => {
    for (const res of [await post(`${ECS_TARGET}LaunchRockets`, '{}'), await post('Other_2020.Do', '{}'), await post(undefined, '{}', '/nowhere')]) {
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
      expect((await res.json() as { __type: string }).__type).toBe('UnknownOperationException');
    }
    // Through the SDK the exception keeps its name.
    const res = await post(`${ECS_TARGET}ListClusters`, '{not json');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'SerializationException' });
    expect((await post(`${ECS_TARGET}ListClusters`, '[1]')).status).toBe(400);
  });

  test('Lambda paths go to the Lambda service', async () => {
    const res = await signedFetch(`${sim.endpoint}/2015-03-31/functions/nope`, {}, { service: 'lambda' });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });
});

describe('throttling', () => {
  let sim: TestSimulator;
  // One request a minute after a burst of two: the third call in a row is over the limit.
  beforeAll(async () => { sim = await startSimulator({ throttle: { ratePerSecond: 1 / 60, burst: 2 } }); });
  afterAll(async () => { await sim?.close(); });

  test('ECS and Logs throttle with ThrottlingException, each service on its own bucket; Lambda with 429', async () => {
    await sim.ecs.send(new ListClustersCommand({}));
    await sim.ecs.send(new ListClustersCommand({}));
    await expect(sim.ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    await sim.logs.send(new DescribeLogGroupsCommand({}));
    await sim.logs.send(new DescribeLogGroupsCommand({}));
    await expect(sim.logs.send(new DescribeLogGroupsCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException' });
    const listFunctions = () => signedFetch(`${sim.endpoint}/2015-03-31/functions/`, {}, { service: 'lambda' });
    await listFunctions();
    await listFunctions();
    const res = await listFunctions();
    expect(res.status).toBe(429);
    expect(res.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
  });
});

describe('the plugin', () => {
  test('validates its options and registers a simulator named aws', async () => {
    const validate = (v: unknown) => plugin.options!['~standard'].validate(v) as { value?: unknown; issues?: unknown[] };
    expect(validate({}).value).toEqual({ region: 'us-east-1', accountId: '000000000000', startDelayMs: 0 });
    expect(validate({ accountId: 'abc' }).issues).toBeDefined();
    expect(validate({ startDelayMs: -1 }).issues).toBeDefined();
    expect(validate({ regoin: 'x' }).issues).toBeDefined();
    const registered: Simulator[] = [];
    const init = captureInit(plugin);
    await init.init({
      simulators: { register: (s: Simulator) => registered.push(s) },
      sandbox: { open: () => { throw new Error('not used'); } },
      images: { resolve: () => { throw new Error('not used'); } },
      paths: { home: '/nonexistent', stateDir: '/tmp/sim-aws-unused', configDir: '/' },
      logger: silentLogger,
    }, validate({}).value);
    expect(registered.map((s) => s.name)).toEqual(['aws']);
  });

  test('the core starts it on simulators.aws.listen', async () => {
    const port = await freePort();
    const host = await startTestHost({ plugins: ['store-sqlite', 'backend-local', plugin], config: { simulators: { aws: { listen: `tcp://127.0.0.1:${port}` } } } });
    const aws = { region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { ...SIMULATOR_CREDENTIALS }, maxAttempts: 1 };
    const ecs = new ECSClient(aws);
    const logs = new CloudWatchLogsClient(aws);
    try {
      await ecs.send(new CreateClusterCommand({ clusterName: 'via-core' }));
      expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual(['arn:aws:ecs:us-east-1:000000000000:cluster/via-core']);
      expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
    } finally {
      ecs.destroy();
      logs.destroy();
      await host.close();
    }
  });
});
