import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginEntry } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { startDaemon, type RunningDaemon } from '../../src/daemon';

/**
 * What the tests of default plugins share: a daemon per test booted with the plugins it names, in a temp
 * home of its own, closed and removed after the test.
 */
export function daemonPerTest(prefix: string): { boot(plugins: PluginEntry[]): Promise<RunningDaemon> } {
  let home: string;
  let daemon: RunningDaemon | undefined;
  beforeEach(() => { home = mkdtempSync(join(tmpdir(), prefix)); });
  afterEach(async () => {
    await daemon?.close();
    daemon = undefined;
    rmSync(home, { recursive: true, force: true });
  });
  return {
    boot: async (plugins) => (daemon = await startDaemon({ config: { plugins }, listen: ['tcp://127.0.0.1:0'], home, logger: silentLogger })),
  };
}

export const pluginIds = (d: RunningDaemon) => d.host.initTimes.map((t) => t.id);
export const apiUrl = (d: RunningDaemon, path: string) => `${d.addresses[0].replace('tcp://', 'http://')}${path}`;
