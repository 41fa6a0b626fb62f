import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, type ExtensionPointRef, type PluginEntry } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { startDaemon, type RunningDaemon } from '../../src/daemon';

/**
 * For the tests of a point with a `defaultPlugin` (the image store, the builder, networks): a daemon per test
 * with the given plugins in a home of its own, closed and removed after the test.
 */
export function defaultPluginHarness(homePrefix: string) {
  let home: string;
  let daemon: RunningDaemon | undefined;
  beforeEach(() => { home = mkdtempSync(join(tmpdir(), homePrefix)); });
  afterEach(async () => {
    await daemon?.close();
    daemon = undefined;
    rmSync(home, { recursive: true, force: true });
  });
  return {
    boot: async (plugins: PluginEntry[]) => {
      daemon = await startDaemon({ config: { plugins }, listen: ['tcp://127.0.0.1:0'], home, logger: silentLogger });
      return daemon;
    },
    pluginIds: (d: RunningDaemon) => d.host.initTimes.map((t) => t.id),
    url: (d: RunningDaemon, path: string) => `${d.addresses[0].replace('tcp://', 'http://')}${path}`,
  };
}

/** A plugin of another id that takes `point` and registers on it in its init. */
export function pluginOnPoint<T>(id: string, point: ExtensionPointRef<T>, init: (registry: T) => void) {
  return definePlugin({
    id,
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({ deps: { registry: point }, init({ registry }) { init(registry); } });
    },
  });
}
