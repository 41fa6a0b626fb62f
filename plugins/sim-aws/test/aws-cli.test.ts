/**
 * The official AWS CLI (Debian's awscli, installed by scripts/ensure-debian-deps.sh test) against the simulator:
 * what AWS refuses, the simulator refuses with the same exception and message, as the CLI prints them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSimulator, type TestSimulator } from './helpers';

/** Debian's CLI by its path: another `aws` earlier on PATH (a pip install) would test something else. */
const AWS_CLI = '/usr/bin/aws';
const run = promisify(execFile);

let sim: TestSimulator;
let configDir: string;
beforeAll(async () => {
  if (!existsSync(AWS_CLI)) throw new Error(`${AWS_CLI} is missing: run scripts/ensure-debian-deps.sh test (Debian package awscli)`);
  sim = await startSimulator();
  configDir = mkdtempSync(join(tmpdir(), 'sim-aws-cli-'));
});
afterAll(async () => {
  await sim?.close();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

interface CliResult { code: number; stdout: string; stderr: string }

/** `aws <args>` on the simulator's endpoint with its key pair; no config files, pager or instance metadata. */
async function aws(...args: string[]): Promise<CliResult> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir,
    AWS_ACCESS_KEY_ID: sim.aws.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: sim.aws.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: sim.aws.region, AWS_PAGER: '', AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(configDir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(configDir, 'credentials'),
  };
  try {
    const out = await run(AWS_CLI, ['--endpoint-url', sim.endpoint, '--output', 'json', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** The CLI's one-line report of a service error, as it prints it for AWS. */
function expectServiceError(r: CliResult, operation: string, code: string, message: string): void {
  expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 254, stderr: `An error occurred (${code}) when calling the ${operation} operation: ${message}` });
}

test('ECS: the CLI registers a Fargate definition and sees the refusals AWS gives', async () => {
  expect((await aws('ecs', 'create-cluster', '--cluster-name', 'cli')).code).toBe(0);
  const registered = await aws('ecs', 'register-task-definition', '--family', 'cli-fam', '--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE',
    '--cpu', '256', '--memory', '512', '--container-definitions', JSON.stringify([{ name: 'main', image: 'busybox:latest', command: ['true'] }]));
  expect(registered.code).toBe(0);
  const def = (JSON.parse(registered.stdout) as { taskDefinition: { compatibilities: string[]; containerDefinitions: Array<Record<string, unknown>> } }).taskDefinition;
  expect(def.compatibilities).toEqual(['EC2', 'FARGATE']);
  expect(def.containerDefinitions[0]).toMatchObject({ cpu: 0, essential: true, portMappings: [], environment: [], mountPoints: [], volumesFrom: [] });

  expectServiceError(await aws('ecs', 'run-task', '--cluster', 'cli', '--task-definition', 'cli-fam', '--launch-type', 'FARGATE',
    '--network-configuration', 'awsvpcConfiguration={subnets=[]}'), 'RunTask', 'InvalidParameterException', 'subnets can not be empty.');
  expectServiceError(await aws('ecs', 'run-task', '--cluster', 'cli', '--task-definition', 'cli-fam', '--launch-type', 'FARGATE',
    '--capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1', '--network-configuration', 'awsvpcConfiguration={subnets=[subnet-1]}'),
  'RunTask', 'InvalidParameterException', 'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
  expectServiceError(await aws('ecs', 'run-task', '--cluster', 'cli', '--task-definition', 'cli-fam', '--launch-type', 'EC2'),
    'RunTask', 'InvalidParameterException', 'No Container Instances were found in your cluster.');

  expect((await aws('ecs', 'register-task-definition', '--family', 'cli-bridge', '--container-definitions', JSON.stringify([{ name: 'main', image: 'busybox:latest' }]))).code).toBe(0);
  expectServiceError(await aws('ecs', 'run-task', '--cluster', 'cli', '--task-definition', 'cli-bridge', '--launch-type', 'FARGATE',
    '--network-configuration', 'awsvpcConfiguration={subnets=[subnet-1]}'), 'RunTask', 'InvalidParameterException', 'Task definition does not support launch_type FARGATE.');

  const ok = await aws('ecs', 'run-task', '--cluster', 'cli', '--task-definition', 'cli-fam', '--launch-type', 'FARGATE', '--network-configuration', 'awsvpcConfiguration={subnets=[subnet-1]}');
  expect(ok.code).toBe(0);
  expect(JSON.parse(await aws('ecs', 'list-tasks', '--cluster', 'cli', '--desired-status', 'PENDING').then((r) => r.stdout))).toEqual({ taskArns: [] });
});

test('CloudWatch Logs: put-retention-policy takes only the allowed periods', async () => {
  expect((await aws('logs', 'create-log-group', '--log-group-name', '/cli/retention')).code).toBe(0);
  const r = await aws('logs', 'put-retention-policy', '--log-group-name', '/cli/retention', '--retention-in-days', '10');
  expectServiceError(r, 'PutRetentionPolicy', 'InvalidParameterException', "1 validation error detected: Value '10' at 'retentionInDays' failed to satisfy constraint: "
    + 'Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]');
  expect((await aws('logs', 'put-retention-policy', '--log-group-name', '/cli/retention', '--retention-in-days', '30')).code).toBe(0);
});

test('Lambda: a timeout above 900 is a ValidationException', async () => {
  const r = await aws('lambda', 'create-function', '--function-name', 'cli-fn', '--package-type', 'Image', '--code', 'ImageUri=busybox:latest',
    '--role', 'arn:aws:iam::000000000000:role/cli', '--timeout', '901');
  expectServiceError(r, 'CreateFunction', 'ValidationException',
    "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900");
});
