import { AwsError } from './errors';

/** Reading AWS JSON 1.1 request fields: each helper names the field and the exception a real service raises. */

export type Json = Record<string, unknown>;

/** A JSON 1.1 service's operations by their `x-amz-target` suffix. */
export type Json11Operations = Record<string, (body: Json) => unknown>;

export function optString(body: Json, field: string, code = 'InvalidParameterException'): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AwsError(code, `${field} must be a string`);
  return v;
}

export function reqString(body: Json, field: string, code = 'InvalidParameterException'): string {
  const v = optString(body, field, code);
  if (!v) throw new AwsError(code, `${field} should not be null or empty.`);
  return v;
}

export function optNumber(body: Json, field: string, code = 'InvalidParameterException'): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new AwsError(code, `${field} must be a number`);
  return v;
}

export function optBool(body: Json, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new AwsError('InvalidParameterException', `${field} must be a boolean`);
  return v;
}

export function optStringList(body: Json, field: string, code = 'InvalidParameterException'): string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new AwsError(code, `${field} must be a list of strings`);
  return v as string[];
}

export function optObject(body: Json, field: string, code = 'InvalidParameterException'): Json | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new AwsError(code, `${field} must be an object`);
  return v as Json;
}

/** `include: ['TAGS']`: the Describe* calls answer tags only when asked. */
export function includesTags(body: Json): boolean {
  return (optStringList(body, 'include') ?? []).includes('TAGS');
}

/** A page size: absent means `dflt`; outside 1..max is the service's InvalidParameterException. */
export function pageSize(body: Json, field: string, dflt: number, max: number): number {
  const n = optNumber(body, field);
  if (n === undefined) return dflt;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new AwsError('InvalidParameterException', `${field} must be between 1 and ${max}`);
  return n;
}

/** Opaque paging tokens: base64 of a small JSON cursor, so clients cannot come to depend on their shape. */
export function encodeToken(cursor: unknown): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeToken<T>(token: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (check(v)) return v;
  } catch { /* fall through */ }
  throw new AwsError('InvalidParameterException', 'The nextToken is not valid.');
}

export const isOffsetCursor = (v: unknown): v is { o: number } =>
  typeof v === 'object' && v !== null && Number.isInteger((v as { o: unknown }).o) && (v as { o: number }).o >= 0;

/** One page of `items` from an offset token; `nextToken` only when more remain. */
export function pageByOffset<T>(items: T[], body: Json, opts: { size: number; tokenField?: string }): { page: T[]; nextToken?: string } {
  const start = decodeToken(optString(body, opts.tokenField ?? 'nextToken'), isOffsetCursor)?.o ?? 0;
  const page = items.slice(start, start + opts.size);
  const end = start + page.length;
  return end < items.length ? { page, nextToken: encodeToken({ o: end }) } : { page };
}

/** ECS and the awslogs stamps: epoch seconds with a fraction. */
export const epochSeconds = (ms: number): number => ms / 1000;
