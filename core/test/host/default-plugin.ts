import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, type ExtensionPointRef, type PluginEntry, type SockerlessPlugin } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { startDaemon, type RunningDaemon } from '../../src/daemon';

/**
 * What the tests of a point with a default plugin (image store, builder, volumes) share: each test boots a
 * daemon of its own in a fresh home, closed and removed after it.
 */
export function daemonPerTest(homePrefix: string) {
  let home = '';
  let daemon: RunningDaemon | undefined;
  beforeEach(() => { home = mkdtempSync(join(tmpdir(), homePrefix)); });
  afterEach(async () => {
    await daemon?.close();
    daemon = undefined;
    rmSync(home, { recursive: true, force: true });
  });
  return {
    boot: async (plugins: PluginEntry[]) => (daemon = await startDaemon({ config: { plugins }, listen: ['tcp://127.0.0.1:0'], home, logger: silentLogger })),
    pluginIds: (d: RunningDaemon) => d.host.initTimes.map((t) => t.id),
    url: (d: RunningDaemon, path: string) => `${d.addresses[0].replace('tcp://', 'http://')}${path}`,
  };
}

/** A plugin whose init takes `point` and hands it to `contribute`. */
export function contributorOf<T>(id: string, point: ExtensionPointRef<T>, contribute: (registry: T) => void): SockerlessPlugin {
  return definePlugin({
    id,
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({ deps: { registry: point }, init({ registry }) { contribute(registry); } });
    },
  });
}
