import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as tar from 'tar-stream';
import {
  coreBackendDriversExtensionPoint, definePlugin, NotFoundError, type BackendDriver, type ExitStatus, type ManagedWorkload, type WorkloadIdentity, type WorkloadProcess,
} from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { startDaemon, type RunningDaemon } from '../../src/daemon';
import { api as rawApi } from '../../../test/support/raw-http';

/**
 * A fake cloud (the one allowed fake of this unit test): workloads outlive the daemon object that started
 * them, as ECS tasks outlive a daemon process. The test drives their output and exit.
 */
class FakeTask {
  stdout = new PassThrough();
  private settle!: (s: ExitStatus) => void;
  exited = new Promise<ExitStatus>((r) => { this.settle = r; });
  running = true;
  lines: string[] = [];
  identity?: WorkloadIdentity;
  say(line: string): void {
    this.lines.push(line);
    this.stdout.write(`${line}\n`);
  }
  exit(code: number): void {
    this.running = false;
    this.stdout.end();
    this.settle({ exitCode: code });
  }
  process(): WorkloadProcess {
    return { stdin: null, stdout: this.stdout, stderr: null, exited: this.exited };
  }
  /** A second view of the same task, as a reattach makes: a fresh stream carrying what it says from now on. */
  reattached(): WorkloadProcess {
    this.stdout = new PassThrough();
    if (!this.running) this.stdout.end();
    return this.process();
  }
}

interface FakeCloud {
  tasks: Map<string, FakeTask>;
  reattachCalls: { id: string; logsSince?: Date }[];
  /** What list() reports beyond the tasks (workloads of other daemons, with identity). */
  extra: ManagedWorkload[];
  /** How reattach behaves: the task, nothing (the backend lost it), or no such method at all. */
  reattachMode: 'task' | 'undefined' | 'absent';
  signals: string[];
  /** When set, list() answers only once it resolves: a backend slow to answer at boot. */
  listHeld?: Promise<void>;
}

function newCloud(): FakeCloud {
  return { tasks: new Map(), reattachCalls: [], extra: [], reattachMode: 'task', signals: [] };
}

function cloudPlugin(cloud: FakeCloud) {
  return definePlugin({
    id: 'fake-cloud',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: { drivers: coreBackendDriversExtensionPoint },
        init({ drivers }) {
          drivers.register({
            kind: 'cloud',
            create(): BackendDriver {
              const driver: BackendDriver = {
                kind: 'cloud',
                create: async () => undefined,
                start: async (spec) => {
                  const task = new FakeTask();
                  cloud.tasks.set(spec.id, task);
                  return task.process();
                },
                signal: async (id, sig) => {
                  const task = cloud.tasks.get(id);
                  if (!task?.running) throw new NotFoundError(`no task of ${id}`);
                  cloud.signals.push(sig);
                  task.exit(sig === 'SIGKILL' ? 137 : 143);
                },
                remove: async (id) => { cloud.tasks.delete(id); },
                list: async () => {
                  await cloud.listHeld;
                  return [...[...cloud.tasks.entries()].map(([id, t]) => ({ id, running: t.running, identity: t.identity })), ...cloud.extra];
                },
              };
              if (cloud.reattachMode !== 'absent') {
                driver.reattach = async (id, opts) => {
                  cloud.reattachCalls.push({ id, logsSince: opts.logsSince });
                  const task = cloud.tasks.get(id);
                  return cloud.reattachMode === 'task' && task ? task.reattached() : undefined;
                };
              }
              return driver;
            },
          });
        },
      });
    },
  });
}

async function tinyRootfs(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'hello.txt' }, 'hi\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

let home: string;
let daemon: RunningDaemon | undefined;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-recovery-')); });
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
  rmSync(home, { recursive: true, force: true });
});

async function boot(cloud: FakeCloud, dir = home): Promise<{ api: (path: string, init?: RequestInit) => Promise<Response> }> {
  daemon = await startDaemon({ config: { plugins: ['store-sqlite', cloudPlugin(cloud)] }, listen: ['tcp://127.0.0.1:0'], home: dir, logger: silentLogger });
  const base = daemon.addresses[0].replace('tcp://', 'http://');
  return { api: (path, init) => fetch(`${base}${path}`, init) };
}

async function json<T>(res: Response | Promise<Response>): Promise<T> {
  const r = await res;
  const text = await r.text();
  if (!r.ok) throw new Error(`HTTP ${r.status}: ${text}`);
  return JSON.parse(text) as T;
}

const post = (body?: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

/** Logs of a container with a non-TTY stream: the payloads of the 8-byte framed chunks, as text. */
async function logsOf(api: (p: string) => Promise<Response>, id: string): Promise<string> {
  const buf = Buffer.from(await (await api(`/containers/${id}/logs?stdout=1&stderr=1`)).arrayBuffer());
  let out = '';
  for (let i = 0; i + 8 <= buf.length;) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString();
    i += 8 + size;
  }
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Boots a daemon, makes a container that says `before` and stays running, then closes the daemon. */
async function runningContainerThenClose(cloud: FakeCloud, hostConfig: Record<string, unknown> = {}): Promise<{ id: string; beforeAt: number }> {
  const { api } = await boot(cloud);
  await daemon!.core.images.importRootfs(Readable.from([await tinyRootfs()]), { repo: 'img', tag: '1' });
  const { Id: id } = await json<{ Id: string }>(api('/containers/create?name=job', post({ Image: 'img:1', Cmd: ['work'], HostConfig: hostConfig })));
  expect((await api(`/containers/${id}/start`, post())).status).toBe(204);
  cloud.tasks.get(id)!.say('before');
  await until('the first line in the logs', async () => (await logsOf(api, id)).includes('before'));
  const beforeAt = Date.now();
  await daemon!.close();
  daemon = undefined;
  return { id, beforeAt };
}

test('a running container whose backend reattaches stays running: wait, logs and the exit code work', async () => {
  const cloud = newCloud();
  const { id, beforeAt } = await runningContainerThenClose(cloud);
  const { api } = await boot(cloud);
  expect(cloud.reattachCalls).toHaveLength(1);
  expect(cloud.reattachCalls[0].id).toBe(id);
  // The output to ask for starts at the last stored line, not at the start of the run.
  expect(cloud.reattachCalls[0].logsSince!.getTime()).toBeLessThanOrEqual(beforeAt);
  expect(cloud.reattachCalls[0].logsSince!.getTime()).toBeGreaterThan(beforeAt - 60_000);
  const inspect = await json<{ State: { Running: boolean; Status: string } }>(api(`/containers/${id}/json`));
  expect(inspect.State).toMatchObject({ Running: true, Status: 'running' });

  const waited = json<{ StatusCode: number }>(api(`/containers/${id}/wait`, post()));
  cloud.tasks.get(id)!.say('after');
  cloud.tasks.get(id)!.exit(5);
  expect((await waited).StatusCode).toBe(5);
  const logs = await logsOf(api, id);
  expect(logs).toBe('before\nafter\n');
  const after = await json<{ State: { Status: string; ExitCode: number } }>(api(`/containers/${id}/json`));
  expect(after.State).toMatchObject({ Status: 'exited', ExitCode: 5 });
});

test('a reattached container can be stopped, and an auto-remove one is removed when it ends', async () => {
  const cloud = newCloud();
  const { id } = await runningContainerThenClose(cloud, { AutoRemove: true });
  const { api } = await boot(cloud);
  const removed = json<{ StatusCode: number }>(api(`/containers/${id}/wait?condition=removed`, post()));
  const stop = await api(`/containers/${id}/stop?t=5`, post());
  expect(stop.status).toBe(204);
  expect(cloud.signals).toEqual(['SIGTERM']);
  expect((await removed).StatusCode).toBe(143);
  expect((await api(`/containers/${id}/json`)).status).toBe(404);
});

test.each([['undefined' as const], ['absent' as const]])('a running container the backend cannot give back (reattach %s) is recorded as exited 137', async (mode) => {
  const cloud = newCloud();
  const { id } = await runningContainerThenClose(cloud);
  cloud.reattachMode = mode;
  const { api } = await boot(cloud);
  expect(cloud.reattachCalls).toHaveLength(mode === 'absent' ? 0 : 1);
  const inspect = await json<{ State: { Running: boolean; ExitCode: number; Error: string } }>(api(`/containers/${id}/json`));
  expect(inspect.State).toMatchObject({ Running: false, ExitCode: 137, Error: 'daemon restarted' });
  // The workload that nobody watches any more is killed.
  expect(cloud.signals).toEqual(['SIGKILL']);
});

test('workloads with identity that the store does not know are rebuilt: name, image, labels, state; a taken name is replaced', async () => {
  const cloud = newCloud();
  const created = '2024-05-01T10:00:00.000Z';
  const runningId = 'a'.repeat(64);
  const running = new FakeTask();
  running.identity = { name: 'svc', image: 'img:1', created, labels: { role: 'web' }, argv: ['sleep', '100'], startedAt: created };
  cloud.tasks.set(runningId, running);
  cloud.extra.push(
    { id: 'b'.repeat(64), running: false, identity: { name: 'old-job', image: 'busybox:latest', created, labels: { team: 'x' }, pool: 'batch', argv: ['sh', '-c', 'exit 3'], exitCode: 3, startedAt: '2024-05-01T10:00:01.000Z', finishedAt: '2024-05-01T10:00:02.000Z' } },
    { id: 'c'.repeat(64), running: false, identity: { name: 'old-job', image: 'busybox:latest', created, labels: {} } },
    // Without identity (a backend that cannot tell whose it is): left alone.
    { id: 'd'.repeat(64), running: false },
  );
  const { api } = await boot(cloud);
  type Summary = { Id: string; Names: string[]; Image: string; Command: string; Labels: Record<string, string>; State: string; Status: string };
  const list = await json<Summary[]>(api('/containers/json?all=1'));
  const byId = new Map(list.map((c) => [c.Id, c]));
  expect(list).toHaveLength(3);
  expect(byId.get('b'.repeat(64))).toMatchObject({ Names: ['/old-job'], Image: 'busybox:latest', Command: 'sh -c \'exit 3\'', State: 'exited', Labels: { team: 'x', 'com.sockerless.pool': 'batch' } });
  expect(byId.get('b'.repeat(64))!.Status).toMatch(/^Exited \(3\)/);
  const second = byId.get('c'.repeat(64))!;
  expect(second.Names[0]).not.toBe('/old-job');
  expect(second.Names[0]).toMatch(/^\/[a-z]+_[a-z]+\d*$/);
  expect(second.State).toBe('created');
  expect(byId.get(runningId)).toMatchObject({ Names: ['/svc'], State: 'running', Labels: { role: 'web', 'com.sockerless.pool': 'default' } });
  const inspect = await json<{ Created: string; Path: string; Args: string[]; State: { StartedAt: string }; Config: { Labels: Record<string, string> } }>(api(`/containers/${runningId}/json`));
  expect(inspect).toMatchObject({ Created: created, Path: 'sleep', Args: ['100'], State: { StartedAt: created } });
  expect(cloud.reattachCalls.map((c) => c.id)).toEqual([runningId]);
  expect(cloud.reattachCalls[0].logsSince?.toISOString()).toBe(created);

  // The adopted run is watched like any other: its end is recorded.
  const waited = json<{ StatusCode: number }>(api(`/containers/${runningId}/wait`, post()));
  running.say('late');
  running.exit(0);
  expect((await waited).StatusCode).toBe(0);
  expect(await logsOf(api, runningId)).toBe('late\n');

  // A second boot on the same home adopts nothing twice.
  await daemon!.close();
  const again = await boot(cloud);
  expect(await json<Summary[]>(again.api('/containers/json?all=1'))).toHaveLength(3);
});

test('while a backend is still reconciling, ping and ps answer from the store; a request on a container waits for the reconcile', async () => {
  const cloud = newCloud();
  const { id } = await runningContainerThenClose(cloud);
  let releaseList!: () => void;
  cloud.listHeld = new Promise<void>((r) => { releaseList = r; });
  const socket = join(home, 'gate.sock');
  const starting = startDaemon({ config: { plugins: ['store-sqlite', cloudPlugin(cloud)] }, listen: [`unix://${socket}`], home, logger: silentLogger });
  const ping = await until('the first ping', () => rawApi(socket, 'GET', '/_ping').then((r) => (r.status === 200 ? r : undefined), () => undefined));
  expect(ping.text).toBe('OK');
  const list = await rawApi(socket, 'GET', '/containers/json?all=1');
  expect(list.status).toBe(200);
  expect(list.json().map((c: { Id: string }) => c.Id)).toEqual([id]);
  let inspected = false;
  const inspect = rawApi(socket, 'GET', `/containers/${id}/json`).then((r) => { inspected = true; return r; });
  // A later request that is answered proves the inspect was read and is being held, not still in flight.
  expect((await rawApi(socket, 'GET', '/version')).status).toBe(200);
  expect(inspected).toBe(false);
  expect(cloud.reattachCalls).toHaveLength(0);
  releaseList();
  daemon = await starting;
  const answered = await inspect;
  expect(answered.status).toBe(200);
  expect(answered.json().State).toMatchObject({ Running: true, Status: 'running' });
  expect(cloud.reattachCalls.map((c) => c.id)).toEqual([id]);
});

test('an identity a backend reads on demand (local\'s spec.json) is read only for workloads the store lacks, with env and terminal', async () => {
  const cloud = newCloud();
  const created = '2024-05-01T10:00:00.000Z';
  const reads: string[] = [];
  const lazy = (id: string, identity: WorkloadIdentity): ManagedWorkload => ({
    id, running: false, readIdentity: async () => { reads.push(id); return identity; },
  });
  cloud.extra.push(lazy('e'.repeat(64), {
    name: 'from-spec', image: 'busybox:latest', created, labels: {}, argv: ['top'], env: ['A=1'], workingDir: '/w', user: 'app', tty: true, openStdin: true, hostname: 'h1',
  }));
  const { api } = await boot(cloud);
  const inspect = await json<{ Name: string; Config: { Env: string[]; WorkingDir: string; User: string; Tty: boolean; OpenStdin: boolean; Hostname: string } }>(api(`/containers/${'e'.repeat(64)}/json`));
  expect(inspect).toMatchObject({ Name: '/from-spec', Config: { Env: ['A=1'], WorkingDir: '/w', User: 'app', Tty: true, OpenStdin: true, Hostname: 'h1' } });
  expect(reads).toEqual(['e'.repeat(64)]);
  // The second boot finds the record: the identity is not read again.
  await daemon!.close();
  await boot(cloud);
  expect(reads).toEqual(['e'.repeat(64)]);
});
