import { InvalidArgumentError } from './errors';

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

/** A request body's list of strings (Env, Cmd, SecurityOpt): absent or null is empty; anything else is the client's 400. */
export function stringList(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new InvalidArgumentError(`invalid ${name}: expected a list of strings`);
  return value as string[];
}
