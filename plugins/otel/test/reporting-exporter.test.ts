/** Export failures reach the daemon's log: once when they start, once when exports work again, never per batch. */
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Logger } from '@sockerless/sdk';
import { ReportingExporter } from '../src';

type Line = { level: string; msg: string; fields?: Record<string, unknown> };

function capturingLogger(lines: Line[]): Logger {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => { lines.push({ level, msg, fields }); };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

type Result = Parameters<Parameters<SpanExporter['export']>[1]>[0];

function scriptedExporter(results: Result[]): SpanExporter {
  return {
    export: (_spans, done) => done(results.shift()!),
    shutdown: async () => undefined,
  };
}

const spans = (n: number) => Array.from({ length: n }, () => ({}) as ReadableSpan);

test('one warning when exports fail, one line with the spans lost when they work again', () => {
  const lines: Line[] = [];
  const fail = { code: 1, error: new Error('connect ECONNREFUSED 127.0.0.1:9') };
  const exporter = new ReportingExporter(scriptedExporter([fail, fail, fail, { code: 0 }, { code: 0 }]), capturingLogger(lines), 'http://127.0.0.1:9/v1/traces');
  const seen: number[] = [];
  for (const n of [2, 3, 4, 1, 1]) exporter.export(spans(n), (r) => seen.push(r.code));
  expect(seen).toEqual([1, 1, 1, 0, 0]);
  expect(lines.map((l) => [l.level, l.msg, l.fields])).toEqual([
    ['warn', 'trace export failed: spans are dropped until it works again', { endpoint: 'http://127.0.0.1:9/v1/traces', err: 'connect ECONNREFUSED 127.0.0.1:9' }],
    ['info', 'trace export works again', { endpoint: 'http://127.0.0.1:9/v1/traces', spansLost: 9 }],
  ]);
});

/**
 * The OTLP exporter loads its HTTP transport with a dynamic import, which jest's CommonJS realm refuses: this
 * part runs in a child process on the built plugin, as the daemon runs it.
 */
test('the real OTLP exporter against a port nobody listens on: one warning in the log, the span dropped', async () => {
  const script = `
    const { ReportingExporter } = require(${JSON.stringify(resolve(__dirname, '..', 'dist', 'index.js'))});
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
    const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
    const lines = [];
    const logger = { debug() {}, info: (m) => lines.push(m), warn: (m, f) => lines.push(m + ' ' + f.err), error() {}, child() { return logger; } };
    const url = 'http://127.0.0.1:9/v1/traces';
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new ReportingExporter(new OTLPTraceExporter({ url, timeoutMillis: 2000 }), logger, url))] });
    provider.getTracer('t').startSpan('lost').end();
    // As the daemon's batch processor: a failed flush is reported through the exporter, not thrown at the caller.
    provider.forceFlush().catch(() => undefined).then(() => { console.log(JSON.stringify(lines)); return provider.shutdown().catch(() => undefined); });
  `;
  const out = await new Promise<string>((res, rej) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: resolve(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    child.once('exit', (code) => (code === 0 ? res(text) : rej(new Error(`child exited ${code}: ${text}`))));
  });
  const lines = JSON.parse(out.trim().split('\n').pop()!) as string[];
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^trace export failed: spans are dropped until it works again .*ECONNREFUSED/);
});
