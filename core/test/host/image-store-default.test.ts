import { coreImageStoreExtensionPoint, definePlugin, type ImageStoreContext } from '@sockerless/sdk';
import type { RunningDaemon } from '../../src/daemon';
import { ImageService } from '../../../plugins/image-store/src/image-service';
import { daemonPerTest } from './default-plugin';

/** The image store is a plugin behind core.imageStore; a config that names none still gets Docker's. */
const { boot, pluginIds, url } = daemonPerTest('sockerless-image-store-');
let daemon: RunningDaemon;
const imagesJson = async (d: RunningDaemon) => (await fetch(url(d, '/images/json'))).json();

test('a config without an image store plugin boots with the default image-store', async () => {
  daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toContain('image-store');
  expect(await imagesJson(daemon)).toEqual([]);
});

test('a config that names image-store gets it once', async () => {
  daemon = await boot(['store-sqlite', 'image-store']);
  expect(pluginIds(daemon).filter((id) => id === 'image-store')).toHaveLength(1);
});

test('a configured image store replaces the default, and the core calls it', async () => {
  const created: ImageStoreContext[] = [];
  const custom = definePlugin({
    id: 'my-images',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: { images: coreImageStoreExtensionPoint },
        init({ images }) {
          images.setImageStore((ctx) => { created.push(ctx); return new ImageService(ctx); });
        },
      });
    },
  });
  daemon = await boot(['store-sqlite', custom]);
  expect(pluginIds(daemon)).not.toContain('image-store');
  expect(created.map((c) => c.home)).toEqual([daemon.home]);
  expect(await imagesJson(daemon)).toEqual([]);
});
