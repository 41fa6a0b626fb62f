/** The same daemon through dockerode (docker-modem): no version prefix, exec start without Upgrade. */
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
let docker: Docker;
beforeAll(async () => {
  e = await startE2E();
  docker = new Docker({ socketPath: e.daemon.socket });
});
afterAll(async () => { await e?.dispose(); });

function collect(stream: NodeJS.ReadableStream, container?: Docker.Container | Docker.Exec): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => { stdout += d; });
  err.on('data', (d) => { stderr += d; });
  docker.modem.demuxStream(stream, out, err);
  return new Promise((resolve) => stream.on('end', () => resolve({ stdout, stderr })));
}

test('create, attach, start, wait and remove a container', async () => {
  const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 4'], AttachStdout: true, AttachStderr: true });
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const output = collect(stream);
  const waited = container.wait({ condition: 'next-exit' });
  await container.start();
  expect(await waited).toEqual({ StatusCode: 4 });
  expect(await output).toEqual({ stdout: 'to-out\n', stderr: 'to-err\n' });
  const info = await container.inspect();
  expect(info.State).toMatchObject({ Status: 'exited', ExitCode: 4, Running: false });
  await container.remove();
  await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
});

test('exec without hijack streams output and reports ExitCode', async () => {
  const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '60'] });
  await container.start();
  const exec = await container.exec({ Cmd: ['sh', '-c', 'echo exec-out; exit 9'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: false, stdin: false });
  expect((await collect(stream)).stdout).toBe('exec-out\n');
  const info = await exec.inspect();
  expect(info).toMatchObject({ ExitCode: 9, Running: false });
  await container.remove({ force: true });
});

test('exec with hijack carries stdin', async () => {
  const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '60'] });
  await container.start();
  const exec = await container.exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: true });
  const output = collect(stream);
  stream.write('echoed through stdin\n');
  stream.end();
  expect((await output).stdout).toBe('echoed through stdin\n');
  expect((await exec.inspect()).ExitCode).toBe(0);
  await container.remove({ force: true });
});

test('logs with tail, timestamps and stream selection', async () => {
  const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sh', '-c', 'echo a; echo b >&2; echo c'] });
  await container.start();
  await container.wait();
  const both = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
  const src = new PassThrough();
  const demuxed = collect(src);
  src.end(both);
  const { stdout: o, stderr: er } = await demuxed;
  expect(o).toBe('a\nc\n');
  expect(er).toBe('b\n');
  const noStream = await api(e.daemon.socket, 'GET', `/containers/${container.id}/logs`);
  expect({ status: noStream.status, body: noStream.json() }).toEqual({ status: 400, body: { message: 'Bad parameters: you must choose at least one stream' } });
  await container.remove();
});

test('list with filters and size, top of a running container', async () => {
  const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '60'], Labels: { suite: 'dockerode' } });
  await container.start();
  const list = await docker.listContainers({ filters: { label: ['suite=dockerode'] }, size: true });
  expect(list.map((c) => c.Id)).toEqual([container.id]);
  expect(list[0].State).toBe('running');
  expect(typeof (list[0] as { SizeRw?: number }).SizeRw).toBe('number');
  const top = await container.top();
  expect(top.Titles).toContain('PID');
  expect(top.Processes.some((p: string[]) => p.join(' ').includes('sleep 60'))).toBe(true);
  await container.remove({ force: true });
});


test('a TTY container gets raw output and follows a resize', async () => {
  const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sh', '-c', 'read line; stty size; echo "got $line"'], Tty: true, OpenStdin: true, StdinOnce: true });
  const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
  let output = '';
  const sawSize = new Promise<void>((resolve) => stream.on('data', (d: Buffer) => {
    output += d.toString();
    if (output.includes('got go')) resolve();
  }));
  await container.start();
  await container.resize({ h: 33, w: 111 });
  stream.write('go\n');
  await sawSize;
  // Raw stream: no 8-byte frame headers, and the terminal echoes and ends lines with CRLF.
  expect(output).toContain('33 111\r\n');
  expect(output.charCodeAt(0)).not.toBe(1);
  expect((await container.wait()).StatusCode).toBe(0);
  await container.remove();
});
