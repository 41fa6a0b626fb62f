import type { Metrics } from '@sockerless/sdk';

const MEMORY_METRIC = 'sockerless_process_memory_bytes';
/** The metric's `kind` label for each field of `process.memoryUsage()`. */
const MEMORY_KINDS = { rss: 'rss', heap_total: 'heapTotal', heap_used: 'heapUsed', external: 'external', array_buffers: 'arrayBuffers' } as const;

/**
 * The daemon's memory as Node splits it (`process.memoryUsage()`), set at each scrape: `rss` alone cannot say
 * whether growth is V8's heap (`heap_used`, `heap_total`), Buffers outside it (`external`, `array_buffers`) or
 * the allocator keeping freed pages. The fuzz harness reads it to report where RSS went.
 */
export function registerProcessMemory(metrics: Metrics): void {
  const help = 'Memory of the daemon process (process.memoryUsage), by kind';
  const gauges = Object.entries(MEMORY_KINDS).map(([kind, field]) => ({ gauge: metrics.gauge(MEMORY_METRIC, help, { kind }), field }));
  metrics.onScrape(() => {
    const m = process.memoryUsage();
    for (const { gauge, field } of gauges) gauge.set(m[field]);
  });
}
