/** ECS on the simulator through the official SDK: clusters, task definitions, tags, and the task lifecycle with real processes. */
import {
  CreateClusterCommand, DeregisterTaskDefinitionCommand, DescribeClustersCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand,
  ListTagsForResourceCommand, ListTaskDefinitionsCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
  TagResourceCommand, UntagResourceCommand, waitUntilTasksStopped, type ContainerDefinition, type Task,
} from '@aws-sdk/client-ecs';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BUSYBOX, EXECUTION_ROLE, startSimulator, until, type TestSimulator } from './helpers';

let sim: TestSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim?.close(); });

const CLUSTER = 'c1';
const NET = { awsvpcConfiguration: { subnets: ['subnet-1'], assignPublicIp: 'DISABLED' as const } };
/** What a task definition needs to run on Fargate, and what RunTask needs to place it there. */
const FARGATE_DEF = { networkMode: 'awsvpc' as const, requiresCompatibilities: ['FARGATE' as const], cpu: '256', memory: '512', executionRoleArn: EXECUTION_ROLE };
const ON_FARGATE = { launchType: 'FARGATE' as const, networkConfiguration: NET };

async function register(family: string, container: Partial<ContainerDefinition> = {}, extra: Record<string, unknown> = {}) {
  const out = await sim.ecs.send(new RegisterTaskDefinitionCommand({
    ...FARGATE_DEF, family,
    containerDefinitions: [{
      name: 'main', image: BUSYBOX, essential: true,
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/sim/test', 'awslogs-stream-prefix': 'ecs', 'awslogs-create-group': 'true' } },
      ...container,
    }],
    ...extra,
  }));
  return out.taskDefinition!;
}

async function run(taskDefinition: string, command?: string[], extra: Record<string, unknown> = {}): Promise<Task> {
  const out = await sim.ecs.send(new RunTaskCommand({
    cluster: CLUSTER, taskDefinition, launchType: 'FARGATE', networkConfiguration: NET,
    overrides: command ? { containerOverrides: [{ name: 'main', command }] } : undefined, ...extra,
  }));
  expect(out.failures).toEqual([]);
  return out.tasks![0];
}

const describe1 = async (arn: string) => (await sim.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0];
const stopped = (arn: string) => until(async () => { const t = await describe1(arn); return t.lastStatus === 'STOPPED' ? t : undefined; }, `task ${arn} STOPPED`);
const taskId = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

async function logLines(stream: string): Promise<string[]> {
  const out = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/sim/test', logStreamName: stream, startFromHead: true }));
  return out.events!.map((e) => e.message!);
}

beforeAll(async () => { await sim.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER, tags: [{ key: 'team', value: 'a' }] })); });

describe('clusters', () => {
  test('CreateCluster is idempotent; DescribeClusters reports missing ones as failures', async () => {
    const again = await sim.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    expect(again.cluster).toMatchObject({ clusterName: CLUSTER, status: 'ACTIVE', clusterArn: `arn:aws:ecs:us-east-1:000000000000:cluster/${CLUSTER}` });
    const out = await sim.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER, 'nope'], include: ['TAGS'] }));
    expect(out.clusters).toHaveLength(1);
    expect(out.clusters![0].tags).toEqual([{ key: 'team', value: 'a' }]);
    expect(out.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/nope', reason: 'MISSING' }]);
  });

  test('RunTask, DescribeTasks and ListTasks on a missing cluster: ClusterNotFoundException', async () => {
    await register('fam-nocluster');
    for (const cmd of [
      new RunTaskCommand({ cluster: 'nope', taskDefinition: 'fam-nocluster', networkConfiguration: NET }),
      new DescribeTasksCommand({ cluster: 'nope', tasks: ['x'] }),
      new ListTasksCommand({ cluster: 'nope' }),
    ]) {
      await expect(sim.ecs.send(cmd as RunTaskCommand)).rejects.toMatchObject({ name: 'ClusterNotFoundException', $metadata: { httpStatusCode: 400 } });
    }
  });
});

describe('task definitions', () => {
  test('revisions increment; describe by family, family:rev and ARN; deregister makes INACTIVE', async () => {
    const r1 = await register('fam-a', {}, { tags: [{ key: 'k', value: 'v' }] });
    const r2 = await register('fam-a', { command: ['echo', 'two'] });
    expect(r1.revision).toBe(1);
    expect(r2).toMatchObject({ revision: 2, status: 'ACTIVE', family: 'fam-a', taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/fam-a:2', cpu: '256', memory: '512' });
    expect(r2.containerDefinitions![0]).toMatchObject({ name: 'main', image: BUSYBOX, command: ['echo', 'two'] });
    expect(r2.registeredAt).toBeInstanceOf(Date);
    expect((await sim.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'fam-a' }))).taskDefinition!.revision).toBe(2);
    const byRev = await sim.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'fam-a:1', include: ['TAGS'] }));
    expect(byRev.taskDefinition!.revision).toBe(1);
    expect(byRev.tags).toEqual([{ key: 'k', value: 'v' }]);
    expect((await sim.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: r1.taskDefinitionArn }))).taskDefinition!.revision).toBe(1);
    const dereg = await sim.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'fam-a:2' }));
    expect(dereg.taskDefinition!.status).toBe('INACTIVE');
    // The family now resolves to its latest ACTIVE revision; running the inactive one is refused.
    expect((await sim.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'fam-a' }))).taskDefinition!.revision).toBe(1);
    await expect(sim.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'fam-a:2', networkConfiguration: NET }))).rejects.toMatchObject({ name: 'ClientException' });
    await expect(sim.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope' }))).rejects.toMatchObject({ name: 'ClientException' });
    await expect(sim.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'nope', networkConfiguration: NET }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  test('invalid definitions are ClientExceptions', async () => {
    const bad = (input: Record<string, unknown>) => sim.ecs.send(new RegisterTaskDefinitionCommand({ family: 'bad', containerDefinitions: [{ name: 'm', image: BUSYBOX }], ...input } as never));
    await expect(bad({ containerDefinitions: [] })).rejects.toMatchObject({ name: 'ClientException', message: 'Container list cannot be empty.' });
    await expect(bad({ containerDefinitions: [{ name: 'm' }] })).rejects.toMatchObject({ name: 'ClientException', message: 'Container.image should not be null or empty.' });
    await expect(bad({ memory: 'lots' })).rejects.toMatchObject({ name: 'ClientException' });
    await expect(bad({ requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '4096' })).rejects.toMatchObject({ name: 'ClientException', message: expect.stringContaining('No Fargate configuration exists') });
    await expect(bad({ family: '' })).rejects.toMatchObject({ name: 'ClientException' });
  });

  test('ListTaskDefinitions filters by family and status and pages', async () => {
    for (let i = 0; i < 3; i++) await register('fam-list');
    const all = await sim.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'fam-list' }));
    expect(all.taskDefinitionArns!.map((a) => a.split('/')[1])).toEqual(['fam-list:1', 'fam-list:2', 'fam-list:3']);
    const p1 = await sim.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'fam-list', maxResults: 2, sort: 'DESC' }));
    expect(p1.taskDefinitionArns!.map((a) => a.split('/')[1])).toEqual(['fam-list:3', 'fam-list:2']);
    const p2 = await sim.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'fam-list', maxResults: 2, sort: 'DESC', nextToken: p1.nextToken }));
    expect(p2.taskDefinitionArns!.map((a) => a.split('/')[1])).toEqual(['fam-list:1']);
    expect(p2.nextToken).toBeUndefined();
    await sim.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'fam-list:1' }));
    const inactive = await sim.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'fam-list', status: 'INACTIVE' }));
    expect(inactive.taskDefinitionArns!.map((a) => a.split('/')[1])).toEqual(['fam-list:1']);
  });
});

describe('tasks', () => {
  test('a task runs its command; its exit code, stop code and log lines are reported', async () => {
    const def = await register('fam-exit');
    const task = await run(def.taskDefinitionArn!, ['sh', '-c', 'echo out-line; echo err-line >&2; exit 3']);
    expect(task.lastStatus).toBe('PROVISIONING');
    expect(task.desiredStatus).toBe('RUNNING');
    expect(task.taskArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/c1\/[0-9a-f]{32}$/);
    const done = await stopped(task.taskArn!);
    expect(done).toMatchObject({ desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' });
    expect(done.containers![0]).toMatchObject({ name: 'main', lastStatus: 'STOPPED', exitCode: 3 });
    for (const k of ['createdAt', 'pullStartedAt', 'pullStoppedAt', 'startedAt', 'stoppingAt', 'executionStoppedAt', 'stoppedAt'] as const) expect(done[k]).toBeInstanceOf(Date);
    expect(done.stoppedAt!.getTime()).toBeGreaterThanOrEqual(done.createdAt!.getTime());
    expect(await logLines(`ecs/main/${taskId(task.taskArn!)}`)).toEqual(expect.arrayContaining(['out-line', 'err-line']));
  });

  test('environment overrides reach the process; the image Entrypoint/Cmd rules apply', async () => {
    const def = await register('fam-env', { environment: [{ name: 'A', value: 'from-def' }, { name: 'B', value: 'b' }], entryPoint: ['sh', '-c'], command: ['echo default'] });
    const t1 = await run(def.taskDefinitionArn!, undefined, { overrides: { containerOverrides: [{ name: 'main', command: ['echo A=$A B=$B'], environment: [{ name: 'A', value: 'over' }] }] } });
    await stopped(t1.taskArn!);
    expect(await logLines(`ecs/main/${taskId(t1.taskArn!)}`)).toEqual(['A=over B=b']);
    const t2 = await run(def.taskDefinitionArn!);
    await stopped(t2.taskArn!);
    expect(await logLines(`ecs/main/${taskId(t2.taskArn!)}`)).toEqual(['default']);
  });

  test('StopTask: SIGTERM ends the process, stopCode UserInitiated, the reason kept', async () => {
    const def = await register('fam-stop');
    // As pid 1 of its sandbox the shell would ignore an untrapped SIGTERM (as in Docker); this one traps it.
    // RUNNING is reported once the process is spawned, maybe before the shell ran `trap` (CI once sent SIGTERM in
    // that window: ignored, then SIGKILL after 30 s, 137); so wait for the line the shell prints after the trap.
    const task = await run(def.taskDefinitionArn!, ['sh', '-c', 'trap "exit 143" TERM; echo trapped; while true; do sleep 0.2; done']);
    await until(async () => ((await describe1(task.taskArn!)).lastStatus === 'RUNNING' ? true : undefined), 'RUNNING');
    await until(async () => ((await logLines(`ecs/main/${taskId(task.taskArn!)}`)).includes('trapped') ? true : undefined), 'trapped');
    const out = await sim.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn!, reason: 'enough' }));
    expect(out.task!.desiredStatus).toBe('STOPPED');
    await waitUntilTasksStopped({ client: sim.ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { cluster: CLUSTER, tasks: [task.taskArn!] });
    const done = await describe1(task.taskArn!);
    expect(done).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'enough' });
    expect(done.containers![0].exitCode).toBe(143);
  });

  test('a process that ignores SIGTERM is killed after the container stopTimeout', async () => {
    const def = await register('fam-stubborn', { stopTimeout: 1 });
    const task = await run(def.taskDefinitionArn!, ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 1; done']);
    await until(async () => ((await logLines(`ecs/main/${taskId(task.taskArn!)}`)).includes('ready') ? true : undefined), 'ready');
    await sim.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }));
    const done = await stopped(task.taskArn!);
    expect(done.containers![0].exitCode).toBe(137);
  });

  test('an unknown image: TaskFailedToStart with CannotPullContainerError', async () => {
    const def = await register('fam-noimage', { image: 'no/such:image' });
    const task = await run(def.taskDefinitionArn!);
    const done = await stopped(task.taskArn!);
    expect(done.stopCode).toBe('TaskFailedToStart');
    expect(done.stoppedReason).toMatch(/^CannotPullContainerError: /);
    expect(done.containers![0].exitCode).toBeUndefined();
    expect(done.containers![0].reason).toMatch(/^CannotPullContainerError: /);
  });

  test('startDelayMs: PROVISIONING then PENDING are seen before RUNNING', async () => {
    const slow = await startSimulator({ startDelayMs: 1500 });
    try {
      await slow.ecs.send(new CreateClusterCommand({ clusterName: 'slow' }));
      const def = (await slow.ecs.send(new RegisterTaskDefinitionCommand({ ...FARGATE_DEF, family: 'f', containerDefinitions: [{ name: 'main', image: BUSYBOX, command: ['sleep', '1000'], stopTimeout: 1 }] }))).taskDefinition!;
      const task = (await slow.ecs.send(new RunTaskCommand({ ...ON_FARGATE, cluster: 'slow', taskDefinition: def.taskDefinitionArn! }))).tasks![0];
      const seen = new Set<string>([task.lastStatus!]);
      await until(async () => {
        const t = (await slow.ecs.send(new DescribeTasksCommand({ cluster: 'slow', tasks: [task.taskArn!] }))).tasks![0];
        seen.add(t.lastStatus!);
        return t.lastStatus === 'RUNNING' ? true : undefined;
      }, 'RUNNING');
      expect([...seen]).toEqual(['PROVISIONING', 'PENDING', 'RUNNING']);
      await slow.ecs.send(new StopTaskCommand({ cluster: 'slow', task: task.taskArn! }));
      await waitUntilTasksStopped({ client: slow.ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { cluster: 'slow', tasks: [task.taskArn!] });
    } finally {
      await slow.close();
    }
  });

  test('StopTask before the task started: it never runs', async () => {
    const slow = await startSimulator({ startDelayMs: 60_000 });
    try {
      await slow.ecs.send(new CreateClusterCommand({ clusterName: 'slow' }));
      const def = (await slow.ecs.send(new RegisterTaskDefinitionCommand({ ...FARGATE_DEF, family: 'f', containerDefinitions: [{ name: 'main', image: BUSYBOX }] }))).taskDefinition!;
      const task = (await slow.ecs.send(new RunTaskCommand({ ...ON_FARGATE, cluster: 'slow', taskDefinition: def.taskDefinitionArn! }))).tasks![0];
      await slow.ecs.send(new StopTaskCommand({ cluster: 'slow', task: task.taskArn! }));
      const t = (await slow.ecs.send(new DescribeTasksCommand({ cluster: 'slow', tasks: [task.taskArn!] }))).tasks![0];
      // Nothing to stop: straight to DEPROVISIONING, which lasts half the start delay as the ENI goes.
      expect(t).toMatchObject({ lastStatus: 'DEPROVISIONING', desiredStatus: 'STOPPED', stopCode: 'UserInitiated' });
      expect(t.startedAt).toBeUndefined();
    } finally {
      await slow.close();
    }
  });

  test('clientToken makes RunTask idempotent; count runs several tasks', async () => {
    const def = await register('fam-token');
    const input = { ...ON_FARGATE, cluster: CLUSTER, taskDefinition: def.taskDefinitionArn!, clientToken: 'tok-1', overrides: { containerOverrides: [{ name: 'main', command: ['true'] }] } };
    const a = await sim.ecs.send(new RunTaskCommand(input));
    const b = await sim.ecs.send(new RunTaskCommand(input));
    expect(b.tasks!.map((t) => t.taskArn)).toEqual(a.tasks!.map((t) => t.taskArn));
    const many = await sim.ecs.send(new RunTaskCommand({ ...input, clientToken: 'tok-2', count: 3 }));
    expect(new Set(many.tasks!.map((t) => t.taskArn)).size).toBe(3);
    await expect(sim.ecs.send(new RunTaskCommand({ ...input, clientToken: 'tok-3', count: 11 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await waitUntilTasksStopped({ client: sim.ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { cluster: CLUSTER, tasks: many.tasks!.map((t) => t.taskArn!) });
  });

  test('DescribeTasks: unknown tasks are failures; include TAGS returns the task tags', async () => {
    const def = await register('fam-tags');
    const task = await run(def.taskDefinitionArn!, ['true'], { tags: [{ key: 'container', value: 'abc' }] });
    const out = await sim.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [task.taskArn!, 'ffffffffffffffffffffffffffffffff'], include: ['TAGS'] }));
    expect(out.tasks![0].tags).toEqual([{ key: 'container', value: 'abc' }]);
    expect(out.failures).toEqual([{ arn: `arn:aws:ecs:us-east-1:000000000000:task/${CLUSTER}/ffffffffffffffffffffffffffffffff`, reason: 'MISSING' }]);
    const noTags = await sim.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskId(task.taskArn!)] }));
    expect(noTags.tasks![0].tags).toBeUndefined();
    expect(noTags.tasks![0].attachments![0].details).toEqual(expect.arrayContaining([{ name: 'privateIPv4Address', value: '127.0.0.1' }]));
  });

  test('ListTasks: by family and desiredStatus, paged by maxResults and nextToken', async () => {
    const def = await register('fam-page', { stopTimeout: 1 });
    const tasks: Task[] = [];
    for (let i = 0; i < 5; i++) tasks.push(await run(def.taskDefinitionArn!, ['sleep', '1000'], { startedBy: 'pager' }));
    const arns: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await sim.ecs.send(new ListTasksCommand({ cluster: CLUSTER, family: 'fam-page', maxResults: 2, nextToken }));
      expect(out.taskArns!.length).toBeLessThanOrEqual(2);
      arns.push(...out.taskArns!);
      nextToken = out.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(arns).toEqual(tasks.map((t) => t.taskArn));
    expect((await sim.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: 'pager' }))).taskArns).toHaveLength(5);
    for (const t of tasks) await sim.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: t.taskArn! }));
    await waitUntilTasksStopped({ client: sim.ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { cluster: CLUSTER, tasks: arns });
    expect((await sim.ecs.send(new ListTasksCommand({ cluster: CLUSTER, family: 'fam-page' }))).taskArns).toEqual([]);
    const stoppedList = await sim.ecs.send(new ListTasksCommand({ cluster: CLUSTER, family: 'fam-page', desiredStatus: 'STOPPED' }));
    expect(stoppedList.taskArns).toHaveLength(5);
  });

  test('a multi-container task runs every container and stops when the essential one exits', async () => {
    const logConfiguration = { logDriver: 'awslogs' as const, options: { 'awslogs-group': '/sim/test', 'awslogs-stream-prefix': 'multi', 'awslogs-create-group': 'true' } };
    const def = (await sim.ecs.send(new RegisterTaskDefinitionCommand({
      ...FARGATE_DEF, family: 'fam-multi',
      containerDefinitions: [
        { name: 'side', image: BUSYBOX, essential: false, command: ['sh', '-c', 'echo side-up; sleep 1000'], logConfiguration, stopTimeout: 2 },
        { name: 'app', image: BUSYBOX, essential: true, command: ['sh', '-c', 'sleep 0.5; echo app-done'], logConfiguration },
      ],
    }))).taskDefinition!;
    const task = (await sim.ecs.send(new RunTaskCommand({ ...ON_FARGATE, cluster: CLUSTER, taskDefinition: def.taskDefinitionArn! }))).tasks![0];
    const done = await stopped(task.taskArn!);
    expect(done.stopCode).toBe('EssentialContainerExited');
    const byName = Object.fromEntries(done.containers!.map((c) => [c.name, c]));
    expect(byName.app.exitCode).toBe(0);
    expect([143, 137]).toContain(byName.side.exitCode);
    const id = taskId(task.taskArn!);
    const lines = async (c: string) => (await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/sim/test', logStreamName: `multi/${c}/${id}`, startFromHead: true }))).events!.map((e) => e.message);
    expect(await lines('side')).toEqual(['side-up']);
    expect(await lines('app')).toEqual(['app-done']);
  });
});

describe('tags', () => {
  test('TagResource, UntagResource and ListTagsForResource on clusters, task definitions and tasks', async () => {
    const def = await register('fam-tagged');
    const task = await run(def.taskDefinitionArn!, ['true']);
    const cluster = (await sim.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER] }))).clusters![0];
    for (const arn of [cluster.clusterArn!, def.taskDefinitionArn!, task.taskArn!]) {
      await sim.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'x', value: '1' }, { key: 'y', value: '2' }] }));
      await sim.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['y'] }));
      const tags = (await sim.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags!;
      expect(tags).toEqual(expect.arrayContaining([{ key: 'x', value: '1' }]));
      expect(tags.find((t) => t.key === 'y')).toBeUndefined();
    }
    await expect(sim.ecs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecs:us-east-1:000000000000:task/c1/0000' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(sim.ecs.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(sim.ecs.send(new TagResourceCommand({ resourceArn: cluster.clusterArn!, tags: [{ key: 'aws:x', value: '1' }] }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});
