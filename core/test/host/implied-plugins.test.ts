import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreLogDriverExtensionPoint, coreServices, definePlugin, type PluginEntry } from '@sockerless/sdk';
import type { RunningDaemon } from '../../src/daemon';
import { apiUrl, daemonPerTest, pluginIds } from './default-plugin-daemon';
import { LocalLogDriver } from '../../../plugins/logs-local/src';

/**
 * Parts of dockerd that are plugins a config need not name: the log driver (core.logDriver's default,
 * logs-local) and malloc tuning (malloc-tune, implied by id, told of requests through coreServices.requests).
 */
const { boot } = daemonPerTest('sockerless-default-plugins-');
let logsDir: string;
beforeAll(() => { logsDir = mkdtempSync(join(tmpdir(), 'sockerless-my-logs-')); });
afterAll(() => rmSync(logsDir, { recursive: true, force: true }));

test('a config without a log driver boots with logs-local, once when it names it', async () => {
  const implied = await boot(['store-sqlite']);
  expect(implied.host.registries.logDriver?.pluginId).toBe('logs-local');
  await implied.close();
  const named = await boot(['store-sqlite', 'logs-local']);
  expect(pluginIds(named).filter((id) => id === 'logs-local')).toHaveLength(1);
});

test('a configured log driver replaces the default', async () => {
  const custom = definePlugin({
    id: 'my-logs',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({ deps: { logs: coreLogDriverExtensionPoint }, init({ logs }) { logs.setLogDriver(new LocalLogDriver(logsDir)); } });
    },
  });
  const daemon = await boot(['store-sqlite', custom]);
  expect(pluginIds(daemon)).not.toContain('logs-local');
  expect(daemon.host.registries.logDriver?.pluginId).toBe('my-logs');
});

test('a config without malloc-tune boots with it, and /metrics has the process memory it reports', async () => {
  const daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toContain('malloc-tune');
  const metrics = await (await fetch(apiUrl(daemon, '/metrics'))).text();
  expect(metrics).toMatch(/^sockerless_process_memory_bytes\{kind="rss"\} [1-9]/m);
});

test('a config that names malloc-tune gets it once', async () => {
  const daemon = await boot(['store-sqlite', 'malloc-tune']);
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
  const daemon = await boot(['store-sqlite', counter]);
  const url = apiUrl(daemon, '/_ping');
  await (await fetch(url)).text();
  await (await fetch(url)).text();
  expect(seen).toBe(2);
  stop();
  await (await fetch(url)).text();
  expect(seen).toBe(2);
});

test('a config without simulators boots with it (the owner of the simulator point, answering /internal/simulators), once when it names it', async () => {
  const implied = await boot(['store-sqlite']);
  expect(pluginIds(implied)).toContain('simulators');
  expect(await (await fetch(apiUrl(implied, '/internal/simulators'))).json()).toEqual([]);
  await implied.close();
  const named = await boot(['store-sqlite', 'simulators']);
  expect(pluginIds(named).filter((id) => id === 'simulators')).toHaveLength(1);
});

test('a config without agent-server boots with it, which provides coreServices.agents to the plugins that depend on it, once when named', async () => {
  let agents: unknown;
  const user = definePlugin({
    id: 'agents-user',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({ deps: { agents: coreServices.agents }, init(deps) { agents = deps.agents; } });
    },
  });
  const implied = await boot(['store-sqlite', user]);
  expect(pluginIds(implied).indexOf('agent-server')).toBeLessThan(pluginIds(implied).indexOf('agents-user'));
  expect(typeof (agents as { grant?: unknown }).grant).toBe('function');
  await implied.close();
  const named = await boot(['store-sqlite', 'agent-server']);
  expect(pluginIds(named).filter((id) => id === 'agent-server')).toHaveLength(1);
});

test('a config without status boots with it, which answers /internal/status from the core\'s services, once when it names it', async () => {
  const implied = await boot(['store-sqlite', 'backend-local']);
  expect(pluginIds(implied)).toContain('status');
  const status = await (await fetch(apiUrl(implied, '/internal/status'))).json() as { backends: unknown[]; containers: unknown; boot?: { name: string } };
  expect(status.backends).toEqual([{ name: 'local', kind: 'local', available: true, default: true }]);
  expect(status.containers).toEqual({ total: 0, byState: {} });
  expect(status.boot?.name).toBe('boot');
  await implied.close();
  const named = await boot(['store-sqlite', 'status']);
  expect(pluginIds(named).filter((id) => id === 'status')).toHaveLength(1);
});
