import { invalid } from './errors';

/** RFC 3339 with nanosecond-free precision, as Google's REST JSON writes Timestamps. */
export const now = (): string => new Date().toISOString();

/** A `google.protobuf.Duration` in JSON (`"600s"`, `"1.5s"`) in ms. */
export function durationMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'object') {
    // Some clients send the message form { seconds, nanos }.
    const v = value as { seconds?: unknown; nanos?: unknown };
    return Number(v.seconds ?? 0) * 1000 + Math.floor(Number(v.nanos ?? 0) / 1e6);
  }
  const m = typeof value === 'string' ? /^(\d+(?:\.\d{1,9})?)s$/.exec(value) : null;
  if (!m) throw invalid(`Invalid value at '${field}' (type.googleapis.com/google.protobuf.Duration), "${String(value)}"`);
  return Math.round(Number(m[1]) * 1000);
}

export const durationJson = (ms: number): string => `${ms / 1000}s`;
