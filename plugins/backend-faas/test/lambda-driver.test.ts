/** The `lambda` driver against the AWS simulator: the official SDKs over HTTP, functions run in the sandbox with the agent. */
import { WebSocket } from 'ws';
import { DeleteFunctionCommand, GetFunctionCommand, ListFunctionsCommand, ServiceException, type LambdaClient } from '@aws-sdk/client-lambda';
import type { WorkloadAgentServer } from '@sockerless/agent';
import { AGENT_ENTRYPOINT } from '@sockerless/sdk';
import { startSimulator, until, type TestSimulator } from '../../sim-aws/test/helpers';
import { LAMBDA_TAGS } from '../src';
import { lambdaClient, makeDriver, readAll, startAgentServer, workloadSpec, type DriverUnderTest } from './helpers';

let sim: TestSimulator;
let agents: WorkloadAgentServer;
let lambda: LambdaClient;
let subject: DriverUnderTest;

beforeAll(async () => {
  sim = await startSimulator();
  agents = startAgentServer();
  lambda = lambdaClient(sim);
  subject = await makeDriver(sim, agents, { options: { timeoutSeconds: 60 } });
});
afterAll(async () => {
  await subject?.driver.close();
  lambda?.destroy();
  await agents?.close();
  await sim?.close();
});

async function functionNames(): Promise<string[]> {
  const names: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await lambda.send(new ListFunctionsCommand({ ...(Marker ? { Marker } : {}) }));
    names.push(...(page.Functions ?? []).map((f) => f.FunctionName ?? ''));
    Marker = page.NextMarker;
  } while (Marker);
  return names;
}

test('create makes an image function: the agent as entrypoint, the argv, env, limits and the identity tags', async () => {
  const spec = workloadSpec(['echo', 'hi'], {
    env: ['PATH=/bin', 'GREETING=hello'], workingDir: '/tmp', memoryBytes: 256 * 1024 * 1024,
    labels: { 'com.sockerless.pool': 'fast', team: 'blue' },
  });
  await subject.driver.create(spec);
  const got = await lambda.send(new GetFunctionCommand({ FunctionName: subject.driver.functionName(spec.id) }));
  const config = got.Configuration!;
  expect(config).toMatchObject({ PackageType: 'Image', State: 'Active', Timeout: 60, MemorySize: 256 });
  expect(config.ImageConfigResponse?.ImageConfig).toEqual({ EntryPoint: [AGENT_ENTRYPOINT], Command: ['echo', 'hi'], WorkingDirectory: '/tmp' });
  expect(got.Code?.ImageUri).toBe('busybox:latest');
  expect(config.Environment?.Variables).toMatchObject({ PATH: '/bin', GREETING: 'hello', SOCKERLESS_CONTAINER_ID: spec.id });
  expect(config.Environment?.Variables?.SOCKERLESS_AGENT_URL).toMatch(/^ws:\/\//);
  expect(got.Tags).toMatchObject({
    [LAMBDA_TAGS.managed]: 'true', [LAMBDA_TAGS.containerId]: spec.id, [LAMBDA_TAGS.name]: spec.name,
    [LAMBDA_TAGS.image]: 'busybox:latest', [LAMBDA_TAGS.instance]: 'lambda', [LAMBDA_TAGS.pool]: 'fast',
  });
  expect(got.Tags?.[`${LAMBDA_TAGS.labelsPrefix}0`]).toBeTruthy();
  await subject.driver.remove(spec.id);
  await subject.driver.remove(spec.id); // idempotent
  expect(await functionNames()).not.toContain(subject.driver.functionName(spec.id));
});

test('list() rebuilds the identity from tags, only for its own instance', async () => {
  const other = await makeDriver(sim, agents, { instanceName: 'lambda-other' });
  const mine = [workloadSpec(['sleep', '1'], { labels: { a: '1' } }), workloadSpec(['echo', 'x'], { labels: { 'com.sockerless.pool': 'p2' } })];
  const theirs = workloadSpec(['true']);
  for (const s of mine) await subject.driver.create(s);
  await other.driver.create(theirs);
  try {
    const listed = await subject.driver.list();
    const ids = listed.map((w) => w.id);
    expect(ids).toEqual(expect.arrayContaining(mine.map((s) => s.id)));
    expect(ids).not.toContain(theirs.id);
    const first = listed.find((w) => w.id === mine[0].id)!;
    expect(first).toMatchObject({ running: false, identity: { name: mine[0].name, image: 'busybox:latest', labels: { a: '1' }, pool: 'default', argv: ['sleep', '1'] } });
    expect(listed.find((w) => w.id === mine[1].id)?.identity?.pool).toBe('p2');
    expect((await other.driver.list()).map((w) => w.id)).toEqual([theirs.id]);
  } finally {
    for (const s of mine) await subject.driver.remove(s.id);
    await other.driver.remove(theirs.id);
    await other.driver.close();
  }
});

test('start is one invocation: its output from CloudWatch without platform lines, its exit code', async () => {
  const spec = workloadSpec(['sh', '-c', 'echo hello; echo oops >&2; exit 3']);
  await subject.driver.create(spec);
  try {
    for (let run = 0; run < 2; run++) {
      const proc = await subject.driver.start(spec);
      const [out, status] = await Promise.all([readAll(proc.stdout), proc.exited]);
      expect(status.exitCode).toBe(3);
      // CloudWatch does not keep stdout and stderr apart: both arrive on stdout, once per invocation.
      expect(out).toBe('hello\noops\n');
    }
    const listed = await until(async () => {
      const w = (await subject.driver.list()).find((x) => x.id === spec.id);
      return w?.identity?.exitCode !== undefined ? w : undefined;
    }, 'the result tags');
    expect(listed.identity).toMatchObject({ exitCode: 3, startedAt: expect.any(String), finishedAt: expect.any(String) });
  } finally {
    await subject.driver.remove(spec.id);
  }
});

test('exec, archive and signals go through the agent of a running invocation', async () => {
  const spec = workloadSpec(['sh', '-c', 'echo ready > /tmp/state; exec sleep 60']);
  await subject.driver.create(spec);
  try {
    await expect(subject.driver.statPath(spec.id, '/tmp')).rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('only while an invocation runs') });
    await expect(subject.driver.signal(spec.id, 'SIGTERM')).rejects.toMatchObject({ code: 'NotFound' });
    const proc = await subject.driver.start(spec);
    const output = readAll(proc.stdout);
    const exec = await subject.driver.exec(spec.id, { argv: ['cat', '/tmp/state'], env: [], workingDir: '', user: '', tty: false, attachStdin: false, privileged: false });
    const [execOut, execStatus] = await Promise.all([readAll(exec.stdout), exec.exited]);
    expect(execOut).toBe('ready\n');
    expect(execStatus.exitCode).toBe(0);
    const stat = await subject.driver.statPath(spec.id, '/tmp/state');
    expect(stat).toMatchObject({ name: 'state', size: 6 });
    await subject.driver.signal(spec.id, 'SIGTERM');
    expect((await proc.exited).exitCode).toBe(143);
    await output;
    await expect(subject.driver.signal(spec.id, 'SIGKILL')).rejects.toMatchObject({ code: 'NotFound' });
  } finally {
    await subject.driver.remove(spec.id);
  }
});

test('a run past the function timeout exits 137 with the reason', async () => {
  const short = await makeDriver(sim, agents, { options: { timeoutSeconds: 2 } });
  const spec = workloadSpec(['sh', '-c', 'echo started; sleep 30']);
  await short.driver.create(spec);
  try {
    const proc = await short.driver.start(spec);
    const [out, status] = await Promise.all([readAll(proc.stdout), proc.exited]);
    expect(status).toMatchObject({ exitCode: 137, error: 'Lambda timeout (2 s)' });
    expect(out).toBe('started\n');
  } finally {
    await short.driver.remove(spec.id);
    await short.driver.close();
  }
});

test('create refuses what Lambda cannot do, before any call, and maps AWS errors by name', async () => {
  const before = await functionNames();
  await expect(subject.driver.create(workloadSpec(['true'], { tty: true }))).rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('Lambda has no terminal') });
  await expect(subject.driver.create(workloadSpec(['true'], { env: ['AWS_REGION=eu-west-1'] }))).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('AWS_REGION') });
  await expect(subject.driver.create(workloadSpec(['true'], { env: ['my-var=1'] }))).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('my-var') });
  await expect(subject.driver.create(workloadSpec(['true'], { memoryBytes: 64 * 1024 * 1024 }))).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('64 MiB') });
  await expect(subject.driver.create(workloadSpec(['true'], { mounts: [{ type: 'bind', source: '/srv', target: '/srv', readOnly: false }] }))).rejects.toMatchObject({ code: 'NotImplemented' });
  const security = { privileged: true, capAdd: [], capDrop: [], devices: [], seccomp: 'default', noNewPrivileges: false, pidMode: '', ipcMode: '', utsMode: '' };
  await expect(subject.driver.create(workloadSpec(['true'], { security }))).rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('--privileged is not available on Lambda') });
  await expect(subject.driver.create(workloadSpec(['true'], { security: { ...security, privileged: false, pidMode: 'host' } }))).rejects.toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('--pid host') });
  expect(await functionNames()).toEqual(before);

  await expect(subject.driver.create(workloadSpec(['true'], { image: { id: 'x', ref: 'no-such-image:1' } }))).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/^lambda: InvalidParameterValueException: /) });
  const spec = workloadSpec(['true']);
  await subject.driver.create(spec);
  await expect(subject.driver.create(spec)).rejects.toMatchObject({ code: 'Conflict', message: expect.stringMatching(/^lambda: ResourceConflictException: /) });
  await subject.driver.remove(spec.id);
  expect(await functionNames()).toEqual(before);
});

test('a create that fails after CreateFunction deletes the function again', async () => {
  const failing = await makeDriver(sim, agents);
  // The wait for Active fails as a cloud outage would; everything before it is real.
  failing.clients.lambda.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === 'GetFunctionCommand') throw new ServiceException({ message: 'injected outage', $metadata: { httpStatusCode: 500 } });
    return next(args);
  }, { step: 'initialize', name: 'injectGetFunctionFailure' });
  const spec = workloadSpec(['true']);
  try {
    await expect(failing.driver.create(spec)).rejects.toMatchObject({ code: 'Unavailable', message: expect.stringContaining('injected outage') });
    expect(await functionNames()).not.toContain(failing.driver.functionName(spec.id));
  } finally {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: failing.driver.functionName(spec.id) })).catch(() => undefined);
    await failing.driver.close();
  }
});

test('remove forgets the container at the agent server: its token no longer opens a connection', async () => {
  const spec = workloadSpec(['true']);
  await subject.driver.create(spec);
  const grant = await agents.grant(spec.id);
  const headers = { 'x-sockerless-container-id': spec.id, authorization: `Bearer ${grant.token}` };
  const dial = () => new Promise<number | 'open'>((resolve) => {
    const ws = new WebSocket(grant.url, { headers });
    ws.on('open', () => { ws.close(); resolve('open'); });
    ws.on('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('error', () => undefined);
  });
  expect(await dial()).toBe('open');
  await subject.driver.remove(spec.id);
  expect(await dial()).toBe(401);
});
