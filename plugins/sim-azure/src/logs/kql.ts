import type { LogRow } from './store';

/** A query the subset below could not take: answered 400 BadArgumentError naming the part. */
export class KqlError extends Error {}

type Value = string | number;
interface Condition { column: string; op: string; value: Value }
interface Query { table: string; where: Condition[]; order?: { column: string; desc: boolean }; project?: string[]; take?: number }

const OPS = ['==', '!=', '=~', '!~', '>=', '<=', '>', '<', 'startswith', 'endswith', 'contains', 'has', '!contains', '!has'];

/**
 * The KQL subset a backend sends for a job execution's console logs:
 * `Table | where A == 'x' and B startswith "y" and TimeGenerated > datetime(...) | order by TimeGenerated asc
 *  | project A, B | take N`. `ago(5m)` and `now()` are accepted as times; `sort by`, `limit` as synonyms.
 */
export function parseKql(text: string): Query {
  const stages = splitOutsideQuotes(text.trim(), '|').map((s) => s.trim());
  const table = stages.shift() ?? '';
  if (!/^[A-Za-z_][\w]*$/.test(table)) throw new KqlError(`the query must start with a table name, not '${table}'`);
  const q: Query = { table, where: [] };
  for (const stage of stages) {
    const [, verb, rest] = /^(\w+)(?:\s+by)?\s+([\s\S]*)$/.exec(stage) ?? [];
    if (verb === 'where') {
      for (const part of splitOutsideQuotes(rest, ' and ')) q.where.push(parseCondition(part.trim()));
    } else if (verb === 'order' || verb === 'sort') {
      const [, column, dir] = /^(\w+)(?:\s+(asc|desc))?$/.exec(rest.trim()) ?? [];
      if (!column) throw new KqlError(`'${stage}': only one column with asc or desc is supported`);
      q.order = { column, desc: dir !== 'asc' };
    } else if (verb === 'project') {
      q.project = rest.split(',').map((c) => c.trim());
      if (q.project.some((c) => !/^\w+$/.test(c))) throw new KqlError(`'${stage}': only plain column names can be projected`);
    } else if (verb === 'take' || verb === 'limit') {
      if (!/^\d+$/.test(rest.trim())) throw new KqlError(`'${stage}': a row count is expected`);
      q.take = Number(rest.trim());
    } else {
      throw new KqlError(`the operator '${stage.split(/\s/)[0]}' is not supported by the Sockerless simulator (where, order by, sort by, project, take, limit are)`);
    }
  }
  return q;
}

function parseCondition(part: string): Condition {
  if (/\s+or\s+/i.test(part)) throw new KqlError(`'${part}': 'or' is not supported by the Sockerless simulator`);
  const m = new RegExp(`^(\\w+)\\s*(${OPS.map((o) => o.replace(/[=!<>~]/g, '\\$&')).join('|')})\\s*([\\s\\S]+)$`).exec(part);
  if (!m) throw new KqlError(`'${part}': expected 'Column operator value'`);
  return { column: m[1], op: m[2], value: literal(m[3].trim()) };
}

function literal(text: string): Value {
  const str = /^(['"])([\s\S]*)\1$/.exec(text);
  if (str) return str[2].replace(/\\(.)/g, '$1');
  const dt = /^datetime\(\s*['"]?([^'")]+)['"]?\s*\)$/.exec(text);
  if (dt) return time(dt[1]);
  if (/^now\(\s*\)$/.test(text)) return Date.now();
  const ago = /^ago\(\s*(\d+(?:\.\d+)?)(d|h|m|s|ms)\s*\)$/.exec(text);
  if (ago) return Date.now() - Number(ago[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[ago[2] as 'd']!;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  throw new KqlError(`'${text}': expected a string, a number, datetime(...), ago(...) or now()`);
}

function time(text: string): number {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new KqlError(`'${text}' is not a datetime`);
  return t;
}

/** Splits on `sep` where it is not inside a quoted string. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (text.startsWith(sep, i)) {
      out.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** Runs `q` over `rows` (already cut to the request's timespan); columns are those of the first row seen. */
export function runKql(q: Query, rows: LogRow[], columns: string[]): { columns: string[]; rows: LogRow[] } {
  for (const c of [...q.where.map((w) => w.column), ...(q.order ? [q.order.column] : []), ...(q.project ?? [])]) {
    if (!columns.includes(c)) throw new KqlError(`Failed to resolve column or scalar expression named '${c}'`);
  }
  let out = rows.filter((r) => q.where.every((w) => matches(r, w)));
  if (q.order) {
    const { column, desc } = q.order;
    out = out.map((r, i) => [r, i] as const).sort(([a, i], [b, j]) => compare(a[column], b[column]) * (desc ? -1 : 1) || i - j).map(([r]) => r);
  }
  if (q.take !== undefined) out = out.slice(0, q.take);
  return { columns: q.project ?? columns, rows: out };
}

function matches(row: LogRow, w: Condition): boolean {
  const raw = row[w.column];
  if (w.column === 'TimeGenerated' || typeof w.value === 'number') {
    const a = w.column === 'TimeGenerated' ? Date.parse(String(raw)) : Number(raw);
    const b = Number(w.value);
    switch (w.op) {
      case '==': return a === b;
      case '!=': return a !== b;
      case '>': return a > b;
      case '>=': return a >= b;
      case '<': return a < b;
      case '<=': return a <= b;
      default: throw new KqlError(`'${w.op}' does not apply to '${w.column}'`);
    }
  }
  const a = String(raw ?? '');
  const b = String(w.value);
  const [al, bl] = [a.toLowerCase(), b.toLowerCase()];
  switch (w.op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '=~': return al === bl;
    case '!~': return al !== bl;
    case 'startswith': return al.startsWith(bl);
    case 'endswith': return al.endsWith(bl);
    case 'contains': case 'has': return al.includes(bl);
    case '!contains': case '!has': return !al.includes(bl);
    default: throw new KqlError(`'${w.op}' does not apply to the string column '${w.column}'`);
  }
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}
