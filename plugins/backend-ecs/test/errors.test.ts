import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { startSimulator, type TestSimulator } from '../../sim-aws/test/helpers';
import { mapAwsError } from '../src/errors';
import { ecsOptionsSchema } from '../src/options';
import { containerId, ecsDriver, startFaultProxy, workloadSpec, type FaultProxy } from './helpers';

jest.setTimeout(120_000);

let sim: TestSimulator;
let proxy: FaultProxy;

beforeAll(async () => {
  sim = await startSimulator();
  proxy = await startFaultProxy(sim.endpoint);
});

afterAll(async () => {
  await proxy?.close();
  await sim?.close();
});

beforeEach(() => proxy.clear());

async function activeDefinitions(id: string): Promise<string[]> {
  const out = await sim.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: `sockerless-${id.slice(0, 12)}`, status: 'ACTIVE' }));
  return out.taskDefinitionArns ?? [];
}

describe('ecs driver: failures', () => {
  test('a create that fails after RegisterTaskDefinition deregisters it again', async () => {
    const { driver, close } = await ecsDriver(proxy.endpoint, { logGroup: '/half-way' });
    try {
      proxy.fail('CreateLogGroup', { type: 'ThrottlingException', message: 'Rate exceeded' });
      const id = containerId();
      const err = await driver.create(workloadSpec(id)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'TooManyRequests', message: expect.stringContaining('logs: ThrottlingException: Rate exceeded') });
      expect(proxy.callsOf('RegisterTaskDefinition')).toHaveLength(1);
      expect(proxy.callsOf('DeregisterTaskDefinition')).toHaveLength(1);
      expect(await activeDefinitions(id)).toEqual([]);

      // The failure is not remembered: the next create makes the log group and succeeds.
      proxy.clear();
      const next = containerId();
      await driver.create(workloadSpec(next));
      expect(await activeDefinitions(next)).toHaveLength(1);
      await driver.remove(next);
      expect(await activeDefinitions(next)).toEqual([]);
    } finally {
      await close();
    }
  });

  test('AWS errors become typed errors that name the AWS error', async () => {
    const { driver, close } = await ecsDriver(proxy.endpoint);
    try {
      const id = containerId();
      proxy.fail('RegisterTaskDefinition', { type: 'ClientException', message: 'Container.image should not be null or empty.' });
      await expect(driver.create(workloadSpec(id))).rejects.toMatchObject({
        code: 'InvalidArgument', message: 'ecs: ClientException: Container.image should not be null or empty.',
      });
      proxy.clear();
      const spec = workloadSpec(id);
      await driver.create(spec);
      proxy.fail('RunTask', { type: 'ClusterNotFoundException', message: 'Cluster not found.' });
      await expect(driver.start(spec)).rejects.toMatchObject({ code: 'Unavailable', message: expect.stringContaining('ecs: ClusterNotFoundException: Cluster not found.') });
      proxy.fail('RunTask', { type: 'ThrottlingException', message: 'Rate exceeded' });
      await expect(driver.start(spec)).rejects.toMatchObject({ code: 'TooManyRequests' });
      proxy.fail('RunTask', { type: 'InvalidParameterException', message: 'Task definition does not support launch_type FARGATE.' });
      await expect(driver.start(spec)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('InvalidParameterException') });
      proxy.clear();
      await driver.remove(id);
    } finally {
      await close();
    }
  });

  test('an unreachable endpoint is Unavailable', async () => {
    const dead = await startFaultProxy('http://127.0.0.1:9');
    const endpoint = dead.endpoint;
    await dead.close();
    const { driver, close } = await ecsDriver(endpoint);
    try {
      const err = await driver.create(workloadSpec(containerId())).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'Unavailable' });
      expect((err as Error).message).toContain('unreachable');
    } finally {
      await close();
    }
  });

  test('a reset connection is retried as the AWS SDK retries it by default; with one attempt it is Unavailable', async () => {
    // The SDK classes ECONNRESET as transient (a TimeoutError) and retries it: the backend's default attempts are the SDK's.
    const byDefault = await ecsDriver(proxy.endpoint, { maxAttempts: ecsOptionsSchema.parse({}).maxAttempts });
    try {
      proxy.fail('ListTaskDefinitions', { reset: true, times: 1 });
      await expect(byDefault.driver.list()).resolves.toEqual(expect.any(Array));
      expect(proxy.callsOf('ListTaskDefinitions')).toHaveLength(2);
    } finally {
      await byDefault.close();
    }
    const once = await ecsDriver(proxy.endpoint);
    try {
      proxy.fail('ListTaskDefinitions', { reset: true, times: 1 });
      await expect(once.driver.list()).rejects.toMatchObject({ code: 'Unavailable', message: expect.stringMatching(/AWS is unreachable: .*ECONNRESET/) });
      await expect(once.driver.list()).resolves.toEqual(expect.any(Array));
    } finally {
      await once.close();
    }
  });

  test('what Fargate cannot do is refused before any AWS call', async () => {
    const { driver, close } = await ecsDriver(proxy.endpoint);
    try {
      const before = proxy.calls.length;
      await expect(driver.create(workloadSpec(containerId(), { tty: true }))).rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('TTY') });
      await expect(driver.create(workloadSpec(containerId(), { mounts: [{ type: 'bind', source: '/tmp', target: '/data', readOnly: false }] })))
        .rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('bind mounts') });
      await expect(driver.create(workloadSpec(containerId(), { memoryBytes: 4 * 1024 * 1024 })))
        .rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('below the 6 MiB') });
      await expect(driver.create(workloadSpec(containerId(), { memoryBytes: 64 * 1024 * 1024 * 1024 })))
        .rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('more than Fargate gives') });
      const tooManyLabels = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`label-${i}`, 'v'.repeat(40)]));
      await expect(driver.create(workloadSpec(containerId(), { labels: tooManyLabels })))
        .rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('at most 50 tags') });
      const security = { privileged: false, capAdd: [], capDrop: [], devices: [{ hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm' }], seccomp: 'default', noNewPrivileges: false, pidMode: '', ipcMode: '', utsMode: '' };
      await expect(driver.create(workloadSpec(containerId(), { security })))
        .rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('--device /dev/fuse is not available on the ECS backend') });
      expect(proxy.calls.length).toBe(before);
      // A memory limit raises the task to the next Fargate size and caps the container.
      const id = containerId();
      await driver.create(workloadSpec(id, { memoryBytes: 700 * 1024 * 1024 }));
      const registered = proxy.callsOf('RegisterTaskDefinition').pop()!.body as { memory: string; containerDefinitions: Array<{ memory: number }> };
      expect(registered.memory).toBe('1024');
      expect(registered.containerDefinitions[0].memory).toBe(700);
      await expect(driver.signal(id, 'SIGTERM')).rejects.toMatchObject({ code: 'NotFound' });
      await driver.remove(id);
    } finally {
      await close();
    }
  });

  test('mapAwsError covers the SDK error shapes', () => {
    const svc = (name: string, status = 400) => Object.assign(new Error('m'), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
    expect(mapAwsError('ecs', svc('InvalidParameterException')).code).toBe('InvalidArgument');
    expect(mapAwsError('ecs', svc('ThrottlingException')).code).toBe('TooManyRequests');
    expect(mapAwsError('logs', svc('ResourceNotFoundException')).code).toBe('Unavailable');
    expect(mapAwsError('ecs', svc('AccessDeniedException')).code).toBe('Unavailable');
    expect(mapAwsError('ecs', svc('ServerException', 500)).code).toBe('Unavailable');
    expect(mapAwsError('ecs', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code).toBe('Unavailable');
  });

  test('options: invalid Fargate sizes and unknown keys are refused', () => {
    expect(ecsOptionsSchema.safeParse({ cluster: 'c', bogus: 1 }).success).toBe(false);
    expect(ecsOptionsSchema.safeParse({ endpoint: 'http://127.0.0.1:1', simulator: 'aws' }).success).toBe(false);
    expect(ecsOptionsSchema.parse({})).toMatchObject({ cluster: 'sockerless', logGroup: '/sockerless', cpu: '256', memory: '512', agent: true });
  });
});

describe('ecs plugin: lazy SDK', () => {
  const dist = resolve(__dirname, '..', 'dist', 'index.js');
  test('loading the plugin does not load the AWS SDK', () => {
    if (!existsSync(dist)) throw new Error(`build first: npx tsc -b plugins/backend-ecs (missing ${dist})`);
    const script = `const p = require(${JSON.stringify(dist)}); const loaded = Object.keys(require.cache).filter((k) => k.includes('@aws-sdk')); console.log(JSON.stringify({ id: p.default.id, loaded: loaded.length }));`;
    const out = spawnSync(process.execPath, ['-e', script], { cwd: join(__dirname, '..'), encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({ id: 'backend-ecs', loaded: 0 });
  });
});
