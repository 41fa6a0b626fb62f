import { coreVolumesExtensionPoint, definePlugin } from '@sockerless/sdk';
import { admissionVolumeScope, VolumeService } from './volume-service';

export { ANONYMOUS_LABEL, admissionVolumeScope, VolumeService, type VolumeRecord, type VolumeScope } from './volume-service';

/**
 * Docker's volume service (dockerd's volume/service) as a plugin: the records, names, labels, events,
 * filters, prune, which containers use a volume and tenant scoping, over the volume drivers other plugins
 * register (`volumes-local` is Docker's `local`). It is a plugin of its own rather than part of
 * `volumes-local` because Docker keeps the two apart: a config can swap the local driver, or add drivers,
 * and keep these semantics. The core adds it when no configured plugin provides `core.volumes`.
 */
export default definePlugin({
  id: 'volumes',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { volumes: coreVolumesExtensionPoint },
      init({ volumes }) {
        volumes.setVolumeStore((ctx) => new VolumeService(ctx.drivers, ctx.store, ctx.events, ctx.containers, admissionVolumeScope(ctx.admission, ctx.caller)));
      },
    });
  },
});
