/**
 * The tracing figure (issue 18): what the otel plugin costs a `docker run --rm busybox true`. Our default
 * daemon (no tracing plugin: the core wraps nothing) against a second daemon of ours with the otel plugin
 * exporting every span by OTLP/HTTP to a sink in this process, interleaved in the same run. Tracing off is
 * the default daemon itself; `--only tracing --baseline DIR` adds, interleaved too, the default daemon of
 * another build (a checkout of the commit before tracing, built), so "off costs nothing" is a measured ratio.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RUN_TRUE, type DockerTarget } from './docker-cli';
import { measureInterleaved, type Stats } from './measure';

/** A collector's OTLP/HTTP endpoint that takes every export (200, `{}`) and counts them and their spans. */
export interface SpanSink {
  url: string;
  exports(): number;
  bytes(): number;
  spans(): number;
  close(): Promise<void>;
}

export async function startSpanSink(): Promise<SpanSink> {
  let exports = 0;
  let bytes = 0;
  let spans = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => { bytes += c.length; chunks.push(c); });
    req.on('end', () => {
      exports++;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: unknown[] }> }> };
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
      } catch {
        // Not OTLP JSON: counted as an export, its spans unknown.
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    exports: () => exports,
    bytes: () => bytes,
    spans: () => spans,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** The embedded default's plugins and the otel plugin, every trace kept, batches sent as OpenTelemetry's default. */
export function tracingOnConfig(endpoint: string): string {
  return `export default ${JSON.stringify({
    plugins: ['store-sqlite', 'backend-local', { plugin: 'otel', options: { endpoint, sampleRatio: 1 } }],
    backends: { local: { driver: 'local' } },
  })};\n`;
}

export interface TracingCost {
  off: Stats;
  on: Stats;
  /** on.median ÷ off.median. */
  ratio: number;
  /** What the sink received while the traced daemon ran. */
  exports: number;
  exportedKiB: number;
  /** Spans exported per timed or warmup run (the sink's count ÷ the traced daemon's runs, busybox's import included). */
  spansPerRun: number;
  /** With `--baseline DIR`: that build's default daemon (before tracing existed), and off.median ÷ its median. */
  baseline?: { dir: string; stats: Stats; offRatio: number };
}

const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

/** `stopTraced` stops the traced daemon after the runs, which sends its last batch, before the sink is read. */
export async function measureTracingCost(
  off: DockerTarget, on: DockerTarget, sink: SpanSink, stopTraced: () => Promise<void>, runs: number, warmups: number,
  baseline?: { dir: string; target: DockerTarget },
): Promise<TracingCost> {
  const stats = await measureInterleaved(baseline ? [off, baseline.target, on] : [off, on], RUN_TRUE, { runs, warmups });
  await stopTraced();
  const offStats = stats.get(off.label)!;
  const onStats = stats.get(on.label)!;
  const baselineStats = baseline ? stats.get(baseline.target.label)! : undefined;
  return {
    ...(baseline && baselineStats ? { baseline: { dir: baseline.dir, stats: baselineStats, offRatio: ratio(offStats.median, baselineStats.median) } } : {}),
    off: offStats,
    on: onStats,
    ratio: ratio(onStats.median, offStats.median),
    exports: sink.exports(),
    exportedKiB: Math.round(sink.bytes() / 102.4) / 10,
    spansPerRun: Math.round(sink.spans() / (runs + warmups)),
  };
}
