import { coreImageStoreExtensionPoint, definePlugin } from '@sockerless/sdk';
import { ImageService } from './image-service';

export { ImageService } from './image-service';

/**
 * Docker's image store as a plugin (dockerd's daemon/images with its layer store and distribution client):
 * content-addressed layer blobs and unpacked root filesystems under `home/images`, pull/push/login against
 * registries, docker save/load/import/commit, history, prune. The core adds it when no configured plugin
 * provides `core.imageStore`, so configs need not name it.
 */
export default definePlugin({
  id: 'image-store',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { images: coreImageStoreExtensionPoint },
      init({ images }) {
        images.setImageStore((ctx) => new ImageService(ctx));
      },
    });
  },
});
