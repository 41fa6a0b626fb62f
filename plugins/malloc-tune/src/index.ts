import { coreServices, definePlugin } from '@sockerless/sdk';
import { startMallocTuning } from './malloc-tune';
import { registerProcessMemory } from './process-memory';

export { startMallocTuning, type MemoryReturner } from './malloc-tune';
export { registerProcessMemory } from './process-memory';

/**
 * Memory freed after a burst of requests goes back to the system once the daemon is idle (malloc-tune.ts
 * says how, docs/api-coverage.md#the-fuzz-harness what it measured). The daemon adds this plugin when a
 * config lists no `malloc-tune` (core/src/config/implied-plugins.ts); SOCKERLESS_MALLOC_TUNE=0 turns the
 * tuning off. It also reports the daemon's memory by kind in `GET /metrics` (process-memory.ts), with the
 * tuning on or off, which is how the fuzz harness sees where RSS went.
 */
export default definePlugin({
  id: 'malloc-tune',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { requests: coreServices.requests, logger: coreServices.logger, lifecycle: coreServices.lifecycle, metrics: coreServices.metrics },
      async init({ requests, logger, lifecycle, metrics }) {
        registerProcessMemory(metrics);
        const memory = startMallocTuning(logger);
        const stopListening = requests.onRequest(memory.touch);
        lifecycle.onShutdown(() => { stopListening(); memory.close(); });
      },
    });
  },
});
