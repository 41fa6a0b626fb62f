import { coreBuilderExtensionPoint, definePlugin } from '@sockerless/sdk';
import { BuildService } from './build-service';

export { BuildService } from './build-service';

/**
 * `docker build` as a plugin (dockerd's builder/dockerfile, the classic builder): Dockerfile parsing and word
 * expansion, the build context and .dockerignore, COPY/ADD/RUN and metadata steps each committed as an image,
 * and the durable step cache that `docker builder prune` and `docker system df` see. RUN steps run as
 * containers of the core's engine (`BuilderContext.containers`). The core adds it when no configured plugin
 * provides `core.builder`, so configs need not name it.
 */
export default definePlugin({
  id: 'builder',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { builder: coreBuilderExtensionPoint },
      init({ builder }) {
        builder.setBuilder((ctx) => new BuildService(ctx));
      },
    });
  },
});
