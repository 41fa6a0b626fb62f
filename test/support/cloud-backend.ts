import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkloadAgentServer } from '@sockerless/agent';
import { UnavailableError, type AgentServer, type BackendDriver, type ExitStatus, type PluginEntry, type SimulatorDirectory, type WorkloadSpec } from '@sockerless/sdk';
import { readAll, silentLogger, startTestHost } from '@sockerless/sdk/testing';
import { fileFixture } from './file-fixture';

/**
 * What the cloud backends' plugin tests share (backend-ecs, -cloudrun, -aca, -faas): a driver's dependencies
 * when a test needs none of them, a workload spec, a simulator with the daemon's workload agent server for one
 * test file (the conformance kit's set-up), a simulator with a driver on it (a driver's own tests), and what a
 * plugin test checks of loading and booting. The plugins' tests import it by relative path, as they do the
 * rest of test/support; nothing here is a plugin's API.
 */

/** For drivers built with `agent: false`: a server that has no agents (grant is never called then). */
export const noAgents: AgentServer = {
  grant: () => Promise.reject(new Error('no agent server in this test')),
  session: (id) => Promise.reject(new UnavailableError(`the workload agent of container ${id} has not connected`)),
  connected: () => false,
  revoke: () => undefined,
};

/** For drivers given an endpoint: a daemon that runs no simulator. */
export const noSimulators: SimulatorDirectory = {
  endpoint: (name) => { throw new Error(`no simulator ${name}`); },
  names: () => [],
};

/** A spec as the core makes one for `docker create busybox:latest true`, with a new id; `over` changes any field. */
export function workloadSpec(over: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const id = over.id ?? randomBytes(32).toString('hex');
  return {
    id, name: `c-${id.slice(0, 8)}`, hostname: id.slice(0, 12), image: { id: 'sha256:x', ref: 'busybox:latest' },
    argv: ['true'], env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], workingDir: '', user: '',
    tty: false, openStdin: false, mounts: [], labels: {}, stateDir: join(tmpdir(), 'unused', id), memoryBytes: 0,
    ...over,
  };
}

export interface SimulatorWithAgents<S> {
  readonly sim: S;
  /** The daemon's workload agent server, on its own temp home: signals, stdin, exec and cp reach a workload through it. */
  readonly agents: WorkloadAgentServer;
}

/**
 * For one test file: beforeAll starts the simulator `start` makes (in-process, as sim-*\/test/helpers do), then
 * `provision` (what an operator sets up once: a resource group, a workspace), and an agent server; afterAll
 * closes both and removes the agents' home. The handle's fields are there from beforeAll on.
 */
export function simulatorWithAgents<S extends { close(): Promise<void> }>(start: () => Promise<S>, provision?: (sim: S) => Promise<void>): SimulatorWithAgents<S> {
  return fileFixture<SimulatorWithAgents<S> & { agentHome: string }>(async (state) => {
    state.sim = await start();
    await provision?.(state.sim);
    state.agentHome = mkdtempSync(join(tmpdir(), 'sl-agents-'));
    state.agents = new WorkloadAgentServer({ home: state.agentHome, logger: silentLogger });
  }, async ({ sim, agents, agentHome }) => {
    await agents?.close();
    await sim?.close();
    if (agentHome) rmSync(agentHome, { recursive: true, force: true });
  });
}

export interface DriverOnSimulator<S, D> {
  readonly sim: S;
  readonly driver: D;
  /** The driver's state dir (a temp dir of the file); another instance of the test may share it. */
  readonly stateDir: string;
}

/**
 * For one driver test file: beforeAll starts the simulator `start` makes and the driver `make` builds on it with
 * a temp state dir; afterAll closes the driver, then the simulator, and removes the dir.
 */
export function driverOnSimulator<S extends { close(): Promise<void> }, D extends { close(): Promise<void> }>(
  start: () => Promise<S>, make: (sim: S, stateDir: string) => Promise<D>,
): DriverOnSimulator<S, D> {
  return fileFixture<DriverOnSimulator<S, D>>(async (state) => {
    state.sim = await start();
    state.stateDir = mkdtempSync(join(tmpdir(), 'sl-driver-'));
    state.driver = await make(state.sim, state.stateDir);
  }, async ({ sim, driver, stateDir }) => {
    await driver?.close();
    await sim?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });
}

/** Creates and starts `spec` on `driver`, and answers its stdout, its stderr and how it ended, read concurrently. */
export async function runToTheEnd(driver: Pick<BackendDriver, 'create' | 'start'>, spec: WorkloadSpec): Promise<{ out: string; err: string; status: ExitStatus }> {
  await driver.create(spec);
  const proc = await driver.start(spec);
  const [out, err, status] = await Promise.all([readAll(proc.stdout), readAll(proc.stderr), proc.exited]);
  return { out, err, status };
}

/**
 * How many modules whose path matches `pattern` a new node process has loaded once it has required a plugin's
 * built entry (`dist/index.js`), whose default export must be the plugin `id` when given: a cloud backend
 * loads its cloud's clients only when an instance of it is made, so listing the plugin costs nothing.
 */
export function modulesLoadedByRequiring(distIndex: string, pattern: RegExp, id?: string): number {
  const out = execFileSync(process.execPath, ['-e', `
    const plugin = require(${JSON.stringify(distIndex)}).default;
    const id = ${JSON.stringify(id ?? null)};
    if (id && plugin.id !== id) throw new Error('not the plugin: ' + plugin.id);
    const pattern = new RegExp(${JSON.stringify(pattern.source)});
    process.stdout.write(String(Object.keys(require.cache).filter((p) => pattern.test(p)).length));
  `], { encoding: 'utf8' });
  return Number(out);
}

/**
 * Boots a test host with `plugin` and one backend instance, `name`, of `driver` with `options`, and closes it:
 * for the tests that a boot fails, and says why (`rejects.toThrow`); one that boots resolves, leaving nothing.
 */
export async function bootBackend(plugin: PluginEntry, name: string, driver: string, options: Record<string, unknown>): Promise<void> {
  const host = await startTestHost({ plugins: ['store-sqlite', 'backend-local', plugin], backends: { [name]: { driver, options } } });
  await host.close();
}
