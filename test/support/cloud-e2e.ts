import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execOnceAgentIsIn, startSimulatorProcess, type SimulatorProcess } from './aws';
import { unmountUnder } from './daemon';
import { BUSYBOX, startE2E, type E2E } from './e2e';
import { fileFixture } from './file-fixture';
import { buildBusyboxImageArchive } from './images';

/**
 * What the cloud backends' e2e files share: a standalone simulator (`sockerless simulator <cloud>`, its own
 * process and home, so the cloud's workloads outlive any daemon) with busybox in its registry, and a daemon
 * against it, started in beforeAll and taken down in afterAll (the daemon first: its clean-up still talks to the
 * cloud), with the file's temp dir.
 */

export interface SimulatedCloud<D> {
  /** The file's temp dir: the simulator's home, the busybox archive, room for a test's own files. */
  readonly dir: string;
  readonly sim: SimulatorProcess;
  /** The busybox `docker save` archive the simulator loaded (a daemon without an image store of the cloud's loads it). */
  readonly archive: string;
  readonly daemon: D;
}

export interface SimulatedCloudOptions<D> {
  cloud: 'aws' | 'gcp' | 'azure';
  /** Names the temp dir (`sockerless-NAME-…`). */
  name: string;
  /** What an operator sets up once in the cloud before a daemon uses it (a resource group, a workspace). */
  provision?: (sim: SimulatorProcess) => Promise<void>;
  daemon: (cloud: { dir: string; sim: SimulatorProcess; archive: string }) => Promise<D>;
}

/** Registers the file's beforeAll and afterAll; the handle's fields are there from beforeAll on. */
export function simulatedCloud<D extends { dispose(): Promise<void> }>(opts: SimulatedCloudOptions<D>): SimulatedCloud<D> {
  return fileFixture<SimulatedCloud<D>>(async (state) => {
    const dir = state.dir = mkdtempSync(join(tmpdir(), `sockerless-${opts.name}-`));
    const archive = state.archive = await buildBusyboxImageArchive(join(dir, 'image'));
    const sim = state.sim = await startSimulatorProcess({ dir, load: [archive], cloud: opts.cloud });
    await opts.provision?.(sim);
    state.daemon = await opts.daemon({ dir, sim, archive });
  }, async ({ dir, sim, daemon }) => {
    await daemon?.dispose();
    await sim?.stop();
    if (dir) {
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
}

/** A daemon (startE2E, busybox imported) whose default backend is in the simulated cloud, with the cloud at hand. */
export interface CloudE2E extends E2E {
  readonly dir: string;
  readonly sim: SimulatorProcess;
}

/**
 * simulatedCloud with a startE2E daemon of `config(sim)`: the handle is an E2E (`e.docker`, `e.ok`,
 * `e.daemon`) that also has the simulator and the temp dir.
 */
export function cloudE2E(opts: Omit<SimulatedCloudOptions<E2E>, 'daemon'> & { config: (sim: SimulatorProcess) => string }): CloudE2E {
  const cloud = simulatedCloud({ ...opts, daemon: ({ sim }) => startE2E({ config: opts.config(sim) }) });
  return {
    get dir() { return cloud.dir; },
    get sim() { return cloud.sim; },
    get daemon() { return cloud.daemon.daemon; },
    docker: (args, o) => cloud.daemon.docker(args, o),
    ok: (args, o) => cloud.daemon.ok(args, o),
    dispose: () => cloud.daemon.dispose(),
  };
}

/** One ARM call over HTTPS with `ca` trusted (what `az rest` does), and the JSON it answered, if any. */
export function armRequest(url: string, opts: { method?: string; ca?: string; body?: unknown } = {}): Promise<{ status: number; json: any }> {
  const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers = data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {};
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers, ...(opts.ca ? { ca: opts.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * The docker CLI case every job- or task-backed cloud passes: two containers running, `ps` filtered by status,
 * label and name; `stop -t` ends one (143 from SIGTERM, or 137 once the timeout's SIGKILL came, as dockerd
 * reports); `rm -f` removes the one still running, and nothing is left. `prefix` names the two (`PREFIX-keep`,
 * `PREFIX-stop`).
 */
export async function expectStopAndPsFilters(e: Pick<E2E, 'ok'>, prefix: string, stopSeconds: number): Promise<void> {
  const [keep, stop] = [`${prefix}-keep`, `${prefix}-stop`];
  await e.ok(['run', '-d', '--name', keep, '--label', 'team=blue', BUSYBOX, 'sleep', '600']);
  await e.ok(['run', '-d', '--name', stop, '--label', 'team=red', BUSYBOX, 'sleep', '600']);
  const running = (await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).split('\n').sort();
  expect(running).toEqual([keep, stop]);
  expect(await e.ok(['ps', '--filter', 'label=team=blue', '--format', '{{.Names}}'])).toBe(keep);
  expect(await e.ok(['ps', '--filter', `name=${prefix}-st`, '--format', '{{.Names}}'])).toBe(stop);

  await e.ok(['stop', '-t', String(stopSeconds), stop]);
  const [status, code] = (await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', stop])).split(' ');
  expect(status).toBe('exited');
  expect(['137', '143']).toContain(code);
  expect(await e.ok(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'])).toBe(stop);
  expect(await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).toBe(keep);

  await e.ok(['rm', '-f', keep, stop]);
  expect(await e.ok(['ps', '-aq'])).toBe('');
}

/** `docker run` answers the workload's exit code with its stderr apart; inspect says so and names `backend`. */
export async function expectExitCodeOfRun(e: Pick<E2E, 'docker' | 'ok'>, backend: string): Promise<void> {
  const r = await e.docker(['run', '--name', 'exit-three', BUSYBOX, 'sh', '-c', 'echo to-err >&2; exit 3']);
  expect(r).toMatchObject({ code: 3, stderr: 'to-err\n' });
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.Sockerless.Backend}}', 'exit-three'])).toBe(`exited 3 ${backend}`);
  await e.ok(['rm', 'exit-three']);
}

/** `run -d`, then `logs -f` follows the cloud's log store until the workload ends, and it ended with 0. */
export async function expectLogsFollowToTheEnd(e: Pick<E2E, 'docker' | 'ok'>): Promise<void> {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done']);
  const logs = await e.docker(['logs', '-f', id]);
  expect(logs).toMatchObject({ code: 0, stdout: 'line1\nline2\nline3\n' });
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id])).toBe('exited 0');
  await e.ok(['rm', id]);
}

/**
 * A container made by another daemon, started by `fresh`: the start carries `fresh`'s agent grant, so exec
 * reaches it; then it is removed.
 */
export async function expectExecAfterStartHere(fresh: { ok(args: string[]): Promise<string>; docker(args: string[]): Promise<{ code: number; stdout: string }> }, name: string): Promise<void> {
  await fresh.ok(['start', name]);
  expect(await execOnceAgentIsIn((a) => fresh.docker(a), name, ['echo', 'inside'])).toBe('inside');
  await fresh.ok(['rm', '-f', name]);
}
