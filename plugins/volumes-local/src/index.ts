import { coreServices, coreVolumeDriversExtensionPoint, definePlugin } from '@sockerless/sdk';
import { LocalVolumeDriver } from './local-driver';

export { LocalVolumeDriver } from './local-driver';

/**
 * The `local` volume driver, Docker's default. The daemon adds this plugin when a config lists no
 * `volumes-local` (see core/src/config/implied-plugins.ts), so configs written before volumes were a
 * plugin keep Docker's behaviour.
 */
export default definePlugin({
  id: 'volumes-local',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { volumeDrivers: coreVolumeDriversExtensionPoint, paths: coreServices.paths },
      async init({ volumeDrivers, paths }) {
        volumeDrivers.register(new LocalVolumeDriver(paths.home));
      },
    });
  },
});
