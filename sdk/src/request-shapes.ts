import { InvalidArgumentError } from './errors';

/**
 * How a Docker request's fields are read, shared by the core's routes and the plugins that own a Docker object
 * (networks, volumes): the client's 400 with the wording dockerd's Go decoder and parsers give, never a
 * TypeError that would surface as a 500.
 */

/**
 * A request body's list field: absent or null is empty; anything else that is not a list of objects is the
 * client's 400 (Go's decoder refuses it in dockerd), never a TypeError that would surface as a 500.
 */
export function objectList<T extends object>(value: unknown, name: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidArgumentError(`invalid ${name}: expected a list`);
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new InvalidArgumentError(`invalid ${name}: expected a list of objects`);
  }
  return value as T[];
}

/**
 * A string map of a request body (labels, driver options): absent or null is empty; any value that is not a
 * string is the client's 400. Stored as given, it would be shown back in lists and inspect, where a non-string
 * value breaks clients that decode them (the docker CLI's `ps`).
 */
export function stringMap(value: unknown, name: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new InvalidArgumentError(`invalid ${name}: expected an object of strings`);
  }
  return value as Record<string, string>;
}

/**
 * Docker matches `name` filters as (Go) regular expressions. One that does not compile, such as `(`, matches
 * nothing: dockerd answers an empty list, never an error, and a JavaScript SyntaxError must not become a 500.
 */
export function matchesPattern(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return false;
  }
}

/** `80/tcp` or `80` (tcp): moby's nat.SplitProtoPort plus ParsePort, with its error wording. */
export function splitProtoPort(key: string): { port: number; protocol: string } {
  const [portStr, proto = 'tcp'] = key.split('/');
  const port = /^\d+$/.test(portStr) ? Number(portStr) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new InvalidArgumentError(`invalid port specification: "${portStr}"`);
  return { port, protocol: proto.toLowerCase() };
}

/** A request body's list of strings (Env, Cmd, SecurityOpt): absent or null is empty; anything else is the client's 400. */
export function stringList(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new InvalidArgumentError(`invalid ${name}: expected a list of strings`);
  return value as string[];
}

/** A JSON body already read: `fallback` when empty or null, the client's 400 (InvalidArgument) when not JSON. */
export function parseJsonBody<T = Record<string, unknown>>(text: string, fallback: T = {} as T): T {
  if (text.trim() === '') return fallback;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed === null ? fallback : parsed as T;
  } catch (err) {
    throw new InvalidArgumentError(`invalid JSON: ${(err as Error).message}`);
  }
}
