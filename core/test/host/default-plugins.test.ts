import { coreBuilderExtensionPoint, coreImageStoreExtensionPoint, coreNetworksExtensionPoint, definePlugin, type PluginEntry } from '@sockerless/sdk';
import type { RunningDaemon } from '../../src/daemon';
import { apiUrl, daemonPerTest, pluginIds } from './default-plugin-daemon';
import { BuildService } from '../../../plugins/builder/src/build-service';
import { ImageService } from '../../../plugins/image-store/src/image-service';
import { DockerNetworks } from '../../../plugins/networks/src/docker-networks';

/**
 * The plugins behind a core extension point with a default (`defaultPlugin`): a config that names none still
 * gets Docker's behaviour, one that names it gets it once, and a configured replacement is the one the core calls.
 */
const { boot } = daemonPerTest('sockerless-defaults-');
const call = (d: RunningDaemon, method: string, path: string) => fetch(apiUrl(d, path), { method });

interface DefaultCase {
  plugin: string;
  /** A replacement plugin that records the context the core hands it and serves with the real implementation. */
  replacement: (created: unknown[]) => PluginEntry;
  /** A call the default answers, and what it answers on an empty home. */
  probe: { method: string; path: string; body: unknown; pick?: (body: unknown) => unknown };
}

const cases: DefaultCase[] = [
  {
    plugin: 'image-store',
    replacement: (created) => definePlugin({
      id: 'my-images',
      sdk: '^1.0.0',
      register(reg) {
        reg.registerInit({ deps: { images: coreImageStoreExtensionPoint }, init({ images }) { images.setImageStore((ctx) => { created.push(ctx); return new ImageService(ctx); }); } });
      },
    }),
    probe: { method: 'GET', path: '/images/json', body: [] },
  },
  {
    plugin: 'builder',
    replacement: (created) => definePlugin({
      id: 'my-builder',
      sdk: '^1.0.0',
      register(reg) {
        reg.registerInit({ deps: { builder: coreBuilderExtensionPoint }, init({ builder }) { builder.setBuilder((ctx) => { created.push(ctx); return new BuildService(ctx); }); } });
      },
    }),
    probe: { method: 'POST', path: '/build/prune', body: { CachesDeleted: [], SpaceReclaimed: 0 } },
  },
  {
    plugin: 'networks',
    replacement: (created) => definePlugin({
      id: 'my-networks',
      sdk: '^1.0.0',
      register(reg) {
        reg.registerInit({ deps: { networks: coreNetworksExtensionPoint }, init({ networks }) { networks.setNetworks((ctx) => { created.push(ctx); return new DockerNetworks(ctx); }); } });
      },
    }),
    // Docker's predefined networks exist on an empty home.
    probe: { method: 'GET', path: '/networks', body: ['bridge', 'host', 'none'], pick: (b) => (b as { Name: string }[]).map((n) => n.Name).sort() },
  },
];

describe.each(cases)('the default $plugin', ({ plugin, replacement, probe }) => {
  test('a config that does not name it boots with it', async () => {
    const daemon = await boot(['store-sqlite']);
    expect(pluginIds(daemon)).toContain(plugin);
    const res = await call(daemon, probe.method, probe.path);
    expect(res.status).toBe(200);
    const body: unknown = await res.json();
    expect(probe.pick ? probe.pick(body) : body).toEqual(probe.body);
  });

  test('a config that names it gets it once', async () => {
    const daemon = await boot(['store-sqlite', plugin]);
    expect(pluginIds(daemon).filter((id) => id === plugin)).toHaveLength(1);
  });

  test('a configured replacement takes its place, and the core calls it', async () => {
    const created: unknown[] = [];
    const daemon = await boot(['store-sqlite', replacement(created)]);
    expect(pluginIds(daemon)).not.toContain(plugin);
    expect(created).toHaveLength(1);
    expect((await call(daemon, probe.method, probe.path)).status).toBe(200);
  });
});

test('a daemon whose builder point has no builder answers Docker\'s 501 for /build', async () => {
  const none = definePlugin({
    id: 'no-builder',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({ deps: { builder: coreBuilderExtensionPoint }, init() { /* takes the point, sets nothing */ } });
    },
  });
  const daemon = await boot(['store-sqlite', none]);
  for (const path of ['/build', '/build/prune']) {
    const res = await call(daemon, 'POST', path);
    expect(res.status).toBe(501);
    expect(((await res.json()) as { message: string }).message).toMatch(/no builder plugin is configured/);
  }
});
