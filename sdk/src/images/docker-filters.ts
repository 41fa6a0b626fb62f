import { InvalidArgumentError } from '../errors';

const GO_DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration (`200ms`, `1m30s`, `1.5s`), in nanoseconds: HEALTHCHECK options in image changes. */
export function parseGoDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * GO_DURATION_UNITS[m[2]];
    matched += m[0].length;
  }
  if (s === '' || matched !== s.length) throw new InvalidArgumentError(`time: invalid duration "${text}"`);
  return Math.round(total);
}

/** A Go duration with time.ParseDuration's optional sign (`-5m`), in nanoseconds; undefined when `s` is none. */
export function signedGoDuration(s: string): number | undefined {
  if (!/^[-+]?[\d.]/.test(s) || s.trim() !== s) return undefined;
  try {
    const d = parseGoDuration(s.replace(/^[-+]/, ''));
    return s.startsWith('-') ? -d : d;
  } catch {
    return undefined;
  }
}

/**
 * Docker's timetypes.GetTimestamp: a Go duration (before now), Unix seconds with optional fraction
 * (`1700000000.123456789`), or an RFC 3339-like date (date only, hours, minutes, seconds, fraction; with a zone
 * or in local time). Returns nanoseconds since the epoch; a value it cannot read is a 400.
 */
export function parseDockerTimestamp(value: string, nowMs = Date.now()): number {
  const d = value !== '0' ? signedGoDuration(value) : undefined;
  if (d !== undefined) return Math.floor((nowMs * 1e6 - d) / 1e9) * 1e9; // Docker keeps whole seconds here
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (unix) return Number(unix[1]) * 1e9 + Number((unix[2] ?? '').padEnd(9, '0') || 0);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (!m) {
    if (value.includes('-')) throw new InvalidArgumentError(`parsing time "${value}": cannot parse as RFC 3339`);
    throw new InvalidArgumentError(`failed to parse value as time or duration: "${value}"`);
  }
  const [, y, mo, da, h = '0', mi = '0', se = '0', frac = '', zone] = m;
  let ms: number;
  if (zone) {
    ms = Date.UTC(+y, +mo - 1, +da, +h, +mi, +se);
    if (zone !== 'Z' && zone !== 'z') ms -= (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  } else {
    ms = new Date(+y, +mo - 1, +da, +h, +mi, +se).getTime();
  }
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`parsing time "${value}": out of range`);
  return ms * 1e6 + Number(frac.padEnd(9, '0') || 0);
}

/** `until` takes a Unix timestamp, an RFC 3339 time, or a Go duration (`10m`, `24h`) back from now. */
export function untilSeconds(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const duration = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(v);
  if (duration) {
    const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    return Date.now() / 1000 - Number(duration[1]) * unit[duration[2]];
  }
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`invalid filter 'until=${v}'`);
  return ms / 1000;
}

/** Matches Docker's `label` filter values: `key` or `key=value` (also `key!=value`). */
export function matchesLabelFilters(labels: Record<string, string>, filters: string[] | undefined): boolean {
  if (!filters) return true;
  return filters.every((f) => {
    const neq = f.indexOf('!=');
    if (neq > 0) return labels[f.slice(0, neq)] !== f.slice(neq + 2);
    const eq = f.indexOf('=');
    if (eq < 0) return f in labels;
    return labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}
