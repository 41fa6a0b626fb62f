/**
 * The docker CLI cases every FaaS provider behind an HTTP trigger must pass (Cloud Functions, Azure Functions),
 * registered by each provider's e2e file against its own simulator: run --rm, exit codes with stdout and stderr
 * apart, run -d + logs -f, exec and cp both ways, stop through the agent, ps filters, rm -f, run -i, the 501s a
 * function answers, and recovery after kill -9 and on an empty home.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/aws';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { api } from '../support/raw-http';

export interface FaasE2E {
  e: E2E;
  /** The daemon config of a second daemon against the same cloud (its home is new and empty). */
  config: string;
  /** The backend instance's name, as `{{.Sockerless.Backend}}` shows it. */
  backend: string;
  /** The product name the 501s say (`Cloud Functions`). */
  cloud: string;
  /** The functions (apps) the cloud has now. */
  functionCount(): Promise<number>;
}

/** Waits until the container's agent answers an exec: only then can exec, cp and signals reach it. */
async function untilAgent(e: E2E, id: string): Promise<void> {
  await eventually(`the agent of ${id}`, async () => (await e.docker(['exec', id, 'true'])).code === 0);
}

export function faasHttpCases(get: () => FaasE2E): void {
  test('run --rm echo prints hi and leaves no function behind', async () => {
    const { e, functionCount } = get();
    const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi']);
    expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
    expect(await e.ok(['ps', '-aq'])).toBe('');
    expect(await functionCount()).toBe(0);
  });

  test('the exit code of the request\'s process is the exit code of docker run; stdout and stderr stay apart', async () => {
    const { e, backend } = get();
    const r = await e.docker(['run', '--name', 'faas-exit-three', BUSYBOX, 'sh', '-c', 'echo out; echo to-err >&2; exit 3']);
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'to-err\n' });
    expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.Sockerless.Backend}}', 'faas-exit-three'])).toBe(`exited 3 ${backend}`);
    // Each start is a new invocation with its own output.
    expect(await e.docker(['start', '-a', 'faas-exit-three'])).toMatchObject({ code: 3, stdout: 'out\n' });
    await e.ok(['rm', 'faas-exit-three']);
  });

  test('run -d then logs -f follows the cloud\'s log until the request ends', async () => {
    const { e } = get();
    const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done']);
    expect(await e.docker(['logs', '-f', id])).toMatchObject({ code: 0, stdout: 'line1\nline2\nline3\n' });
    expect(await e.ok(['wait', id])).toBe('0');
    await e.ok(['rm', id]);
  });

  test('exec and cp both ways into a running invocation, through the workload agent', async () => {
    const { e } = get();
    const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'mkdir -p /data && echo inside > /data/f.txt && sleep 60']);
    await untilAgent(e, id);
    expect(await e.docker(['exec', id, 'cat', '/data/f.txt'])).toMatchObject({ code: 0, stdout: 'inside\n' });
    expect((await e.docker(['exec', id, 'sh', '-c', 'exit 4'])).code).toBe(4);
    const src = join(e.daemon.dir, 'to-function.txt');
    writeFileSync(src, 'from the host\n');
    await e.ok(['cp', src, `${id}:/tmp/`]);
    expect(await e.ok(['exec', id, 'cat', '/tmp/to-function.txt'])).toBe('from the host');
    const out = join(e.daemon.dir, `from-function-${id.slice(0, 8)}`);
    mkdirSync(out);
    await e.ok(['cp', `${id}:/data`, out]);
    expect(readFileSync(join(out, 'data', 'f.txt'), 'utf8')).toBe('inside\n');
    await e.ok(['rm', '-f', id]);
  });

  test('stop reaches the process through the agent; ps filters by status, name and label; rm -f removes a running one', async () => {
    const { e, functionCount } = get();
    await e.ok(['run', '-d', '--name', 'faas-keep', '--label', 'team=blue', BUSYBOX, 'sleep', '600']);
    const stopped = await e.ok(['run', '-d', '--name', 'faas-stop', '--label', 'team=red', BUSYBOX, 'sleep', '600']);
    expect((await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).split('\n').sort()).toEqual(['faas-keep', 'faas-stop']);
    expect(await e.ok(['ps', '--filter', 'label=team=blue', '--format', '{{.Names}}'])).toBe('faas-keep');
    expect(await e.ok(['ps', '--filter', 'name=faas-st', '--format', '{{.Names}}'])).toBe('faas-stop');
    await untilAgent(e, stopped);
    await e.ok(['stop', '-t', '30', 'faas-stop']);
    // sleep dies of the SIGTERM: 128 + 15.
    expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'faas-stop'])).toBe('exited 143');
    expect(await e.ok(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'])).toBe('faas-stop');
    expect(await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).toBe('faas-keep');
    await e.ok(['rm', '-f', 'faas-keep', 'faas-stop']);
    expect(await e.ok(['ps', '-aq'])).toBe('');
    expect(await functionCount()).toBe(0);
  });

  test('docker run -i: stdin reaches the process through the agent', async () => {
    const { e } = get();
    const r = await e.docker(['run', '-i', '--rm', BUSYBOX, 'sh', '-c', 'read line; echo "got $line"'], { input: 'over the agent\n' });
    expect(r).toMatchObject({ code: 0, stdout: 'got over the agent\n' });
  });

  test('what a function cannot do answers 501 naming the reason', async () => {
    const { e, cloud, backend } = get();
    const tty = await e.docker(['run', '--rm', '-t', BUSYBOX, 'true']);
    expect(tty.code).not.toBe(0);
    expect(tty.stderr).toContain(`${cloud} has no terminal`);
    expect((await api(e.daemon.socket, 'POST', '/containers/create', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'], Tty: true }))).status).toBe(501);

    const created = await e.ok(['create', BUSYBOX, 'true']);
    const src = join(e.daemon.dir, 'never.txt');
    writeFileSync(src, 'x');
    const cp = await e.docker(['cp', src, `${created}:/tmp/never.txt`]);
    expect(cp.code).not.toBe(0);
    expect(cp.stderr).toContain(`a ${cloud} container has a filesystem only while an invocation runs`);
    await e.ok(['rm', created]);

    const running = await e.ok(['run', '-d', BUSYBOX, 'sleep', '60']);
    const pause = await e.docker(['pause', running]);
    expect(pause.code).not.toBe(0);
    expect(pause.stderr).toContain(`pause is not supported by backend '${backend}'`);
    await e.ok(['rm', '-f', running]);

    const bind = await e.docker(['run', '--rm', '-v', `${e.daemon.dir}:/host`, BUSYBOX, 'true']);
    expect(bind.stderr).toContain('cannot mount a path of the daemon');
  });

  test('after kill -9 the daemon has its containers; a new, empty home rebuilds them from the cloud\'s tags or labels', async () => {
    const { e, config, backend } = get();
    await e.docker(['run', '--name', 'faas-before-crash', '--label', 'case=crash', BUSYBOX, 'sh', '-c', 'exit 5']);
    await e.ok(['create', '--name', 'faas-created-only', BUSYBOX, 'echo', 'later']);
    await e.daemon.kill9();
    await e.daemon.restart();
    expect((await e.ok(['ps', '-a', '--format', '{{.Names}}|{{.State}}'])).split('\n').sort()).toEqual(['faas-before-crash|exited', 'faas-created-only|created']);
    // A container made before the crash still runs on the restarted daemon.
    expect(await e.docker(['start', '-a', 'faas-created-only'])).toMatchObject({ code: 0, stdout: 'later\n' });

    const fresh = await startE2E({ config });
    try {
      const lines = await eventually('the containers rebuilt from the cloud', async () => {
        const out = (await fresh.ok(['ps', '-a', '--format', '{{.Names}}|{{.Image}}|{{.Label "case"}}'])).split('\n').sort();
        return out.length >= 2 ? out : undefined;
      });
      expect(lines).toEqual(['faas-before-crash|busybox:latest|crash', 'faas-created-only|busybox:latest|']);
      expect(await fresh.ok(['inspect', '-f', '{{.Sockerless.Backend}} {{.Path}} {{.Args}}', 'faas-before-crash'])).toBe(`${backend} sh [-c exit 5]`);
    } finally {
      await fresh.dispose();
    }
    await e.ok(['rm', '-f', 'faas-before-crash', 'faas-created-only']);
  }, 300_000);
}
