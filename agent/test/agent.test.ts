import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { extractTar, packPath } from '@sockerless/sdk';
import type { WorkloadAgentServer } from '../src';
import {
  finish, makeServer, requireBuiltAgent, startHostAgent, stopHostAgent, tempHome, waitUntil, type HostAgent,
} from './agent-support';

/** The workload agent as a host process against a WorkloadAgentServer: real processes, a real WebSocket. */

const LONG_RUNNING = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
const baseExec = { env: ['PATH=/usr/local/bin:/usr/bin:/bin'], workingDir: '', user: '', tty: false, attachStdin: false, privileged: false };

beforeAll(() => requireBuiltAgent());

/** Dials the server as an agent would, and says whether the upgrade went through (or the status it got). */
function dial(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => { ws.close(); resolve('open'); });
    ws.on('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('error', () => undefined);
  });
}

describe('authentication at the upgrade', () => {
  let home: string;
  let server: WorkloadAgentServer;
  const logs: string[] = [];
  beforeAll(() => { home = tempHome(); server = makeServer(home, logs); });
  afterAll(async () => { await server.close(); rmSync(home, { recursive: true, force: true }); });

  it('refuses a missing or wrong token and an unknown container, with the reason logged; accepts the right token', async () => {
    const grant = await server.grant('c-auth');
    const id = { 'x-sockerless-container-id': 'c-auth' };
    expect(await dial(grant.url, id)).toBe(401);
    expect(logs.some((l) => l.startsWith('warn:') && l.includes('no token') && l.includes('"containerId":"c-auth"'))).toBe(true);
    expect(await dial(grant.url, { ...id, authorization: `Bearer ${'0'.repeat(64)}` })).toBe(401);
    expect(logs.some((l) => l.startsWith('warn:') && l.includes('wrong token') && l.includes('c-auth'))).toBe(true);
    // Another container's token does not open this one.
    const other = await server.grant('c-other');
    expect(await dial(grant.url, { ...id, authorization: `Bearer ${other.token}` })).toBe(401);
    // A right token for a container this daemon does not know.
    expect(await dial(grant.url, { 'x-sockerless-container-id': 'c-unknown', authorization: `Bearer ${server.tokenFor('c-unknown')}` })).toBe(401);
    expect(logs.some((l) => l.includes('unknown container') && l.includes('c-unknown'))).toBe(true);
    expect(await dial(grant.url, { ...id, authorization: `Bearer ${grant.token}` })).toBe('open');
    expect(await dial(`${grant.url}?container=c-auth`, { authorization: `Bearer ${grant.token}` })).toBe('open');
  });

  it('forgets a revoked container: its live connection is cut and its right token is refused from then on', async () => {
    const grant = await server.grant('c-revoked');
    const headers = { 'x-sockerless-container-id': 'c-revoked', authorization: `Bearer ${grant.token}` };
    const live = new WebSocket(grant.url, { headers });
    await new Promise<void>((resolve, reject) => { live.once('open', () => resolve()); live.once('error', reject); });
    const cut = new Promise<void>((resolve) => live.once('close', () => resolve()));
    server.revoke('c-revoked');
    await cut;
    expect(await dial(grant.url, headers)).toBe(401);
    expect(logs.some((l) => l.includes('unknown container') && l.includes('c-revoked'))).toBe(true);
  });

  it('derives tokens from a secret kept in the home (mode 0600)', async () => {
    const grant = await server.grant('c-same');
    const again = makeServer(home);
    try {
      expect((await again.grant('c-same')).token).toBe(grant.token);
    } finally { await again.close(); }
    expect(statSync(join(home, 'agent.secret')).mode & 0o777).toBe(0o600);
    expect(grant.env).toEqual([`SOCKERLESS_AGENT_URL=${grant.url}`, `SOCKERLESS_AGENT_TOKEN=${grant.token}`, 'SOCKERLESS_CONTAINER_ID=c-same']);
  });

  it('answers Unavailable when the agent has not connected', async () => {
    await expect(server.session('c-never', 0)).rejects.toMatchObject({ code: 'Unavailable', message: 'the workload agent of container c-never has not connected' });
    await expect(server.session('c-never', 100)).rejects.toMatchObject({ code: 'Unavailable' });
  });
});

describe('a connected agent', () => {
  let home: string;
  let server: WorkloadAgentServer;
  let agent: HostAgent;
  beforeAll(async () => {
    home = tempHome();
    server = makeServer(home);
    agent = await startHostAgent(server, 'c-main', LONG_RUNNING);
  });
  afterAll(async () => {
    await stopHostAgent(agent);
    await server.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('runs an exec with its exit code and separate stdout and stderr', async () => {
    const session = await server.session('c-main', 30_000);
    const r = await finish(await session.exec({ ...baseExec, argv: ['sh', '-c', 'echo out; echo err >&2; exit 7'] }));
    expect(r).toEqual({ out: 'out\n', err: 'err\n', exitCode: 7, signal: undefined });
  });

  it('keeps 20 concurrent execs apart', async () => {
    const session = await server.session('c-main', 30_000);
    const lines = 2000;
    const runs = await Promise.all(Array.from({ length: 20 }, async (_, k) => {
      const script = `i=0; while [ $i -lt ${lines} ]; do echo marker-${k}-out; echo marker-${k}-err >&2; i=$((i+1)); done`;
      return finish(await session.exec({ ...baseExec, argv: ['sh', '-c', script] }));
    }));
    runs.forEach((r, k) => {
      expect(r.exitCode).toBe(0);
      expect(r.out).toBe(`marker-${k}-out\n`.repeat(lines));
      expect(r.err).toBe(`marker-${k}-err\n`.repeat(lines));
    });
  });

  it('feeds an exec its stdin', async () => {
    const session = await server.session('c-main', 30_000);
    const p = await session.exec({ ...baseExec, argv: ['sh', '-c', 'wc -c; cat /dev/null'], attachStdin: true });
    const big = randomBytes(3 * 1024 * 1024);
    p.stdin!.end(big);
    const r = await finish(p);
    expect(r.out.trim()).toBe(String(big.length));
    expect(r.exitCode).toBe(0);
  });

  it('runs as another user, by id or by name from /etc/passwd', async () => {
    const session = await server.session('c-main', 30_000);
    expect((await finish(await session.exec({ ...baseExec, argv: ['sh', '-c', 'echo $(id -u):$(id -g)'], user: '1234:567' }))).out).toBe('1234:567\n');
    expect((await finish(await session.exec({ ...baseExec, argv: ['id', '-u'], user: 'nobody' }))).out).toBe('65534\n');
    await expect(session.exec({ ...baseExec, argv: ['true'], user: 'no-such-user' })).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('unable to find user no-such-user') });
  });

  it('reports a missing program, refuses a TTY, and kills an exec with what it started', async () => {
    const session = await server.session('c-main', 30_000);
    await expect(session.exec({ ...baseExec, argv: ['no-such-program'] })).rejects.toMatchObject({ code: 'InvalidArgument', message: 'exec: "no-such-program": executable file not found in $PATH' });
    await expect(session.exec({ ...baseExec, argv: ['sh'], tty: true })).rejects.toMatchObject({ code: 'NotImplemented', message: 'a TTY through the workload agent is not supported: it has no terminal allocator' });
    const p = await session.exec({ ...baseExec, argv: ['sh', '-c', 'sleep 1000 & echo started; wait'] });
    const out: string[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c.toString()));
    await waitUntil(() => out.join('').includes('started'), 'the exec to start');
    p.kill!();
    expect(await p.exited).toEqual({ exitCode: 137, signal: 'SIGKILL' });
  });

  it('round-trips a directory and a 5 MB file through putArchive, statPath and getArchive', async () => {
    const session = await server.session('c-main', 30_000);
    const work = mkdtempSync(join(tmpdir(), 'sl-agent-cp-'));
    try {
      const src = join(work, 'src', 'tree');
      mkdirSync(join(src, 'sub'), { recursive: true });
      writeFileSync(join(src, 'a.txt'), 'alpha\n');
      writeFileSync(join(src, 'sub', 'b.txt'), 'beta\n', { mode: 0o600 });
      const big = randomBytes(5 * 1024 * 1024);
      writeFileSync(join(src, 'big.bin'), big);
      const dest = join(work, 'dest');
      mkdirSync(dest);
      await session.putArchive(dest, packPath(src, 'tree'), { noOverwriteDirNonDir: false });
      expect(readFileSync(join(dest, 'tree', 'sub', 'b.txt'), 'utf8')).toBe('beta\n');
      expect(statSync(join(dest, 'tree', 'sub', 'b.txt')).mode & 0o777).toBe(0o600);

      const stat = await session.statPath(join(dest, 'tree', 'big.bin'));
      expect(stat).toMatchObject({ name: 'big.bin', size: big.length, linkTarget: '' });
      const dirStat = await session.statPath(join(dest, 'tree'));
      expect(dirStat.mode & 2 ** 31).not.toBe(0);

      const back = await session.getArchive(join(dest, 'tree'));
      expect(back.stat.name).toBe('tree');
      const out = join(work, 'back');
      mkdirSync(out);
      await extractTar(back.tar, out);
      const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
      expect(sha(join(out, 'tree', 'big.bin'))).toBe(sha(join(src, 'big.bin')));
      expect(readFileSync(join(out, 'tree', 'a.txt'), 'utf8')).toBe('alpha\n');

      await expect(session.statPath(join(work, 'missing'))).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining('c-main') });
      await expect(session.getArchive(join(work, 'missing'))).rejects.toMatchObject({ code: 'NotFound' });
      await expect(session.putArchive(join(dest, 'tree', 'a.txt'), packPath(src, 'tree'), { noOverwriteDirNonDir: false }))
        .rejects.toMatchObject({ code: 'InvalidArgument', message: 'extraction point is not a directory' });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('streams a 20 MB archive through a reader that stops, without running ahead of it', async () => {
    const session = await server.session('c-main', 30_000);
    const work = mkdtempSync(join(tmpdir(), 'sl-agent-big-'));
    try {
      writeFileSync(join(work, 'huge.bin'), randomBytes(20 * 1024 * 1024));
      const { tar } = await session.getArchive(join(work, 'huge.bin'));
      // Not reading: the buffered bytes stop at the flow-control window, whatever the file size.
      tar.pause();
      await waitUntil(() => tar.readableLength > 0, 'the first bytes');
      const other = await finish(await session.exec({ ...baseExec, argv: ['echo', 'still served'] }));
      expect(other.out).toBe('still served\n');
      expect(tar.readableLength).toBeLessThanOrEqual(512 * 1024);
      let bytes = 0;
      for await (const chunk of tar) bytes += (chunk as Buffer).length;
      expect(bytes).toBeGreaterThan(20 * 1024 * 1024);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('the main process', () => {
  let home: string;
  let server: WorkloadAgentServer;
  beforeAll(() => { home = tempHome(); server = makeServer(home); });
  afterAll(async () => { await server.close(); rmSync(home, { recursive: true, force: true }); });

  it('attaches to its stdout and stdin, which the agent opened with SOCKERLESS_AGENT_STDIN=1', async () => {
    const agent = await startHostAgent(server, 'c-attach', ['sh', '-c', 'echo before; while read l; do echo got:$l; done; echo bye; exit 5'], { SOCKERLESS_AGENT_STDIN: '1' });
    try {
      await waitUntil(() => agent.output.stdout.includes('before'), 'the workload to start');
      const session = await server.session('c-attach', 30_000);
      const streams = await session.attach({ stdin: true });
      let seen = '';
      streams.stdout.on('data', (c: Buffer) => { seen += c.toString(); });
      const ended = new Promise((r) => streams.stdout.once('end', r));
      streams.stdin!.write('one\n');
      await waitUntil(() => seen.includes('got:one'), 'the echo of the attached stdin');
      streams.stdin!.end('two\n');
      await ended;
      // From the attach on only, and the agent's own stdout (the log capture) has all of it.
      expect(seen).toBe('got:one\ngot:two\nbye\n');
      expect(await agent.exited).toEqual({ code: 5, signal: null });
      expect(agent.output.stdout).toBe('before\ngot:one\ngot:two\nbye\n');
    } finally {
      await stopHostAgent(agent);
    }
  });

  it('takes a signal from the daemon and exits with the trap\'s code', async () => {
    const agent = await startHostAgent(server, 'c-signal', ['sh', '-c', 'trap "echo trapped; exit 42" TERM; echo ready; while true; do sleep 1; done']);
    try {
      await waitUntil(() => agent.output.stdout.includes('ready'), 'the trap to be set');
      const session = await server.session('c-signal', 30_000);
      await session.signal('TERM');
      expect(await agent.exited).toEqual({ code: 42, signal: null });
      expect(agent.output.stdout).toContain('trapped');
      await expect(session.signal('NOPE')).rejects.toBeDefined();
    } finally {
      await stopHostAgent(agent);
    }
  });

  it('forwards a signal it receives and exits with 128+n when the workload dies of it', async () => {
    const agent = await startHostAgent(server, 'c-fwd', ['sh', '-c', 'echo ready; exec sleep 1000']);
    await waitUntil(() => agent.output.stdout.includes('ready'), 'the workload to start');
    agent.child.kill('SIGHUP');
    expect(await agent.exited).toEqual({ code: 129, signal: null });
  });

  it('exits with its main process even when a background child keeps the pipes open', async () => {
    const agent = await startHostAgent(server, 'c-bg', ['sh', '-c', 'sleep 30 & echo done; exit 4']);
    expect(await agent.exited).toEqual({ code: 4, signal: null });
    expect(agent.output.stdout).toBe('done\n');
  });
});

describe('a daemon restart', () => {
  it('gets the agent back on the same port, with the same token', async () => {
    const home = tempHome();
    const first = makeServer(home);
    const agent = await startHostAgent(first, 'c-restart', LONG_RUNNING);
    let second: WorkloadAgentServer | undefined;
    try {
      const url = (await first.grant('c-restart')).url;
      await first.session('c-restart', 30_000);
      await first.close();
      second = makeServer(home);
      // The reattaching backend asks for the session: the container is known again.
      expect((await second.grant('c-restart')).url).toBe(url);
      const session = await second.session('c-restart', 30_000);
      const r = await finish(await session.exec({ ...baseExec, argv: ['echo', 'back again'] }));
      expect(r.out).toBe('back again\n');
      expect(JSON.parse(readFileSync(join(home, 'agent-listener.json'), 'utf8')).port).toBe(Number(new URL(url).port));
    } finally {
      await stopHostAgent(agent);
      await second?.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
