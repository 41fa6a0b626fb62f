import { coreLifecycleHooksExtensionPoint, definePlugin } from '@sockerless/sdk';
import { ConfinementHook } from './confinement-hook';

export { ConfinementHook } from './confinement-hook';
export * from './resources';
export * from './security-config';

/**
 * Docker's resource limits and security settings as a lifecycle hook. The daemon adds this plugin when a config
 * lists no `confinement` (core/src/config/implied-plugins.ts), so every config keeps Docker's checks and limits.
 */
export default definePlugin({
  id: 'confinement',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { hooks: coreLifecycleHooksExtensionPoint },
      async init({ hooks }) {
        hooks.register((ctx) => new ConfinementHook(ctx));
      },
    });
  },
});
