/**
 * Docker containers as Lambda image functions, end to end: the real docker CLI -> the daemon -> the backend-faas
 * `lambda` driver -> @aws-sdk/client-lambda over HTTP -> the in-daemon AWS simulator -> the function's image in
 * the local sandbox with the workload agent -> CloudWatch Logs -> back.
 */
import { SIMULATOR_CREDENTIALS } from '@sockerless/sdk';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/aws';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { api } from '../support/raw-http';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const CONFIG = `export default {
  plugins: ['store-sqlite', 'backend-local', 'sim-aws', 'backend-faas'],
  backends: { lambda: { driver: 'lambda', options: { simulator: 'aws', pollIntervalMs: { min: 10, max: 200 } } } },
  defaultBackend: 'lambda',
};
`;

let e: E2E;
let lambda: LambdaClient;
beforeAll(async () => {
  e = await startE2E({ config: CONFIG });
  // The daemon prints its simulators' endpoints at boot; the test looks at the cloud side through it.
  const endpoint = /AWS simulator: (http:\/\/\S+)/.exec(e.daemon.output())?.[1];
  if (!endpoint) throw new Error(`no simulator endpoint in the daemon's output:\n${e.daemon.output()}`);
  lambda = new LambdaClient({ region: 'us-east-1', endpoint, credentials: { ...SIMULATOR_CREDENTIALS }, maxAttempts: 1 });
});
afterAll(async () => {
  lambda?.destroy();
  await e?.dispose();
});

async function functionCount(): Promise<number> {
  return (await lambda.send(new ListFunctionsCommand({}))).Functions?.length ?? 0;
}

/** Waits until the container's agent answers an exec: only then can exec, cp and signals reach it. */
async function untilAgent(id: string): Promise<void> {
  await eventually(`the agent of ${id}`, async () => (await e.docker(['exec', id, 'true'])).code === 0);
}

test('docker run --rm busybox echo hi prints hi and leaves no function behind', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi']);
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  expect(await e.ok(['ps', '-aq'])).toBe('');
  expect(await functionCount()).toBe(0);
});

test('the exit code of the process is the exit code of the container', async () => {
  const r = await e.docker(['run', '--name', 'exits-3', BUSYBOX, 'sh', '-c', 'echo before; exit 3']);
  expect(r.code).toBe(3);
  expect(r.stdout).toBe('before\n');
  expect(await e.ok(['inspect', '-f', '{{.State.ExitCode}} {{.State.Status}}', 'exits-3'])).toBe('3 exited');
  // Each start is a new invocation with its own output.
  const again = await e.docker(['start', '-a', 'exits-3']);
  expect(again).toMatchObject({ code: 3, stdout: 'before\n' });
  await e.ok(['rm', 'exits-3']);
});

test('run -d and logs -f: the output of a running invocation, ending when it stops', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'echo one; sleep 1; echo two']);
  const logs = await e.docker(['logs', '-f', id]);
  expect(logs).toMatchObject({ code: 0, stdout: 'one\ntwo\n' });
  expect(await e.ok(['wait', id])).toBe('0');
  expect(await e.ok(['logs', id])).toBe('one\ntwo');
  await e.ok(['rm', id]);
});

test('exec and cp both ways into a running invocation, through the workload agent', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'mkdir -p /data && echo inside > /data/f.txt && sleep 60']);
  await untilAgent(id);
  expect(await e.docker(['exec', id, 'cat', '/data/f.txt'])).toMatchObject({ code: 0, stdout: 'inside\n' });
  expect((await e.docker(['exec', id, 'sh', '-c', 'exit 4'])).code).toBe(4);

  const src = join(e.daemon.dir, 'to-lambda.txt');
  writeFileSync(src, 'from the host\n');
  await e.ok(['cp', src, `${id}:/tmp/`]);
  expect(await e.ok(['exec', id, 'cat', '/tmp/to-lambda.txt'])).toBe('from the host');

  const out = join(e.daemon.dir, 'from-lambda');
  mkdirSync(out);
  await e.ok(['cp', `${id}:/data`, out]);
  expect(readFileSync(join(out, 'data', 'f.txt'), 'utf8')).toBe('inside\n');
  await e.ok(['rm', '-f', id]);
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('stop and kill reach the main process through the agent', async () => {
  const stopped = await e.ok(['run', '-d', BUSYBOX, 'sleep', '60']);
  await untilAgent(stopped);
  await e.ok(['stop', '-t', '30', stopped]);
  // sleep dies of the SIGTERM: 128 + 15.
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', stopped])).toBe('exited 143');

  const killed = await e.ok(['run', '-d', BUSYBOX, 'sleep', '60']);
  await untilAgent(killed);
  await e.ok(['kill', killed]);
  expect(await e.ok(['wait', killed])).toBe('137');
  await e.ok(['rm', stopped, killed]);
});

test('docker run -i: stdin reaches the process through the agent', async () => {
  const r = await e.docker(['run', '-i', '--rm', BUSYBOX, 'sh', '-c', 'read line; echo "got $line"'], { input: 'over the agent\n' });
  expect(r).toMatchObject({ code: 0, stdout: 'got over the agent\n' });
});

test('rm -f removes a running Lambda container', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sleep', '60']);
  expect(await functionCount()).toBe(1);
  await e.ok(['rm', '-f', id]);
  expect(await e.ok(['ps', '-aq'])).toBe('');
  expect(await functionCount()).toBe(0);
});

test('what Lambda cannot do answers 501 naming the reason', async () => {
  const tty = await e.docker(['run', '--rm', '-t', BUSYBOX, 'true']);
  expect(tty.code).not.toBe(0);
  expect(tty.stderr).toContain('Lambda has no terminal');
  const ttyCreate = await api(e.daemon.socket, 'POST', '/containers/create', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'], Tty: true }));
  expect(ttyCreate.status).toBe(501);

  const created = await e.ok(['create', BUSYBOX, 'true']);
  const src = join(e.daemon.dir, 'never.txt');
  writeFileSync(src, 'x');
  // A file destination: the CLI ignores a failed stat of the destination and then PUTs the archive.
  const cp = await e.docker(['cp', src, `${created}:/tmp/never.txt`]);
  expect(cp.code).not.toBe(0);
  expect(cp.stderr).toContain('a Lambda container has a filesystem only while an invocation runs');
  await e.ok(['rm', created]);

  const running = await e.ok(['run', '-d', BUSYBOX, 'sleep', '60']);
  const top = await e.docker(['top', running]);
  expect(top.code).not.toBe(0);
  expect(top.stderr).toContain('top is not supported');
  const topStatus = await api(e.daemon.socket, 'GET', `/containers/${running}/top`);
  expect(topStatus.status).toBe(501);
  const pause = await e.docker(['pause', running]);
  expect(pause.code).not.toBe(0);
  // A function cannot be frozen: the pause power is missing on this backend, said as for top (a 501).
  expect(pause.stderr).toContain("pause is not supported by backend 'lambda'");
  expect((await api(e.daemon.socket, 'POST', `/containers/${running}/pause`)).status).toBe(501);
  await e.ok(['rm', '-f', running]);

  const bind = await e.docker(['run', '--rm', '-v', `${e.daemon.dir}:/host`, BUSYBOX, 'true']);
  expect(bind.code).not.toBe(0);
  expect(bind.stderr).toContain('cannot mount a path of the daemon');
});
