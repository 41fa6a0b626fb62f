/**
 * Runs scenarios against one engine over its unix socket (and the real docker CLI for CLI steps), resolving
 * placeholders from earlier answers, and puts the engine back to a clean state after each scenario.
 */
import { request } from 'node:http';
import { docker } from '../support/docker-cli';
import { isCliStep, isMarkStep, type Answer, type HttpStep, type Scenario, type Step } from './model';
import { canonical, extract } from './compare';

/** dockerd 20.10 speaks 1.41; ours accepts it too, so both get the same version and its behaviour. */
export const API_VERSION = 'v1.41';
const REQUEST_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;

export interface EngineTarget {
  label: 'docker' | 'ours';
  socket: string;
  dockerHost: string;
  /** Where the docker CLI keeps its config for this engine. */
  cliDir: string;
  /** Values that differ between engines by nature (the busybox image id), mapped to a placeholder. */
  known: Map<string, string>;
  /** `{{var.NAME}}` in scenarios: values of this run that are the same for both engines (a host dir). */
  vars: Record<string, string>;
}

export interface ScenarioRun {
  /** One answer per step, in step order; undefined for marks. */
  answers: (Answer | undefined)[];
  /** Ids this engine handed out during the scenario (plus the engine's own), mapped to placeholders. */
  known: Map<string, string>;
}

export function call(socket: string, method: string, path: string, body?: string, extraHeaders: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...extraHeaders };
    const req = request({ socketPath: socket, method, path, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, json: parseJson(text) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function parseJson(text: string): unknown {
  try { return text.trim() === '' ? undefined : JSON.parse(text); } catch { return undefined; }
}

/**
 * Replaces `{{step.path}}` (a field of that step's JSON answer, or its whole text without a path),
 * `{{mark.name}}`, `{{var.name}}` and `{{now}}` with what this engine answered or recorded; `@N` after a
 * reference keeps its first N characters.
 */
/**
 * The clock at the start of the next millisecond. /events takes since/until with millisecond precision
 * here, and an event can fall in the same millisecond as the request before or after it: aligning marks
 * to a boundary puts every earlier event strictly before the mark and every later one after it. The wait
 * is under a millisecond.
 */
function nextMillisecond(): number {
  const now = Date.now();
  let next = Date.now();
  while (next === now) next = Date.now();
  return next;
}

/** What an unresolvable reference becomes: safe in a URL path, so the request still goes out (and 404s). */
const missing = (ref: string) => `MISSING-${ref.replace(/[^\w.-]/g, '_')}`;

function resolver(named: Map<string, Answer>, marks: Map<string, number>, vars: Record<string, string>) {
  const lookup = (ref: string): string => {
    // `{{c.Id@12}}`: the first 12 characters, for prefix matching.
    const prefix = /^(.*)@(\d+)$/.exec(ref);
    if (prefix) return lookup(prefix[1]).slice(0, Number(prefix[2]));
    if (ref === 'now') return (nextMillisecond() / 1000).toFixed(3);
    const [head, ...rest] = ref.split('.');
    if (head === 'var') return vars[rest[0]] ?? missing(ref);
    if (head === 'mark') return marks.has(rest[0]) ? marks.get(rest[0])!.toFixed(3) : missing(ref);
    const answer = named.get(head);
    const value = rest.length === 0 ? answer?.text.trim() : extract(answer?.json, rest.join('.'));
    return typeof value === 'string' || typeof value === 'number' ? String(value) : missing(ref);
  };
  return (template: string): string => template.replace(/\{\{([^}]+)\}\}/g, (_, ref: string) => lookup(ref));
}

function resolveDeep(value: unknown, resolve: (s: string) => string): unknown {
  if (typeof value === 'string') return resolve(value);
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, resolve));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, resolve)]));
  return value;
}

export function requestPath(step: HttpStep, resolve: (s: string) => string): string {
  const query = Object.entries(step.query ?? {}).map(([k, v]) => {
    const text = typeof v === 'object' ? JSON.stringify(resolveDeep(v, resolve)) : resolve(String(v));
    return `${k}=${encodeURIComponent(text)}`;
  });
  return `/${API_VERSION}${resolve(step.path)}${query.length ? `?${query.join('&')}` : ''}`;
}

async function runHttp(engine: EngineTarget, step: HttpStep, resolve: (s: string) => string): Promise<Answer> {
  const path = requestPath(step, resolve);
  const body = step.rawBody ?? (step.body === undefined ? undefined : JSON.stringify(resolveDeep(step.body, resolve)));
  if (!step.until) return call(engine.socket, step.method, path, body, step.headers);
  const deadline = Date.now() + step.until.timeoutMs;
  for (;;) {
    const answer = await call(engine.socket, step.method, path, body, step.headers);
    const reached = Object.entries(step.until.fields).every(([field, want]) => canonical(extract(answer.json, field)) === canonical(want));
    if (reached || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

async function runStep(engine: EngineTarget, step: Step, resolve: (s: string) => string): Promise<Answer> {
  if (isCliStep(step)) {
    const r = await docker(engine.dockerHost, engine.cliDir, step.cli.map(resolve));
    return { status: r.code, text: r.stdout, json: parseJson(r.stdout) };
  }
  return runHttp(engine, step as HttpStep, resolve);
}

/** Runs every step in order; a failing request becomes an answer with status -1 so the scenario goes on. */
export async function runScenario(engine: EngineTarget, scenario: Scenario): Promise<ScenarioRun> {
  const named = new Map<string, Answer>();
  const marks = new Map<string, number>();
  const known = new Map(engine.known);
  const resolve = resolver(named, marks, engine.vars);
  const answers: (Answer | undefined)[] = [];
  for (const step of scenario.steps) {
    if (isMarkStep(step)) {
      marks.set(step.mark, nextMillisecond() / 1000);
      answers.push(undefined);
      continue;
    }
    const answer = await runStep(engine, step, resolve).catch((err: Error) => ({ status: -1, text: err.message }) as Answer);
    answers.push(answer);
    if (step.as) {
      named.set(step.as, answer);
      const id = (answer.json as { Id?: unknown } | undefined)?.Id;
      // The first step that hands out an id names it; later answers about the same object (inspect) do not.
      if (typeof id === 'string' && /^[0-9a-f]{64}$/.test(id) && !known.has(id)) {
        known.set(id, `<${step.as}>`);
        known.set(id.slice(0, 12), `<${step.as}:short>`);
      }
    }
  }
  return { answers, known };
}

const PREDEFINED_NETWORKS = new Set(['bridge', 'host', 'none']);

/**
 * Puts the engine back to what every scenario starts from: no containers, no user networks, no volumes,
 * only busybox:latest. Returns what could not be removed (a failure of its own: it would leak into the
 * next scenario's lists).
 */
export async function sweep(engine: EngineTarget, keepImage: string): Promise<string[]> {
  const problems: string[] = [];
  const v = `/${API_VERSION}`;
  const remove = async (path: string) => {
    const r = await call(engine.socket, 'DELETE', path).catch((err: Error) => ({ status: -1, text: err.message }));
    if (r.status >= 300 && r.status !== 404) problems.push(`${engine.label}: DELETE ${path} -> ${r.status} ${r.text.trim()}`);
  };
  const list = async <T>(path: string): Promise<T[]> => {
    const r = await call(engine.socket, 'GET', `${v}${path}`);
    if (r.status !== 200) { problems.push(`${engine.label}: GET ${path} -> ${r.status} ${r.text.trim()}`); return []; }
    return r.json as T[];
  };
  for (const c of await list<{ Id: string }>('/containers/json?all=1')) await remove(`${v}/containers/${c.Id}?force=1&v=1`);
  for (const n of await list<{ Id: string; Name: string }>('/networks')) {
    if (!PREDEFINED_NETWORKS.has(n.Name)) await remove(`${v}/networks/${n.Id}`);
  }
  const volumes = (await call(engine.socket, 'GET', `${v}/volumes`)).json as { Volumes?: { Name: string }[] } | undefined;
  for (const vol of volumes?.Volumes ?? []) await remove(`${v}/volumes/${encodeURIComponent(vol.Name)}?force=1`);
  for (const image of await list<{ Id: string; RepoTags: string[] | null }>('/images/json?all=1')) {
    const tags = image.RepoTags ?? [];
    if (!tags.includes(keepImage)) await remove(`${v}/images/${image.Id}?force=1`);
    else for (const tag of tags.filter((t) => t !== keepImage)) await remove(`${v}/images/${encodeURIComponent(tag)}`);
  }
  return problems;
}
