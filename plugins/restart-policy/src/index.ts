import { coreLifecycleHooksExtensionPoint, definePlugin } from '@sockerless/sdk';
import { RestartPolicyHook } from './restart-hook';

export { RestartPolicyHook } from './restart-hook';
export * from './restart-policy';

/**
 * Docker's restart policies (`--restart`) as a lifecycle hook. The daemon adds this plugin when a config
 * lists no `restart-policy` (core/src/config/implied-plugins.ts), so every config keeps Docker's behaviour.
 */
export default definePlugin({
  id: 'restart-policy',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { hooks: coreLifecycleHooksExtensionPoint },
      async init({ hooks }) {
        hooks.register((ctx) => new RestartPolicyHook(ctx));
      },
    });
  },
});
