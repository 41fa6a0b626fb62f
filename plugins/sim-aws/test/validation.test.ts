/**
 * The simulator refuses what AWS refuses, with AWS's exception names and messages, so that a setup that works
 * on it does not fail on AWS (issue 15, item 5). Each rule is driven through the official SDK clients.
 */
import {
  CreateClusterCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
  type ContainerDefinition, type RegisterTaskDefinitionCommandInput, type RunTaskCommandInput,
} from '@aws-sdk/client-ecs';
import { CreateLogGroupCommand, DescribeLogGroupsCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { BUSYBOX, EXECUTION_ROLE, rejection, startSimulator, until, type TestSimulator } from './helpers';

let sim: TestSimulator;
const CLUSTER = 'strict';
beforeAll(async () => {
  // A start delay makes PROVISIONING and DEPROVISIONING last long enough (1 s each) to be seen.
  sim = await startSimulator({ startDelayMs: 2000 });
  await sim.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
});
afterAll(async () => { await sim?.close(); });

const FARGATE_DEF = { networkMode: 'awsvpc' as const, requiresCompatibilities: ['FARGATE' as const], cpu: '256', memory: '512', executionRoleArn: EXECUTION_ROLE };
const NET = { awsvpcConfiguration: { subnets: ['subnet-1'] } };

async function register(family: string, extra: Partial<RegisterTaskDefinitionCommandInput> = {}, container: Partial<ContainerDefinition> = {}) {
  return (await sim.ecs.send(new RegisterTaskDefinitionCommand({
    family, containerDefinitions: [{ name: 'main', image: BUSYBOX, ...container }], ...extra,
  }))).taskDefinition!;
}

const runTask = (input: Partial<RunTaskCommandInput>) => sim.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'fargate-ok', ...input }));
const describe1 = async (arn: string) => (await sim.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0];

async function expectRefused(p: Promise<unknown>, name: string, message: string): Promise<void> {
  const err = await rejection(p);
  expect({ name: err.name, message: err.message, status: err.$metadata.httpStatusCode }).toEqual({ name, message, status: 400 });
}

describe('RunTask placement', () => {
  beforeAll(async () => { await register('fargate-ok', FARGATE_DEF); });

  test('awsvpc without subnets: "subnets can not be empty."', async () => {
    await expectRefused(runTask({ launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: [] } } }), 'InvalidParameterException', 'subnets can not be empty.');
    await expectRefused(runTask({ launchType: 'FARGATE' }), 'InvalidParameterException', "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  });

  test('a launch type together with a capacity provider strategy is refused', async () => {
    await expectRefused(
      runTask({ launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }], networkConfiguration: NET }),
      'InvalidParameterException', 'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  });

  test('a FARGATE capacity provider strategy alone places the task on Fargate', async () => {
    const out = await runTask({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }], networkConfiguration: NET, overrides: { containerOverrides: [{ name: 'main', command: ['true'] }] } });
    expect(out.tasks![0].launchType).toBe('FARGATE');
    await expectRefused(runTask({ capacityProviderStrategy: [{ capacityProvider: 'my-asg', weight: 1 }], networkConfiguration: NET }), 'InvalidParameterException',
      'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.');
  });

  test('EC2 (asked for, or the default without a strategy) on a cluster without container instances', async () => {
    await expectRefused(runTask({ launchType: 'EC2' }), 'InvalidParameterException', 'No Container Instances were found in your cluster.');
    await expectRefused(runTask({ networkConfiguration: NET }), 'InvalidParameterException', 'No Container Instances were found in your cluster.');
  });

  test('FARGATE on a definition that is not Fargate-compatible; compatibilities follow the network mode and sizes', async () => {
    const bridge = await register('bridge-def');
    expect(bridge.compatibilities).toEqual(['EC2', 'EXTERNAL']);
    const unsized = await register('awsvpc-unsized', { networkMode: 'awsvpc' });
    expect(unsized.compatibilities).toEqual(['EC2']);
    const sized = await register('awsvpc-sized', { networkMode: 'awsvpc', cpu: '512', memory: '1024' });
    expect(sized.compatibilities).toEqual(['EC2', 'FARGATE']);
    for (const family of ['bridge-def', 'awsvpc-unsized']) {
      await expectRefused(runTask({ taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NET }), 'InvalidParameterException', 'Task definition does not support launch_type FARGATE.');
    }
    const out = await runTask({ taskDefinition: 'awsvpc-sized', launchType: 'FARGATE', networkConfiguration: NET, overrides: { containerOverrides: [{ name: 'main', command: ['true'] }] } });
    expect(out.failures).toEqual([]);
  });
});

describe('RegisterTaskDefinition', () => {
  test('a network mode ECS does not have is refused', async () => {
    await expectRefused(register('bad-mode', { networkMode: 'overlay' as never }), 'ClientException', "Invalid networkMode 'overlay'. Valid values: bridge, host, awsvpc, none.");
    // awslogs on Fargate writes with the task execution role.
    const { executionRoleArn: _role, ...noRole } = FARGATE_DEF;
    await expectRefused(register('no-role', noRole, { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/g' } } }), 'ClientException',
      'Fargate requires task definition to have execution role ARN to support log driver awslogs.');
    // Fargate runs awsvpc only, and no networkMode means bridge.
    for (const networkMode of [undefined, 'bridge' as const]) {
      await expectRefused(register('fargate-bridge', { requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', networkMode }), 'ClientException', "Fargate only supports network mode 'awsvpc'.");
    }
  });

  test('the container defaults ECS returns are filled in', async () => {
    const def = await register('defaults', FARGATE_DEF);
    expect(def.containerDefinitions![0]).toEqual({
      name: 'main', image: BUSYBOX, cpu: 0, portMappings: [], essential: true, environment: [], mountPoints: [], volumesFrom: [], systemControls: [],
    });
    // Given values are kept.
    const given = await register('given', FARGATE_DEF, { cpu: 128, essential: true, environment: [{ name: 'A', value: '1' }] });
    expect(given.containerDefinitions![0]).toMatchObject({ cpu: 128, environment: [{ name: 'A', value: '1' }] });
  });
});

describe('task lifecycle', () => {
  test('StopTask: STOPPING while the container stops, then DEPROVISIONING, then STOPPED', async () => {
    // The container ignores SIGTERM, so it stops only at the SIGKILL stopTimeout (2 s) later.
    await register('stubborn', FARGATE_DEF, { command: ['sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done'], stopTimeout: 2 });
    const task = (await runTask({ taskDefinition: 'stubborn', launchType: 'FARGATE', networkConfiguration: NET })).tasks![0];
    await until(async () => ((await describe1(task.taskArn!)).lastStatus === 'RUNNING' ? true : undefined), 'RUNNING');
    const stop = await sim.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }));
    expect(stop.task).toMatchObject({ lastStatus: 'STOPPING', desiredStatus: 'STOPPED', stopCode: 'UserInitiated' });
    const seen: string[] = ['STOPPING'];
    const done = await until(async () => {
      const t = await describe1(task.taskArn!);
      if (seen[seen.length - 1] !== t.lastStatus) seen.push(t.lastStatus!);
      return t.lastStatus === 'STOPPED' ? t : undefined;
    }, 'STOPPED');
    expect(seen).toEqual(['STOPPING', 'DEPROVISIONING', 'STOPPED']);
    expect(done.containers![0].exitCode).toBe(137);
    expect(done.executionStoppedAt!.getTime()).toBeLessThanOrEqual(done.stoppedAt!.getTime());
  });

  test('ListTasks with desired status PENDING is empty, even while a task provisions', async () => {
    const task = (await runTask({ launchType: 'FARGATE', networkConfiguration: NET, overrides: { containerOverrides: [{ name: 'main', command: ['true'] }] } })).tasks![0];
    expect(task.lastStatus).toBe('PROVISIONING');
    expect((await sim.ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'PENDING' }))).taskArns).toEqual([]);
    expect((await sim.ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'RUNNING' }))).taskArns).toContain(task.taskArn);
  });

  test('an awslogs group that does not exist fails the start, as on Fargate, unless awslogs-create-group is set', async () => {
    const logs = (group: string, create: boolean) => ({
      logConfiguration: { logDriver: 'awslogs' as const, options: { 'awslogs-group': group, 'awslogs-stream-prefix': 'p', ...(create ? { 'awslogs-create-group': 'true' } : {}) } },
      command: ['echo', 'hi'],
    });
    await register('no-group', FARGATE_DEF, logs('/strict/missing', false));
    const failed = (await runTask({ taskDefinition: 'no-group', launchType: 'FARGATE', networkConfiguration: NET })).tasks![0];
    const done = await until(async () => { const t = await describe1(failed.taskArn!); return t.lastStatus === 'STOPPED' ? t : undefined; }, 'STOPPED');
    expect(done.stopCode).toBe('TaskFailedToStart');
    expect(done.stoppedReason).toBe('ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: '
      + 'failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1');
    expect(done.startedAt).toBeUndefined();
    expect(done.containers![0].exitCode).toBeUndefined();
    expect((await sim.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/strict/missing' }))).logGroups).toEqual([]);

    // awslogs-create-group lets the agent create it; a group made beforehand is used as it is.
    await register('create-group', FARGATE_DEF, logs('/strict/created', true));
    await sim.logs.send(new CreateLogGroupCommand({ logGroupName: '/strict/existing' }));
    await register('existing-group', FARGATE_DEF, logs('/strict/existing', false));
    for (const family of ['create-group', 'existing-group']) {
      const task = (await runTask({ taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NET })).tasks![0];
      const ended = await until(async () => { const t = await describe1(task.taskArn!); return t.lastStatus === 'STOPPED' ? t : undefined; }, `${family} STOPPED`);
      expect({ family, stopCode: ended.stopCode, exitCode: ended.containers![0].exitCode }).toEqual({ family, stopCode: 'EssentialContainerExited', exitCode: 0 });
    }
    expect((await sim.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/strict/created' }))).logGroups).toHaveLength(1);
  });
});

describe('CloudWatch Logs', () => {
  test('PutRetentionPolicy takes only the allowed retention periods', async () => {
    await sim.logs.send(new CreateLogGroupCommand({ logGroupName: '/strict/retention' }));
    await expectRefused(sim.logs.send(new PutRetentionPolicyCommand({ logGroupName: '/strict/retention', retentionInDays: 2 })), 'InvalidParameterException',
      "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: "
      + '[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]');
    await sim.logs.send(new PutRetentionPolicyCommand({ logGroupName: '/strict/retention', retentionInDays: 14 }));
    const groups = (await sim.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/strict/retention' }))).logGroups!;
    expect(groups[0].retentionInDays).toBe(14);
  });
});

describe('Lambda', () => {
  // CreateFunction's timeout and memorySize ranges are in lambda.test.ts; these are the other model constraints.
  test('constraint violations on list and invoke are ValidationException', async () => {
    await expectRefused(sim.lambda.send(new ListFunctionsCommand({ MaxItems: 0 })), 'ValidationException',
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1");
    await expectRefused(sim.lambda.send(new ListFunctionsCommand({ MaxItems: 10001 })), 'ValidationException',
      "1 validation error detected: Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000");
    await expectRefused(sim.lambda.send(new InvokeCommand({ FunctionName: 'bad name!' })), 'ValidationException',
      "1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "
      + '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?');
  });
});
