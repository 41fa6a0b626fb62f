import { coreServices, definePlugin } from '@sockerless/sdk';
import { startMallocTuning } from './malloc-tune';

export { startMallocTuning, type MemoryReturner } from './malloc-tune';

/**
 * Memory freed after a burst of requests goes back to the system once the daemon is idle (malloc-tune.ts
 * says how, docs/api-coverage.md#the-fuzz-harness what it measured). The daemon adds this plugin when a
 * config lists no `malloc-tune` (core/src/config/implied-plugins.ts); SOCKERLESS_MALLOC_TUNE=0 turns it off.
 */
export default definePlugin({
  id: 'malloc-tune',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { requests: coreServices.requests, logger: coreServices.logger, lifecycle: coreServices.lifecycle },
      async init({ requests, logger, lifecycle }) {
        const memory = startMallocTuning(logger);
        const stopListening = requests.onRequest(memory.touch);
        lifecycle.onShutdown(() => { stopListening(); memory.close(); });
      },
    });
  },
});
