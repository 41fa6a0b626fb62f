import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreLogDriverExtensionPoint, coreServices, definePlugin, type PluginEntry } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { startDaemon, type RunningDaemon } from '../../src/daemon';
import { LocalLogDriver } from '../../../plugins/logs-local/src';

/**
 * Parts of dockerd that are plugins a config need not name: the log driver (core.logDriver's default,
 * logs-local) and malloc tuning (malloc-tune, implied by id, told of requests through coreServices.requests).
 */
let home: string;
let daemon: RunningDaemon | undefined;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-default-plugins-')); });
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
  rmSync(home, { recursive: true, force: true });
});

const boot = (plugins: PluginEntry[]) => startDaemon({ config: { plugins }, listen: ['tcp://127.0.0.1:0'], home, logger: silentLogger });
const pluginIds = (d: RunningDaemon) => d.host.initTimes.map((t) => t.id);

test('a config without a log driver boots with logs-local, once when it names it', async () => {
  daemon = await boot(['store-sqlite']);
  expect(daemon.host.registries.logDriver?.pluginId).toBe('logs-local');
  await daemon.close();
  daemon = await boot(['store-sqlite', 'logs-local']);
  expect(pluginIds(daemon).filter((id) => id === 'logs-local')).toHaveLength(1);
});

test('a configured log driver replaces the default', async () => {
  const custom = definePlugin({
    id: 'my-logs',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({ deps: { logs: coreLogDriverExtensionPoint }, init({ logs }) { logs.setLogDriver(new LocalLogDriver(home)); } });
    },
  });
  daemon = await boot(['store-sqlite', custom]);
  expect(pluginIds(daemon)).not.toContain('logs-local');
  expect(daemon.host.registries.logDriver?.pluginId).toBe('my-logs');
});

test('a config without malloc-tune boots with it, and /metrics has the process memory it reports', async () => {
  daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toContain('malloc-tune');
  const metrics = await (await fetch(`${daemon.addresses[0].replace('tcp://', 'http://')}/metrics`)).text();
  expect(metrics).toMatch(/^sockerless_process_memory_bytes\{kind="rss"\} [1-9]/m);
});

test('a config that names malloc-tune gets it once', async () => {
  daemon = await boot(['store-sqlite', 'malloc-tune']);
  expect(pluginIds(daemon).filter((id) => id === 'malloc-tune')).toHaveLength(1);
});

test('each API request reaches the request-activity listeners, until one stops listening', async () => {
  let seen = 0;
  let stop = () => undefined as unknown;
  const counter = definePlugin({
    id: 'request-counter',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({ deps: { requests: coreServices.requests }, init({ requests }) { stop = requests.onRequest(() => { seen++; }); } });
    },
  });
  daemon = await boot(['store-sqlite', counter]);
  const url = `${daemon.addresses[0].replace('tcp://', 'http://')}/_ping`;
  await (await fetch(url)).text();
  await (await fetch(url)).text();
  expect(seen).toBe(2);
  stop();
  await (await fetch(url)).text();
  expect(seen).toBe(2);
});
