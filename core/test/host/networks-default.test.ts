import { coreNetworksExtensionPoint, type NetworksContext } from '@sockerless/sdk';
import type { RunningDaemon } from '../../src/daemon';
import { DockerNetworks } from '../../../plugins/networks/src/docker-networks';
import { defaultPluginHarness, pluginOnPoint } from '../support/default-plugins';

/** Docker's networks are a plugin behind core.networks; a config that names none still gets them. */
const { boot, pluginIds, url } = defaultPluginHarness('sockerless-networks-');
const networkNames = async (d: RunningDaemon) => {
  const res = await fetch(url(d, '/networks'));
  expect(res.status).toBe(200);
  return ((await res.json()) as { Name: string }[]).map((n) => n.Name).sort();
};

test('a config without a networks plugin boots with the default networks and its predefined networks', async () => {
  const daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toContain('networks');
  expect(await networkNames(daemon)).toEqual(['bridge', 'host', 'none']);
});

test('a config that names networks gets it once', async () => {
  const daemon = await boot(['store-sqlite', 'networks']);
  expect(pluginIds(daemon).filter((id) => id === 'networks')).toHaveLength(1);
});

test('a configured network service replaces the default, and the core calls it', async () => {
  const created: NetworksContext[] = [];
  const custom = pluginOnPoint('my-networks', coreNetworksExtensionPoint, (networks) => {
    networks.setNetworks((ctx) => { created.push(ctx); return new DockerNetworks(ctx); });
  });
  const daemon = await boot(['store-sqlite', custom]);
  expect(pluginIds(daemon)).not.toContain('networks');
  expect(created).toHaveLength(1);
  expect(await networkNames(daemon)).toEqual(['bridge', 'host', 'none']);
});
