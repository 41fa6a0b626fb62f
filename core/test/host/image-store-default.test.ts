import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreImageStoreExtensionPoint, definePlugin, type ImageStoreContext, type PluginEntry } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { startDaemon, type RunningDaemon } from '../../src/daemon';
import { ImageService } from '../../../plugins/image-store/src/image-service';

/** The image store is a plugin behind core.imageStore; a config that names none still gets Docker's. */
let home: string;
let daemon: RunningDaemon | undefined;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-image-store-')); });
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
  rmSync(home, { recursive: true, force: true });
});

const boot = (plugins: PluginEntry[]) => startDaemon({ config: { plugins }, listen: ['tcp://127.0.0.1:0'], home, logger: silentLogger });
const pluginIds = (d: RunningDaemon) => d.host.initTimes.map((t) => t.id);
const imagesJson = async (d: RunningDaemon) => (await fetch(`${d.addresses[0].replace('tcp://', 'http://')}/images/json`)).json();

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
