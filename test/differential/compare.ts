/**
 * Compares two engines' answers to the same scenario: status codes always, then the fields, messages,
 * event sequences or text each step names. Produces stable keys so differences can be listed as expected.
 */
import { isCliStep, isMarkStep, stepName, type Answer, type Compare, type Difference, type FieldSpec, type Scenario } from './model';
import type { ScenarioRun } from './runner';

const ABSENT = '<absent>';

/** The value at a dotted path; `*` maps over every key of an object or element of an array. */
export function extract(value: unknown, path: string): unknown {
  return extractSegments(value, path === '' ? [] : path.split('.'));
}

function extractSegments(value: unknown, segments: string[]): unknown {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments;
  if (head === '*') {
    if (Array.isArray(value)) return value.map((v) => extractSegments(v, rest));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, extractSegments(v, rest)]));
    return undefined;
  }
  if (Array.isArray(value)) {
    if (/^\d+$/.test(head)) return extractSegments(value[Number(head)], rest);
    // `Key=value` picks the element whose Key is value: for arrays whose order carries no meaning (Mounts).
    const pick = /^(\w+)=(.*)$/.exec(head);
    if (pick) return extractSegments(value.find((el) => String((el as Record<string, unknown> | null)?.[pick[1]]) === pick[2]), rest);
    return undefined;
  }
  if (value && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, head)) {
    return extractSegments((value as Record<string, unknown>)[head], rest);
  }
  return undefined;
}

/** JSON with sorted keys, so key order never makes a difference; an absent value is spelled out. */
export function canonical(value: unknown): string {
  if (value === undefined) return ABSENT;
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/**
 * Replaces what legitimately differs between two engines inside strings: the ids a scenario created (by
 * the name of the step that created them), then any other 64- or 12-hex id, generated container names
 * (`adjective_surname`) and timestamps (the zero time `0001-01-01...` is kept: "never" is a fact to compare).
 */
export function normaliser(known: Map<string, string>): (text: string) => string {
  const values = [...known.keys()].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const v of values) out = out.split(v).join(known.get(v)!);
    return out
      .replace(/\b[0-9a-f]{64}\b/g, '<id>')
      .replace(/\b[0-9a-f]{12}\b/g, '<short-id>')
      .replace(/(?<![\w.-])[a-z]+_[a-z]+(?![\w.-])/g, '<name>')
      .replace(/\b(?!0001-)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<time>');
  };
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), mapStrings(v, f)]));
  return value;
}

/** Sorts every array in the value, nested ones first (RepoTags inside a list of images). */
function sortArray(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map(sortArray).sort((a, b) => canonical(a).localeCompare(canonical(b)));
}

function jsonType(value: unknown): string {
  if (value === undefined) return ABSENT;
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function fieldValue(answer: Answer, spec: FieldSpec, normalise: (s: string) => string): string {
  const path = typeof spec === 'string' ? spec : spec.path;
  const value = extract(answer.json, path);
  switch (typeof spec === 'string' ? undefined : spec.how) {
    case 'normalised': return canonical(mapStrings(value, normalise));
    case 'sorted': return canonical(sortArray(value));
    case 'normalised-sorted': return canonical(sortArray(mapStrings(value, normalise)));
    case 'type': return jsonType(value);
    case 'keys':
      if (Array.isArray(value)) return `length ${value.length}`;
      return value && typeof value === 'object' ? canonical(Object.keys(value).sort()) : jsonType(value);
    default: return canonical(value);
  }
}

/**
 * Progress lines whose count depends on byte counts, chunking or timing, not on what the engine did. dockerd
 * sends "Verifying Checksum" only when a watcher reads it before "Download complete" replaces it (a transfer's
 * watchers get its latest progress, not every one: distribution/xfer/transfer.go), so it comes and goes.
 */
const BYTE_PROGRESS = new Set(['Pushing', 'Downloading', 'Extracting', 'Waiting', 'Verifying Checksum']);

/** The steps of a JSON progress stream: `id: status`, `error: ...`, `aux: keys`, normalised. */
function streamSequence(text: string, normalise: (s: string) => string): string {
  const steps = text.split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
    let m: { status?: string; id?: string; error?: string; aux?: Record<string, unknown> };
    try { m = JSON.parse(l); } catch { return [`unparsable: ${l}`]; }
    if (m.error !== undefined) return [`error: ${m.error}`];
    if (m.aux) return [`aux: ${Object.keys(m.aux).sort().join(',')}`];
    if (m.status === undefined || BYTE_PROGRESS.has(m.status)) return [];
    return [`${m.id ? `${m.id}: ` : ''}${m.status}`];
  });
  return normalise(steps.join(' | ')).replace(/size: \d+/g, 'size: <n>') || '(empty)';
}

/** `Type Action` per event of a newline-delimited /events answer, in the order they came. */
function eventSequence(text: string): string {
  const events = text.split('\n').filter((l) => l.trim() !== '').map((l) => {
    try { const e = JSON.parse(l) as { Type?: string; Action?: string }; return `${e.Type} ${e.Action}`; } catch { return `unparsable: ${l}`; }
  });
  return events.join(', ') || '(no events)';
}

function messageOf(answer: Answer): string {
  const message = (answer.json as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : `(no message) ${answer.text.trim().slice(0, 200)}`;
}

/** What a status difference shows: the status and the start of the body, which usually says why. */
function statusLine(answer: Answer): string {
  const body = answer.text.trim().replace(/\s+/g, ' ');
  return `${answer.status}${body ? ` ${body.length > 240 ? `${body.slice(0, 240)}…` : body}` : ''}`;
}

function fieldLabel(spec: FieldSpec): string {
  if (typeof spec === 'string') return spec;
  return `${spec.path === '' ? '(top level)' : spec.path} (${spec.how})`;
}

export interface ScenarioComparison {
  same: number;
  differences: Difference[];
}

export function compareScenario(scenario: Scenario, docker: ScenarioRun, ours: ScenarioRun): ScenarioComparison {
  const result: ScenarioComparison = { same: 0, differences: [] };
  const normDocker = normaliser(docker.known);
  const normOurs = normaliser(ours.known);
  scenario.steps.forEach((step, i) => {
    if (isMarkStep(step)) return;
    const d = docker.answers[i]!;
    const o = ours.answers[i]!;
    const prefix = `${scenario.name} › ${stepName(step)}`;
    const check = (what: string, dv: string, ov: string) => {
      if (dv === ov) result.same++;
      else result.differences.push({ key: `${prefix} › ${what}`, docker: dv, ours: ov });
    };
    // A different status usually means a different kind of body: one difference says it all.
    if (d.status !== o.status) {
      check(isCliStep(step) ? 'exit code' : 'status', statusLine(d), statusLine(o));
      return;
    }
    result.same++;
    const compare: Compare = step.compare ?? {};
    for (const spec of compare.fields ?? []) {
      check(fieldLabel(spec), fieldValue(d, spec, normDocker), fieldValue(o, spec, normOurs));
    }
    // Both succeeded: there is no message to compare (the status already matched).
    const failed = d.status >= 400;
    if (failed && compare.message === 'exact') check('message', messageOf(d), messageOf(o));
    if (failed && compare.message === 'normalised') check('message (normalised)', normDocker(messageOf(d)), normOurs(messageOf(o)));
    if (compare.events) check('events', eventSequence(d.text), eventSequence(o.text));
    if (compare.stream) check('stream', streamSequence(d.text, normDocker), streamSequence(o.text, normOurs));
    // JSON-quoted: log streams carry frame headers and control bytes.
    if (compare.text) check('text', JSON.stringify(d.text.trim()), JSON.stringify(o.text.trim()));
    if (compare.rawStream) check('raw stream', normDocker(d.text.trim()), normOurs(o.text.trim()));
  });
  return result;
}
