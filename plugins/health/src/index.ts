import { coreLifecycleHooksExtensionPoint, definePlugin, type LifecycleHook } from '@sockerless/sdk';
import { mergeHealthcheck, validateHealthcheck } from './health-config';
import { HealthMonitor } from './health-monitor';

export { HealthMonitor } from './health-monitor';
export * from './health-config';

/**
 * Docker's HEALTHCHECK as a lifecycle hook: checked and merged with the image's at create, probed while a
 * container runs and is not paused (dockerd's updateHealthMonitor), `State.Health` reset at each start. The
 * daemon adds this plugin when a config lists no `health` (core/src/config/implied-plugins.ts).
 */
export default definePlugin({
  id: 'health',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { hooks: coreLifecycleHooksExtensionPoint },
      async init({ hooks }) {
        hooks.register((ctx): LifecycleHook => {
          const monitor = new HealthMonitor(ctx);
          return {
            validateCreate: (body) => validateHealthcheck(body.Healthcheck),
            mergeImageConfig(config, image) {
              config.Healthcheck = mergeHealthcheck(config.Healthcheck, image.Healthcheck);
            },
            started(c, reattached) {
              // A run taken back at boot keeps the health it had.
              if (!reattached) c.state.Health = monitor.healthForStart(c);
              if (!c.state.Paused) monitor.watch(c);
            },
            paused: (c, paused) => (paused ? monitor.stop(c.id) : monitor.watch(c)),
            exited(c) {
              monitor.stop(c.id);
              return undefined;
            },
            removed: (id) => monitor.stop(id),
            shutdown: () => monitor.stopAll(),
          };
        });
      },
    });
  },
});
