/** `docker run` end to end through the real docker CLI on the local sandbox backend. */
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
beforeAll(async () => { e = await startE2E(); });
afterAll(async () => { await e?.dispose(); });

test('run --rm echo prints hi and leaves no container behind', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi']);
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('the exit code of the container is the exit code of docker run', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  expect(r.code).toBe(3);
  expect(r.stdout).toBe('out\n');
  expect(r.stderr).toBe('err\n');
});

test('run -d then logs -f follows until the container exits', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done']);
  expect(id).toMatch(/^[0-9a-f]{64}$/);
  const logs = await e.docker(['logs', '-f', id]);
  expect(logs).toMatchObject({ code: 0, stdout: 'line1\nline2\nline3\n' });
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id])).toBe('exited 0');
  const tail = await e.ok(['logs', '--tail', '1', id]);
  expect(tail).toBe('line3');
  const finished = Math.ceil(Date.now() / 1000) + 1;
  expect(await e.ok(['logs', '--since', String(finished), id])).toBe('');
  expect(await e.ok(['logs', '--until', '2000-01-01T00:00:00Z', id])).toBe('');
  expect(await e.ok(['logs', '--since', '2000-01-01T00:00:00Z', id])).toBe('line1\nline2\nline3');
  const stamped = await e.ok(['logs', '-t', id]);
  expect(stamped.split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line1$/);
  await e.ok(['rm', id]);
});

test('exec runs inside the container and reports its exit code', async () => {
  const id = await e.ok(['run', '-d', '--name', 'exec-target', BUSYBOX, 'sh', '-c', 'echo ready > /tmp/marker; sleep 60']);
  const out = await e.docker(['exec', 'exec-target', 'cat', '/tmp/marker']);
  expect(out).toMatchObject({ code: 0, stdout: 'ready\n' });
  const failing = await e.docker(['exec', 'exec-target', 'sh', '-c', 'exit 7']);
  expect(failing.code).toBe(7);
  const piped = await e.docker(['exec', '-i', 'exec-target', 'sh', '-c', 'tr a-z A-Z'], { input: 'shout\n' });
  expect(piped).toMatchObject({ code: 0, stdout: 'SHOUT\n' });
  const pid1 = await e.ok(['exec', id, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "']);
  expect(pid1).toContain('sleep 60');
  await e.ok(['rm', '-f', id]);
});

test('-i passes piped stdin to the container and closes it at EOF', async () => {
  const r = await e.docker(['run', '--rm', '-i', BUSYBOX, 'sh', '-c', 'wc -l; cat /dev/null'], { input: 'a\nb\nc\n' });
  expect(r).toMatchObject({ code: 0 });
  expect(r.stdout.trim()).toBe('3');
});

test('env, workdir and user reach the process, env merged with the image env by key', async () => {
  const r = await e.docker(['run', '--rm', '-e', 'GREETING=hello', '-e', 'PATH=/bin', '-w', '/srv/app', '-u', '1000:1000', BUSYBOX,
    'sh', '-c', 'echo $GREETING; echo $PATH; pwd; id -u; id -g']);
  expect(r).toMatchObject({ code: 0, stdout: 'hello\n/bin\n/srv/app\n1000\n1000\n' });
  const byName = await e.docker(['run', '--rm', '-u', 'app', BUSYBOX, 'id', '-un']);
  expect(byName).toMatchObject({ code: 0, stdout: 'app\n' });
});

test('each container has its own hostname and pid namespace', async () => {
  const r = await e.docker(['run', '--rm', '--hostname', 'box1', BUSYBOX, 'sh', '-c', 'hostname; echo $$']);
  expect(r).toMatchObject({ code: 0, stdout: 'box1\n1\n' });
});

test('a missing command fails like Docker', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'no-such-binary']);
  expect(r.code).toBe(127);
  expect(r.stderr).toContain('executable file not found in $PATH');
});

test('a missing image is reported as Docker does', async () => {
  const r = await e.docker(['run', '--rm', '--pull', 'never', 'nope:latest', 'true']);
  expect(r.code).toBe(125);
  expect(r.stderr).toContain('No such image: nope:latest');
});

test('a name conflict is a 409 with Docker wording', async () => {
  await e.ok(['create', '--name', 'twin', BUSYBOX, 'true']);
  const r = await e.docker(['create', '--name', 'twin', BUSYBOX, 'true']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/Conflict\. The container name "\/twin" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\./);
  await e.ok(['rename', 'twin', 'twin2']);
  expect(await e.ok(['ps', '-a', '--filter', 'name=twin2', '--format', '{{.Names}}'])).toBe('twin2');
  await e.ok(['rm', 'twin2']);
});
