import type { LogEntry } from '../context';
import { invalid } from '../errors';

/** Cloud Logging's severities, by name and by the number a request sends with `enum-encoding=int`. */
export const SEVERITIES: Record<string, number> = { DEFAULT: 0, DEBUG: 100, INFO: 200, NOTICE: 300, WARNING: 400, ERROR: 500, CRITICAL: 600, ALERT: 700, EMERGENCY: 800 };

export function severityName(value: unknown): string {
  if (value === undefined || value === null || value === '') return 'DEFAULT';
  if (typeof value === 'number') {
    const name = Object.keys(SEVERITIES).find((k) => SEVERITIES[k] === value);
    if (name) return name;
  } else if (typeof value === 'string' && value.toUpperCase() in SEVERITIES) return value.toUpperCase();
  throw invalid(`Invalid severity: ${String(value)}`);
}

type Op = '=' | '!=' | '>=' | '<=' | '>' | '<' | ':';
interface Comparison { negate: boolean; path: string[]; op: Op; value: string }
export type Predicate = (e: LogEntry) => boolean;

/**
 * A subset of the Logging query language: comparisons (`=`, `!=`, `>`, `>=`, `<`, `<=`, `:` for "has") on
 * `resource.type`, `resource.labels.K`, `labels.K` (or `labels."K"`), `logName`, `severity`, `timestamp`,
 * `textPayload`, `insertId` and `jsonPayload.K`, joined by `AND` (or whitespace), each optionally negated by
 * `NOT` or `-`. What it does not understand is refused (INVALID_ARGUMENT), not ignored.
 */
export function parseFilter(filter: string | undefined): Predicate {
  const text = (filter ?? '').trim();
  if (!text) return () => true;
  const comparisons: Comparison[] = [];
  const re = /\s*(?:(AND)\b|(NOT\s+|-)?((?:[A-Za-z_][\w]*|"(?:[^"\\]|\\.)*")(?:\.(?:[A-Za-z_][\w-]*|"(?:[^"\\]|\\.)*"))*)\s*(!=|>=|<=|=|>|<|:)\s*("(?:[^"\\]|\\.)*"|[^\s"()]+))\s*/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw invalid(`Unparseable filter: the Sockerless simulator does not understand "${text.slice(at)}" (it takes comparisons joined by AND)`);
    at = re.lastIndex;
    if (m[1]) continue;
    comparisons.push({ negate: Boolean(m[2]), path: splitPath(m[3]), op: m[4] as Op, value: unquote(m[5]) });
  }
  for (const c of comparisons) field(c.path); // refuses unknown fields now, not per entry
  return (e) => comparisons.every((c) => compare(c, e) !== c.negate);
}

function splitPath(path: string): string[] {
  const parts: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^."]+)/g;
  for (let m = re.exec(path); m; m = re.exec(path)) parts.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return parts;
}

function unquote(v: string): string {
  return v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/** The getter for a field path; INVALID_ARGUMENT for a field the simulator does not know. */
function field(path: string[]): (e: LogEntry) => unknown {
  const [head, ...rest] = path;
  if (rest.length === 0 && ['logName', 'severity', 'timestamp', 'textPayload', 'insertId', 'receiveTimestamp'].includes(head)) return (e) => (e as unknown as Record<string, unknown>)[head];
  if (head === 'resource' && rest.length === 1 && rest[0] === 'type') return (e) => e.resource.type;
  if (head === 'resource' && rest.length === 2 && rest[0] === 'labels') return (e) => e.resource.labels[rest[1]];
  if (head === 'labels' && rest.length === 1) return (e) => e.labels?.[rest[0]];
  if (head === 'jsonPayload' && rest.length >= 1) return (e) => rest.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), e.jsonPayload);
  throw invalid(`Unsupported field in filter: ${path.join('.')}`);
}

function compare(c: Comparison, e: LogEntry): boolean {
  const raw = field(c.path)(e);
  if (raw === undefined || raw === null) return false;
  const actual = String(raw);
  if (c.op === ':') return actual.toLowerCase().includes(c.value.toLowerCase());
  let order: number;
  if (c.path[0] === 'severity' && c.path.length === 1) order = SEVERITIES[actual] - SEVERITIES[severityName(c.value)];
  else if (c.path[0] === 'timestamp' || c.path[0] === 'receiveTimestamp') {
    const want = Date.parse(c.value);
    if (Number.isNaN(want)) throw invalid(`Invalid timestamp in filter: ${c.value}`);
    order = compareTimestamps(actual, c.value);
  } else order = actual === c.value ? 0 : actual < c.value ? -1 : 1;
  switch (c.op) {
    case '=': return order === 0;
    case '!=': return order !== 0;
    case '>': return order > 0;
    case '>=': return order >= 0;
    case '<': return order < 0;
    case '<=': return order <= 0;
  }
}

/** Orders RFC 3339 timestamps with sub-millisecond digits (Date.parse would drop them). */
export function compareTimestamps(a: string, b: string): number {
  const key = (t: string) => {
    const ms = Date.parse(t);
    const frac = /\.(\d+)/.exec(t)?.[1] ?? '';
    return [Math.floor(ms / 1000), Number(frac.padEnd(9, '0').slice(0, 9))];
  };
  const [as, an] = key(a);
  const [bs, bn] = key(b);
  return as - bs || an - bn;
}
