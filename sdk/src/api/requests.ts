import type { IncomingHttpHeaders } from 'node:http';
import type { Context } from 'koa';
import { InvalidArgumentError } from '../errors';
import { parseJsonBody } from '../request-shapes';
import type { Logger } from '../services';
import { BuildStepError } from '../contracts/build';
import { parseDockerTimestamp } from '../images/docker-filters';
import { errorStatus } from './error-status';

/** `/v1.43/containers/json`: the API version a client asked for, and the path without it. */
export const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

/**
 * Whether `apiVersion` (a `/vX.Y` prefix) is older than `version`; an unversioned request speaks the newest.
 * Each part compares as a number, as moby's api/types/versions does (1.9 < 1.10).
 */
export function apiBefore(apiVersion: string | undefined, version: string): boolean {
  if (apiVersion === undefined) return false;
  const [a, b] = [apiVersion, version].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

/** The token of an `Authorization: Bearer` header, '' without one. */
export function bearerOf(headers: IncomingHttpHeaders): string {
  const h = headers.authorization ?? '';
  return h.toLowerCase().startsWith('bearer ') ? h.slice(7).trim() : '';
}

/** Docker's daemon refuses JSON bodies it cannot parse with 400; we also bound their size. */
export const MAX_JSON_BODY_BYTES = 8 * 1024 * 1024;

export async function readBody(ctx: Context, limit = MAX_JSON_BODY_BYTES, tooLarge = `request body exceeds ${limit} bytes`): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      ctx.set('Connection', 'close');
      throw new InvalidArgumentError(tooLarge);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON body; an empty body is `fallback`. Malformed JSON is a 400 in Docker's shape. */
export async function readJson<T = Record<string, unknown>>(ctx: Context, fallback: T = {} as T): Promise<T> {
  return parseJsonBody((await readBody(ctx)).toString('utf8'), fallback);
}

/** JSON's name for a value's type as Go's encoding/json words it in an unmarshal error. */
function goJsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/**
 * Refuses a body field of the wrong JSON type with dockerd's 400 (its Go decoder's message), e.g.
 * `json: cannot unmarshal number into Go struct field NetworkDisconnect.Container of type string`.
 */
export function expectFieldType(body: Record<string, unknown>, struct: string, field: string, type: 'string' | 'bool'): void {
  const v = body[field];
  if (v === undefined || v === null || goJsonType(v) === type) return;
  throw new InvalidArgumentError(`json: cannot unmarshal ${goJsonType(v)} into Go struct field ${struct}.${field} of type ${type}`);
}

/**
 * dockerd's CheckForJSON, for the endpoints that call it (container and exec create, exec start, network
 * create/connect/disconnect, volume create): a body must say it is JSON; an empty one may say nothing.
 */
export function requireJsonContentType(ctx: Context): void {
  const type = ctx.get('Content-Type');
  const length = ctx.get('Content-Length');
  if (type === '' && (length === '0' || (length === '' && !ctx.get('Transfer-Encoding')))) return;
  if (type.split(';')[0].trim().toLowerCase() === 'application/json') return;
  throw new InvalidArgumentError(`Content-Type specified (${type}) must be 'application/json'`);
}

/** A JSON body for an endpoint where dockerd checks the Content-Type first. */
export async function readDockerJson<T = Record<string, unknown>>(ctx: Context): Promise<T> {
  requireJsonContentType(ctx);
  return readJson<T>(ctx);
}

/** What the query helpers read: a koa context, or the query of an upgraded request koa never saw. */
type WithQuery = { query: Record<string, string | string[] | undefined> };

/** Docker accepts `1`, `true`, `True` for booleans in queries; absent is `fallback`. */
export function queryBool(ctx: WithQuery, name: string, fallback = false): boolean {
  const s = queryString(ctx, name);
  if (s === undefined || s === '') return fallback;
  return s === '1' || s.toLowerCase() === 'true';
}

export function queryString(ctx: WithQuery, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Every value of a repeatable parameter (`?changes=A&changes=B`, as the docker CLI sends them). */
export function queryList(ctx: WithQuery, name: string): string[] {
  const v = ctx.query[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function queryInt(ctx: WithQuery, name: string, fallback: number): number {
  const s = queryString(ctx, name);
  if (s === undefined || s === '') return fallback;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`invalid value for ${name}: ${s}`);
  return Math.trunc(n);
}

/** A query parameter that carries JSON (`filters`, `buildargs`); undefined when absent or empty, `invalid` when unreadable. */
export function queryJson(ctx: WithQuery, name: string, invalid: (err: Error) => string): unknown {
  const raw = queryString(ctx, name);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new InvalidArgumentError(invalid(err as Error));
  }
}

/**
 * Parses Docker's `filters` query: `{"label":["a=b"]}` or the legacy `{"label":{"a=b":true}}`.
 * Returns name -> values. Bad JSON is a 400, as Docker answers.
 */
export function parseFilters(ctx: Context, allowed?: readonly string[]): Map<string, string[]> {
  const raw = queryString(ctx, 'filters');
  const parsed = queryJson(ctx, 'filters', () => `invalid filter: ${raw}`);
  const out = new Map<string, string[]>();
  if (parsed === undefined) return out;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`invalid filter: ${raw}`);
  }
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (allowed && !allowed.includes(name)) throw new InvalidArgumentError(`invalid filter '${name}'`);
    if (Array.isArray(value)) out.set(name, value.map(String));
    else if (typeof value === 'object' && value !== null) out.set(name, Object.keys(value));
    else throw new InvalidArgumentError(`invalid filter: ${raw}`);
  }
  return out;
}

/** Prune filters shared by networks and volumes: `until` (networks), `label` and `label!`. */
export function pruneFilters(ctx: Context, allowed: string[]): { untilMs?: number; label?: string[]; notLabel?: string[]; all?: string[] } {
  const f = parseFilters(ctx, allowed);
  const until = f.get('until');
  return {
    untilMs: until?.length ? parseDockerTimestamp(until[until.length - 1]) / 1e6 : undefined,
    label: f.get('label'),
    notLabel: f.get('label!'),
    all: f.get('all'),
  };
}

/** Streams newline-delimited JSON objects (progress, events, stats) on a response that stays open. */
export function startJsonStream(ctx: Context, contentType = 'application/json'): (obj: unknown) => void {
  ctx.respond = false;
  ctx.res.statusCode = 200;
  ctx.res.setHeader('Content-Type', contentType);
  ctx.res.flushHeaders();
  return (obj: unknown) => {
    if (!ctx.res.writableEnded) ctx.res.write(`${JSON.stringify(obj)}\n`);
  };
}

/** The logger of this request (tagged with its method and path), for the callbacks a route registers. */
export function requestLog(ctx: Context): Logger {
  return ctx.state.log as Logger;
}

/**
 * Runs `work` with a progress writer that starts the 200 JSON-lines response (`open`) on first use. An error
 * before that becomes a normal HTTP error (404 for a missing manifest, 500 for an unreachable registry); after
 * it, Docker's `{"errorDetail":...,"error":...}` line, which makes the docker CLI exit 1 with the message.
 * `errorsInStream`: a client's error is such a line even before any progress (dockerd's load and push).
 */
export async function progressStream<C extends Context>(
  ctx: C, work: (write: (msg: Record<string, unknown>) => void) => Promise<unknown>,
  opts: { errorsInStream?: boolean; open?: (ctx: C) => (obj: unknown) => void } = {},
): Promise<void> {
  const open = opts.open ?? startJsonStream;
  let send: ((obj: unknown) => void) | undefined;
  const write = (msg: Record<string, unknown>) => {
    send ??= open(ctx);
    send(msg);
  };
  try {
    await work(write);
  } catch (err) {
    const { status, message } = errorStatus(err, ctx.state.home as string | undefined);
    // A fault of the daemon (5xx) before the stream began stays an HTTP error, whatever the route.
    if (!send && !(opts.errorsInStream && status < 500)) throw err;
    send ??= open(ctx);
    // A failed RUN step carries its exit code, as dockerd's jsonmessage does.
    const code = err instanceof BuildStepError ? err.code : undefined;
    send({ errorDetail: { ...(code !== undefined ? { code } : {}), message }, error: message });
  } finally {
    if (send && !ctx.res.writableEnded) ctx.res.end();
  }
}
