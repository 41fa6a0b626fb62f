/**
 * The real docker CLI against a daemon whose containers run as ECS Fargate tasks, on the AWS simulator
 * inside the same daemon: Docker client -> daemon -> @aws-sdk/client-ecs -> HTTP -> simulator -> sandbox ->
 * CloudWatch Logs -> back; exec, cp and stdin through the workload agent.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/aws';
import { expectLogsFollowToTheEnd, expectStopAndPsFilters } from '../support/cloud-e2e';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

jest.setTimeout(180_000);

const CONFIG = `export default {
  plugins: ['store-sqlite', 'backend-local', 'sim-aws', 'backend-ecs'],
  backends: { ecs: { driver: 'ecs', options: { simulator: 'aws', stopTimeoutSeconds: 2 } } },
  defaultBackend: 'ecs',
};
`;

let e: E2E;
beforeAll(async () => { e = await startE2E({ config: CONFIG, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } }); });
afterAll(async () => { await e?.dispose(); });

test('run --rm echo prints hi through ECS and leaves nothing behind', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi']);
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('the exit code of the task is the exit code of docker run', async () => {
  const r = await e.docker(['run', '--name', 'exit-three', BUSYBOX, 'sh', '-c', 'exit 3']);
  expect(r.code).toBe(3);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.Sockerless.Backend}}', 'exit-three'])).toBe('exited 3 ecs');
  await e.ok(['rm', 'exit-three']);
});

test('run -d then logs -f follows the CloudWatch stream until the task stops', async () => {
  await expectLogsFollowToTheEnd(e);
});

test('exec runs in the task through the agent, with its output and exit code', async () => {
  const id = await e.ok(['run', '-d', '--name', 'ecs-exec', BUSYBOX, 'sh', '-c', 'echo ready > /tmp/marker; exec sleep 600']);
  const out = await eventually('the marker through exec', async () => {
    const r = await e.docker(['exec', 'ecs-exec', 'cat', '/tmp/marker']);
    return r.code === 0 ? r.stdout : undefined;
  });
  expect(out).toBe('ready\n');
  const failing = await e.docker(['exec', 'ecs-exec', 'sh', '-c', 'echo to-err >&2; exit 7']);
  expect(failing).toMatchObject({ code: 7, stderr: 'to-err\n' });
  await e.ok(['rm', '-f', id]);
  expect(await e.ok(['ps', '-aq', '--filter', `id=${id}`])).toBe('');
});

test('docker cp both ways while the task runs', async () => {
  await e.ok(['run', '-d', '--name', 'ecs-cp', BUSYBOX, 'sleep', '600']);
  const dir = join(e.daemon.dir, 'cp');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'in.txt'), 'into the task\n');
  await eventually('cp into the task', async () => ((await e.docker(['cp', join(dir, 'in.txt'), 'ecs-cp:/tmp/in.txt'])).code === 0 ? true : undefined));
  expect(await e.ok(['exec', 'ecs-cp', 'cat', '/tmp/in.txt'])).toBe('into the task');
  await e.ok(['exec', 'ecs-cp', 'sh', '-c', 'echo out of the task > /tmp/out.txt']);
  await e.ok(['cp', 'ecs-cp:/tmp/out.txt', join(dir, 'out.txt')]);
  expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('out of the task\n');
  await e.ok(['rm', '-f', 'ecs-cp']);
});

test('stdin reaches the task through the agent', async () => {
  const r = await e.docker(['run', '--rm', '-i', BUSYBOX, 'sh', '-c', 'read line; echo got:$line'], { input: 'hello\n' });
  expect(r).toMatchObject({ code: 0, stdout: 'got:hello\n' });
});

test('stop ends the task; ps filters by status, name and label', async () => {
  await expectStopAndPsFilters(e, 'ecs', 5);
});

test('any signal reaches the task through the agent (docker kill -s USR1)', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'trap "echo got-usr1; exit 9" USR1; echo armed; while :; do sleep 0.1; done']);
  await eventually('the trap armed', async () => ((await e.ok(['logs', id])).includes('armed') ? true : undefined));
  // Until the agent has dialled in, ECS alone cannot deliver USR1 (501); once it has, the kill goes through.
  await eventually('the kill through the agent', async () => ((await e.docker(['kill', '-s', 'USR1', id])).code === 0 ? true : undefined));
  expect(await e.ok(['wait', id])).toBe('9');
  expect(await e.ok(['logs', id])).toBe('armed\ngot-usr1');
  await e.ok(['rm', id]);
});

test('run -t answers 501 naming why: Fargate tasks have no terminal', async () => {
  const r = await e.docker(['run', '--rm', '-t', BUSYBOX, 'echo', 'hi']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/TTY is not available on the ECS backend/);
  expect(r.stdout).not.toContain('hi');
});

test('a task: update --restart applies, a limit change and pause answer 501, stats gives zeros', async () => {
  const id = await e.ok(['run', '-d', '--name', 'ecs-limits', BUSYBOX, 'sleep', '600']);
  await e.ok(['update', '--restart', 'on-failure:2', id]);
  expect(await e.ok(['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', id])).toBe('on-failure:2');
  const memory = await e.docker(['update', '--memory', '64m', '--memory-swap', '128m', id]);
  expect(memory.code).toBe(1);
  expect(memory.stderr).toContain("updating resource limits is not supported by backend 'ecs'");
  const pause = await e.docker(['pause', id]);
  expect(pause.stderr).toContain("pause is not supported by backend 'ecs'");
  const stats = await e.ok(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}}', id]);
  expect(stats).toBe('ecs-limits 0.00% 0B / 0B');
  await e.ok(['rm', '-f', id]);
});
