import {
  DescribeTaskDefinitionCommand, DescribeTasksCommand, ListTagsForResourceCommand, ListTaskDefinitionsCommand, ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { startSimulator, until, type TestSimulator } from '../../sim-aws/test/helpers';
import { OFF_AWS_SUBNET, type EcsDriver } from '../src/driver';
import { TAG } from '../src/tags';
import { collect, containerId, ecsDriver, finish, startFaultProxy, workloadSpec, type FaultProxy } from './helpers';

jest.setTimeout(120_000);

let sim: TestSimulator;
let proxy: FaultProxy;
let driver: EcsDriver;
let closeDriver: () => Promise<void>;
const created: string[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  proxy = await startFaultProxy(sim.endpoint);
  ({ driver, close: closeDriver } = await ecsDriver(proxy.endpoint));
});

afterAll(async () => {
  for (const id of created) await driver.remove(id).catch(() => undefined);
  await closeDriver?.();
  await proxy?.close();
  await sim?.close();
});

function track(id: string): string {
  created.push(id);
  return id;
}

function tagsOf(tags: Array<{ key?: string; value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.key!, t.value!]));
}

describe('ecs driver against the simulator', () => {
  test('runs a task: its output comes from CloudWatch Logs and its exit code from DescribeTasks', async () => {
    const id = track(containerId());
    const spec = workloadSpec(id, { argv: ['sh', '-c', 'echo hi; echo oops >&2; exit 3'] });
    await driver.create(spec);
    const result = await finish(await driver.start(spec));
    expect(result.exitCode).toBe(3);
    expect(result.error).toBeUndefined();
    // awslogs keeps no stream identity: both lines arrive on stdout.
    expect(result.out.split('\n').filter(Boolean).sort()).toEqual(['hi', 'oops']);
    const run = proxy.callsOf('RunTask').find((c) => JSON.stringify(c.body).includes(id.slice(0, 32)));
    expect(run?.body).toMatchObject({ launchType: 'FARGATE', cluster: 'sockerless', clientToken: `${id.slice(0, 32)}-1` });
    // The simulator refuses empty subnets as ECS does: with none configured, off AWS the task names a placeholder.
    expect(run?.body).toMatchObject({ networkConfiguration: { awsvpcConfiguration: { subnets: [OFF_AWS_SUBNET] } } });
    // The definition is Fargate's, and the log group exists before the task (awslogs does not create it here).
    const registered = proxy.callsOf('RegisterTaskDefinition').find((c) => JSON.stringify(c.body).includes(id.slice(0, 12)));
    expect(registered?.body).toMatchObject({ networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'] });
    expect(proxy.callsOf('CreateLogGroup').length).toBeGreaterThanOrEqual(1);
  });

  test('the task definition and the task carry the container identity in tags', async () => {
    const id = track(containerId());
    const labels = { team: 'blue', 'com.sockerless.pool': 'ci', long: 'x'.repeat(400) };
    const spec = workloadSpec(id, { name: 'tagged-one', labels, argv: ['echo', 'tagged'], env: ['PATH=/bin', 'SECRET=hunter2'] });
    await driver.create(spec);
    const family = `sockerless-${id.slice(0, 12)}`;
    const described = await sim.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }));
    const defTags = tagsOf(described.tags);
    expect(defTags).toMatchObject({
      [TAG.managed]: 'true', [TAG.containerId]: id, [TAG.name]: 'tagged-one', [TAG.image]: 'busybox:latest',
      [TAG.instance]: 'ecs-test', [TAG.pool]: 'ci',
    });
    expect(new Date(defTags[TAG.createdAt]).getTime()).toBeGreaterThan(0);
    // The labels do not fit one 256-character value: they are split in chunks that join back to them.
    expect(defTags[`${TAG.labelsPrefix}1`]).toBeDefined();
    const joined = Object.keys(defTags).filter((k) => k.startsWith(TAG.labelsPrefix)).sort().map((k) => defTags[k]).join('');
    expect(JSON.parse(Buffer.from(joined, 'base64url').toString())).toEqual(labels);
    expect(JSON.stringify(defTags)).not.toContain('hunter2');
    const main = described.taskDefinition!.containerDefinitions![0];
    expect(main).toMatchObject({ name: 'main', image: 'busybox:latest', entryPoint: ['echo'], command: ['tagged'], essential: true });
    expect(main.logConfiguration).toMatchObject({ logDriver: 'awslogs', options: { 'awslogs-group': '/sockerless', 'awslogs-stream-prefix': 'sockerless' } });
    expect(described.taskDefinition).toMatchObject({ requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512' });

    const proc = await driver.start(spec);
    expect((await finish(proc)).out).toBe('tagged\n');
    const taskTags = await until(async () => {
      const listed = await sim.ecs.send(new ListTasksCommand({ cluster: 'sockerless', family, desiredStatus: 'STOPPED' }));
      if (!listed.taskArns?.length) return undefined;
      const d = await sim.ecs.send(new DescribeTasksCommand({ cluster: 'sockerless', tasks: listed.taskArns }));
      const out = await sim.ecs.send(new ListTagsForResourceCommand({ resourceArn: d.tasks![0].taskArn! }));
      return tagsOf(out.tags);
    }, 'the task of the container');
    expect(taskTags).toMatchObject({ [TAG.containerId]: id, [TAG.name]: 'tagged-one', [TAG.start]: '1', [TAG.instance]: 'ecs-test' });
  });

  test('list() rebuilds each container from its tags, for this instance only', async () => {
    const createdOnly = track(containerId());
    const ran = track(containerId());
    await driver.create(workloadSpec(createdOnly, { name: 'only-created', labels: { a: '1' }, argv: ['sh', '-c', 'echo never'] }));
    const ranSpec = workloadSpec(ran, { name: 'ran-once', image: { id: 'sha256:x', ref: 'busybox:latest' }, argv: ['sh', '-c', 'exit 4'] });
    await driver.create(ranSpec);
    expect((await finish(await driver.start(ranSpec))).exitCode).toBe(4);

    const listed = await driver.list();
    const a = listed.find((w) => w.id === createdOnly);
    const b = listed.find((w) => w.id === ran);
    expect(a).toMatchObject({ running: false, identity: { name: 'only-created', image: 'busybox:latest', labels: { a: '1' }, pool: 'default', argv: ['sh', '-c', 'echo never'] } });
    expect(a!.identity!.exitCode).toBeUndefined();
    expect(b).toMatchObject({ running: false, identity: { name: 'ran-once', exitCode: 4, argv: ['sh', '-c', 'exit 4'] } });
    expect(Date.parse(b!.identity!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(b!.identity!.startedAt!));

    const other = await ecsDriver(sim.endpoint, {}, 'another-instance');
    try {
      expect((await other.driver.list()).map((w) => w.id)).not.toContain(ran);
    } finally {
      await other.close();
    }
  });

  test('a second driver reattaches to a running task, stops it, and remove leaves no task definition', async () => {
    const id = track(containerId());
    const spec = workloadSpec(id, { argv: ['sh', '-c', 'echo before; exec sleep 1000'] });
    await driver.create(spec);
    const first = await driver.start(spec);
    let firstOut = '';
    first.stdout.on('data', (d: Buffer) => { firstOut += d.toString(); });
    await until(() => (firstOut.includes('before') ? true : undefined), 'the first line in CloudWatch');

    const second = await ecsDriver(sim.endpoint);
    try {
      expect((await second.driver.list()).find((w) => w.id === id)?.running).toBe(true);
      expect(await second.driver.reattach(containerId(), {})).toBeUndefined();
      const again = await second.driver.reattach(id, {});
      expect(again).toBeDefined();
      const outAgain = collect(again!.stdout);
      await second.driver.signal(id, 'SIGKILL');
      const status = await again!.exited;
      // StopTask sends SIGTERM first: sleep dies of it.
      expect([137, 143]).toContain(status.exitCode);
      expect(await outAgain).toContain('before');
      expect((await first.exited).exitCode).toBe(status.exitCode);
      await expect(second.driver.signal(id, 'SIGKILL')).rejects.toMatchObject({ code: 'NotFound' });

      await second.driver.remove(id);
      await second.driver.remove(id); // idempotent
      const active = await sim.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: `sockerless-${id.slice(0, 12)}`, status: 'ACTIVE' }));
      expect(active.taskDefinitionArns).toEqual([]);
    } finally {
      await second.close();
    }
  });

  test('tasks of several containers are described in one batched DescribeTasks call', async () => {
    const ids = [containerId(), containerId(), containerId()].map(track);
    const procs = [];
    for (const id of ids) {
      const spec = workloadSpec(id, { argv: ['sleep', '1000'] });
      await driver.create(spec);
      procs.push(await driver.start(spec));
    }
    const batched = await until(() => proxy.callsOf('DescribeTasks').find((c) => (c.body.tasks as string[]).length >= 3), 'a DescribeTasks naming all three tasks');
    expect((batched.body.tasks as string[]).length).toBeGreaterThanOrEqual(3);
    // Without the agent ECS can only stop a task: other signals are refused, naming why.
    await expect(driver.signal(ids[0], 'HUP')).rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('ECS can only stop a task') });
    for (const id of ids) await driver.signal(id, 'SIGKILL');
    const exits = await Promise.all(procs.map((p) => finish(p)));
    for (const e of exits) expect([137, 143]).toContain(e.exitCode);
  });

  test('an unknown image ends the task with 125 and CannotPullContainerError', async () => {
    const id = track(containerId());
    const spec = workloadSpec(id, { image: { id: 'sha256:y', ref: 'no-such-image:1' } });
    await driver.create(spec);
    const status = await (await driver.start(spec)).exited;
    expect(status.exitCode).toBe(125);
    expect(status.error).toMatch(/CannotPullContainerError/);
    // What recovery reads from ECS says the same.
    expect((await driver.list()).find((w) => w.id === id)?.identity?.exitCode).toBe(125);
  });
});
