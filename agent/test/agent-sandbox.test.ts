import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import { agentSandboxMounts, type WorkloadAgentServer } from '../src';
import { AGENT_ENTRYPOINT, extractTar, type WorkloadSpec } from '@sockerless/sdk';
// Tests only: the local sandbox is what the cloud simulators run workloads in.
import { LocalDriver } from '../../plugins/backend-local/src/driver';
import { buildBusyboxRootfs } from '../../plugins/backend-local/test/helpers';
import { capturingLogger, finish, makeServer, requireBuiltAgent, waitUntil } from './agent-support';

/** The agent inside the bubblewrap sandbox, on a busybox root that has no node and no libc. */

describe('the agent in a busybox sandbox', () => {
  let dir: string;
  let rootfs: string;
  let driver: LocalDriver;
  let server: WorkloadAgentServer;
  const ids: string[] = [];

  beforeAll(async () => {
    requireBuiltAgent();
    dir = mkdtempSync(join(tmpdir(), 'sl-agent-sbx-'));
    rootfs = await buildBusyboxRootfs(dir);
    driver = new LocalDriver({ instanceName: 'sim', stateDir: join(dir, 'state'), logger: capturingLogger([]), options: { sandbox: 'auto', network: 'host' } });
    server = makeServer(join(dir, 'home'));
  });
  afterAll(async () => {
    for (const id of ids) await driver.remove(id);
    await driver.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function spec(id: string, argv: string[], env: string[] = []): WorkloadSpec {
    ids.push(id);
    return {
      id, name: id, hostname: id, image: { id: 'sha256:busybox', ref: 'busybox', rootfs },
      argv: [AGENT_ENTRYPOINT, ...argv], env: ['PATH=/usr/local/bin:/usr/bin:/bin', ...env], workingDir: '', user: '',
      tty: false, openStdin: false, mounts: agentSandboxMounts(), labels: {}, stateDir: join(dir, 'state', 'containers', id), memoryBytes: 0,
    };
  }

  /**
   * Creates and starts `id` running the `sh -c` script with the agent's grant, waits for the script to print
   * `ready` and opens the agent's session. `output()` is what the command printed so far.
   */
  async function startReady(id: string, script: string) {
    const grant = await server.grant(id);
    const s = spec(id, ['sh', '-c', script], grant.env);
    await driver.create(s);
    const main = await driver.start(s);
    let mainOut = '';
    main.stdout.on('data', (c: Buffer) => { mainOut += c.toString(); });
    main.stderr?.resume();
    await waitUntil(() => mainOut.includes('ready'), 'the workload to start');
    const session = await server.session(id, 60_000);
    return { main, session, output: () => mainOut };
  }

  const execBase = { env: ['PATH=/bin'], workingDir: '/', user: '', tty: false, attachStdin: false, privileged: false };

  it('runs the command through /.sockerless/agent with its output and exit code', async () => {
    const s = spec('sbx-plain', ['sh', '-c', 'echo hi; exit 3']);
    await driver.create(s);
    const r = await finish(await driver.start(s));
    expect(r).toMatchObject({ out: 'hi\n', exitCode: 3 });
  });

  it('serves exec and cp from inside the sandbox', async () => {
    const { main, session } = await startReady('sbx-agent', 'trap "exit 0" TERM; echo ready; while true; do sleep 1; done');

    // The image's own /etc/passwd names the user; the image's busybox runs the command.
    const who = await finish(await session.exec({ ...execBase, argv: ['sh', '-c', 'id -u; cat /etc/image-file'], user: 'app' }));
    expect(who).toMatchObject({ out: '1000\nfrom the image\n', exitCode: 0 });

    const pack = tarPack();
    pack.entry({ name: 'drop/', type: 'directory', mode: 0o755 });
    pack.entry({ name: 'drop/note.txt', mode: 0o644 }, 'copied in\n');
    pack.finalize();
    await session.putArchive('/tmp', Readable.from(pack as unknown as AsyncIterable<Buffer>), { noOverwriteDirNonDir: false });
    expect((await finish(await session.exec({ ...execBase, argv: ['cat', '/tmp/drop/note.txt'] }))).out).toBe('copied in\n');
    expect(await session.statPath('/tmp/drop/note.txt')).toMatchObject({ name: 'note.txt', size: 10 });

    const back = await session.getArchive('/etc/passwd');
    const out = join(dir, 'out');
    mkdirSync(out);
    await extractTar(back.tar, out);
    expect(readFileSync(join(out, 'passwd'), 'utf8')).toContain('app:x:1000:1000');

    await session.signal('TERM');
    expect((await main.exited).exitCode).toBe(0);
  });

  // With an agent URL the entrypoint script starts the command itself and the agent beside it (fast path).
  it('beside the command: PATH lookup, signals from outside and through the agent, the exit code', async () => {
    const { main, session, output } = await startReady('sbx-beside', 'trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 1; done');
    // The script, the command and the agent run side by side.
    const ps = await finish(await session.exec({ ...execBase, argv: ['ps', '-o', 'args'] }));
    expect(ps.out).toContain('/.sockerless/busybox sh /.sockerless/agent sh -c trap');
    expect(ps.out).toMatch(/\n\/bin\/sh -c trap/);
    expect(ps.out).toContain('/.sockerless/node /.sockerless/app/agent/dist/main.js');
    // A signal the sandbox gets (docker stop) reaches the command through the script's trap.
    await driver.signal('sbx-beside', 'SIGTERM');
    const r = await main.exited;
    expect(r.exitCode).toBe(7);
    expect(output()).toContain('got-term');
  });

  it('beside the command: a program not in PATH is reported as runc words it, exit 127', async () => {
    const grant = await server.grant('sbx-missing');
    const s = spec('sbx-missing', ['--', 'no-such-program'], grant.env);
    await driver.create(s);
    const r = await finish(await driver.start(s));
    expect(r.exitCode).toBe(127);
    expect(r.err).toContain('exec: "no-such-program": executable file not found in $PATH');
  });
});
