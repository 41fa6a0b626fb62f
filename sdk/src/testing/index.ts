import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendInstanceConfig, PluginEntry } from '../plugin';

export interface TestHostOptions {
  /** Plugins under test, as config entries (imported plugin objects, names or paths). */
  plugins: PluginEntry[];
  backends?: Record<string, BackendInstanceConfig>;
  defaultBackend?: string;
  /** Extra top-level config sections (pools, tenants, ...). */
  config?: Record<string, unknown>;
  /** Per-plugin init timeout. */
  initTimeoutMs?: number;
}

export interface TestHost {
  /** `http://127.0.0.1:PORT`: the Docker API of the host, for fetch or supertest. */
  baseUrl: string;
  /** `tcp://127.0.0.1:PORT`, for DOCKER_HOST. */
  dockerHost: string;
  home: string;
  close(): Promise<void>;
}

interface CoreModule {
  startDaemon(opts: Record<string, unknown>): Promise<{ addresses: string[]; close(): Promise<void> }>;
}

/** The core, or an error that says which package to install: the SDK declares it as an optional peer. */
async function importCore(): Promise<CoreModule> {
  const coreName = '@sockerless/core';
  try {
    return (await import(coreName)) as CoreModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'MODULE_NOT_FOUND' || !e.message.includes(coreName)) throw err;
    throw new Error(`startTestHost boots a real host, which is ${coreName}: add it to the plugin's devDependencies (its packed tarball or a workspace, as docs/plugins.md says); the rest of @sockerless/sdk/testing works without it`);
  }
}

/**
 * Boots a real Sockerless host in-process with the given plugins, on a temp SOCKERLESS_HOME and an
 * ephemeral loopback port, so a plugin is tested through the same loader and API its users get.
 * It needs the host itself: `@sockerless/core`, the SDK's optional peer dependency (`npm install -D
 * @sockerless/core` in a plugin's own repository), loaded only here so the rest of the SDK never needs it.
 */
export async function startTestHost(opts: TestHostOptions): Promise<TestHost> {
  const core = await importCore();
  const home = mkdtempSync(join(tmpdir(), 'sockerless-testhost-'));
  let daemon: Awaited<ReturnType<CoreModule['startDaemon']>>;
  try {
    daemon = await core.startDaemon({
      config: { plugins: opts.plugins, backends: opts.backends, defaultBackend: opts.defaultBackend, ...opts.config },
      listen: ['tcp://127.0.0.1:0'],
      home,
      initTimeoutMs: opts.initTimeoutMs,
    });
  } catch (err) {
    // A boot that fails is what some tests want to see; it must not leave its temp home behind.
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const dockerHost = daemon.addresses[0];
  return {
    dockerHost,
    baseUrl: dockerHost.replace('tcp://', 'http://'),
    home,
    async close() {
      await daemon.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
export { captureInit, MemoryStateStore, RecordingEventsBus, silentLogger } from './fakes';
export { finishProcess, readAll, waitForText } from './streams';
export {
  conformanceScenarios, runBackendConformance, runConformanceScenarios, skipReasonOf,
  type BackendConformanceOptions, type ConformanceDriverSource, type ConformanceResult, type ConformanceScenario, type ConformanceSkips,
} from './conformance';
export { RecordingTracer, type RecordedSpan } from './recording-tracer';
export { startSimulatorHarness, type SimulatorHarness } from './simulator-harness';
