import { coreBuilderExtensionPoint, definePlugin, type BuilderContext } from '@sockerless/sdk';
import type { RunningDaemon } from '../../src/daemon';
import { BuildService } from '../../../plugins/builder/src/build-service';
import { daemonPerTest } from './default-plugin';

/** `docker build` is a plugin behind core.builder; a config that names none still gets Docker's builder. */
const { boot, pluginIds, url } = daemonPerTest('sockerless-builder-');
let daemon: RunningDaemon;
const post = (d: RunningDaemon, path: string) => fetch(url(d, path), { method: 'POST' });

test('a config without a builder plugin boots with the default builder', async () => {
  daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toContain('builder');
  const res = await post(daemon, '/build/prune');
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ CachesDeleted: [], SpaceReclaimed: 0 });
});

test('a config that names builder gets it once', async () => {
  daemon = await boot(['store-sqlite', 'builder']);
  expect(pluginIds(daemon).filter((id) => id === 'builder')).toHaveLength(1);
});

test('a configured builder replaces the default, and the core calls it', async () => {
  const created: BuilderContext[] = [];
  const custom = definePlugin({
    id: 'my-builder',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: { builder: coreBuilderExtensionPoint },
        init({ builder }) {
          builder.setBuilder((ctx) => { created.push(ctx); return new BuildService(ctx); });
        },
      });
    },
  });
  daemon = await boot(['store-sqlite', custom]);
  expect(pluginIds(daemon)).not.toContain('builder');
  expect(created.map((c) => c.home)).toEqual([daemon.home]);
  expect((await post(daemon, '/build/prune')).status).toBe(200);
});

test('a daemon whose builder point has no builder answers Docker\'s 501 for /build', async () => {
  const none = definePlugin({
    id: 'no-builder',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({ deps: { builder: coreBuilderExtensionPoint }, init() { /* takes the point, sets nothing */ } });
    },
  });
  daemon = await boot(['store-sqlite', none]);
  for (const path of ['/build', '/build/prune']) {
    const res = await post(daemon, path);
    expect(res.status).toBe(501);
    expect(((await res.json()) as { message: string }).message).toMatch(/no builder plugin is configured/);
  }
});
