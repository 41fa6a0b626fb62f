import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreNetworksExtensionPoint, definePlugin, type NetworksContext, type PluginEntry } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { startDaemon, type RunningDaemon } from '../../src/daemon';
import { DockerNetworks } from '../../../plugins/networks/src/docker-networks';

/** Docker's networks are a plugin behind core.networks; a config that names none still gets them. */
let home: string;
let daemon: RunningDaemon | undefined;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-networks-')); });
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
  rmSync(home, { recursive: true, force: true });
});

const boot = (plugins: PluginEntry[]) => startDaemon({ config: { plugins }, listen: ['tcp://127.0.0.1:0'], home, logger: silentLogger });
const pluginIds = (d: RunningDaemon) => d.host.initTimes.map((t) => t.id);
const networkNames = async (d: RunningDaemon) => {
  const res = await fetch(`${d.addresses[0].replace('tcp://', 'http://')}/networks`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { Name: string }[]).map((n) => n.Name).sort();
};

test('a config without a networks plugin boots with the default networks and its predefined networks', async () => {
  daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toContain('networks');
  expect(await networkNames(daemon)).toEqual(['bridge', 'host', 'none']);
});

test('a config that names networks gets it once', async () => {
  daemon = await boot(['store-sqlite', 'networks']);
  expect(pluginIds(daemon).filter((id) => id === 'networks')).toHaveLength(1);
});

test('a configured network service replaces the default, and the core calls it', async () => {
  const created: NetworksContext[] = [];
  const custom = definePlugin({
    id: 'my-networks',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: { networks: coreNetworksExtensionPoint },
        init({ networks }) {
          networks.setNetworks((ctx) => { created.push(ctx); return new DockerNetworks(ctx); });
        },
      });
    },
  });
  daemon = await boot(['store-sqlite', custom]);
  expect(pluginIds(daemon)).not.toContain('networks');
  expect(created).toHaveLength(1);
  expect(await networkNames(daemon)).toEqual(['bridge', 'host', 'none']);
});
