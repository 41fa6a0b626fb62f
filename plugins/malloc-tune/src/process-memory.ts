import type { Metrics } from '@sockerless/sdk';

const MEMORY_METRIC = 'sockerless_process_memory_bytes';

/**
 * The daemon's memory as Node splits it (`process.memoryUsage()`), set at each scrape: `rss` alone cannot say
 * whether growth is V8's heap (`heap_used`, `heap_total`), Buffers outside it (`external`, `array_buffers`) or
 * the allocator keeping freed pages. The fuzz harness reads it to report where RSS went.
 */
export function registerProcessMemory(metrics: Metrics): void {
  const help = 'Memory of the daemon process (process.memoryUsage), by kind';
  const gauges = {
    rss: metrics.gauge(MEMORY_METRIC, help, { kind: 'rss' }),
    heap_total: metrics.gauge(MEMORY_METRIC, help, { kind: 'heap_total' }),
    heap_used: metrics.gauge(MEMORY_METRIC, help, { kind: 'heap_used' }),
    external: metrics.gauge(MEMORY_METRIC, help, { kind: 'external' }),
    array_buffers: metrics.gauge(MEMORY_METRIC, help, { kind: 'array_buffers' }),
  };
  metrics.onScrape(() => {
    const m = process.memoryUsage();
    gauges.rss.set(m.rss);
    gauges.heap_total.set(m.heapTotal);
    gauges.heap_used.set(m.heapUsed);
    gauges.external.set(m.external);
    gauges.array_buffers.set(m.arrayBuffers);
  });
}
