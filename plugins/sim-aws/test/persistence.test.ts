/** State survives a simulator restart on the same state dir: clusters, task definitions, tasks and log events. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateClusterCommand, DescribeClustersCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  waitUntilTasksStopped,
} from '@aws-sdk/client-ecs';
import { silentLogger } from '@sockerless/sdk/testing';
import { FilePersistence } from '@sockerless/sdk';
import { BUSYBOX, EXECUTION_ROLE, startSimulator, until, type TestSimulator } from './helpers';

let sim: TestSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim?.close(); });

test('a restarted simulator keeps its clusters, definitions, stopped tasks and logs; a running task is reported stopped', async () => {
  await sim.ecs.send(new CreateClusterCommand({ clusterName: 'keep' }));
  const def = (await sim.ecs.send(new RegisterTaskDefinitionCommand({
    family: 'keep-fam', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: EXECUTION_ROLE,
    containerDefinitions: [{ name: 'main', image: BUSYBOX, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/keep', 'awslogs-stream-prefix': 'p', 'awslogs-create-group': 'true' } } }],
  }))).taskDefinition!;
  const runTask = async (command: string[]) => (await sim.ecs.send(new RunTaskCommand({
    cluster: 'keep', taskDefinition: 'keep-fam', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } }, overrides: { containerOverrides: [{ name: 'main', command }] } }))).tasks![0].taskArn!;
  const finished = await runTask(['sh', '-c', 'echo bye; exit 3']);
  await waitUntilTasksStopped({ client: sim.ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { cluster: 'keep', tasks: [finished] });
  const running = await runTask(['sleep', '1000']);
  await until(async () => ((await sim.ecs.send(new DescribeTasksCommand({ cluster: 'keep', tasks: [running] }))).tasks![0].lastStatus === 'RUNNING' ? true : undefined), 'RUNNING');
  await sim.logs.send(new CreateLogGroupCommand({ logGroupName: '/manual' }));
  await sim.logs.send(new CreateLogStreamCommand({ logGroupName: '/manual', logStreamName: 's' }));
  await sim.logs.send(new PutLogEventsCommand({ logGroupName: '/manual', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'kept' }] }));

  await sim.restart();

  expect((await sim.ecs.send(new DescribeClustersCommand({ clusters: ['keep'] }))).clusters![0].status).toBe('ACTIVE');
  expect((await sim.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'keep-fam' }))).taskDefinition!.taskDefinitionArn).toBe(def.taskDefinitionArn);
  const next = await sim.ecs.send(new RegisterTaskDefinitionCommand({
    family: 'keep-fam', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: EXECUTION_ROLE, containerDefinitions: [{ name: 'main', image: BUSYBOX }],
  }));
  expect(next.taskDefinition!.revision).toBe(2);
  const tasks = (await sim.ecs.send(new DescribeTasksCommand({ cluster: 'keep', tasks: [finished, running] }))).tasks!;
  const byArn = Object.fromEntries(tasks.map((t) => [t.taskArn!, t]));
  expect(byArn[finished]).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited' });
  expect(byArn[finished].containers![0].exitCode).toBe(3);
  expect(byArn[running]).toMatchObject({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'TerminationNotice', stoppedReason: 'Task stopped because the simulator restarted' });
  expect(byArn[running].containers![0].exitCode).toBeUndefined();
  expect(byArn[running].stoppedAt).toBeInstanceOf(Date);
  const manual = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/manual', logStreamName: 's', startFromHead: true }));
  expect(manual.events!.map((e) => e.message)).toEqual(['kept']);
  const id = finished.slice(finished.lastIndexOf('/') + 1);
  const taskLog = await sim.logs.send(new GetLogEventsCommand({ logGroupName: '/keep', logStreamName: `p/main/${id}`, startFromHead: true }));
  expect(taskLog.events!.map((e) => e.message)).toEqual(['bye']);
  // The simulator still runs tasks after its restart.
  const again = await runTask(['true']);
  await waitUntilTasksStopped({ client: sim.ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { cluster: 'keep', tasks: [again] });
});

describe('FilePersistence', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sim-aws-persist-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('coalesces changes into the latest snapshot, written atomically; load reads it back', async () => {
    const p = new FilePersistence(dir, silentLogger);
    expect(p.load('svc')).toBeUndefined();
    let n = 0;
    for (let i = 0; i < 100; i++) p.changed('svc', () => ({ n: ++n }));
    await p.flush();
    // One snapshot was taken for the hundred changes.
    expect(n).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'svc.json'), 'utf8'))).toEqual({ n: 1 });
    expect(readdirSync(dir)).toEqual(['svc.json']);
    expect(new FilePersistence(dir, silentLogger).load('svc')).toEqual({ n: 1 });
  });

  test('after freeze, changes are no longer written', async () => {
    const p = new FilePersistence(dir, silentLogger);
    p.changed('svc', () => ({ v: 'before' }));
    await p.freeze();
    p.changed('svc', () => ({ v: 'after' }));
    await p.flush();
    expect(JSON.parse(readFileSync(join(dir, 'svc.json'), 'utf8'))).toEqual({ v: 'before' });
  });

  test('an unreadable file starts empty', () => {
    const p = new FilePersistence(dir, silentLogger);
    require('node:fs').writeFileSync(join(dir, 'bad.json'), '{half');
    expect(p.load('bad')).toBeUndefined();
    expect(existsSync(join(dir, 'bad.json'))).toBe(true);
  });
});
