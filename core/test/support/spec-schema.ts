import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { load } from 'js-yaml';

/**
 * Validates response bodies against Docker's Engine API spec (Swagger 2.0). The spec's own dialect is adapted
 * to JSON Schema: `x-nullable: true` becomes a nullable type, Swagger-only formats are accepted, and the
 * `#/definitions/X` references resolve inside one root schema that carries every definition.
 */
const SPEC_FILE = 'docker-engine-api-v1.56.yaml';

/**
 * The spec is vendored in test/fixtures/spec (the official moby file, unchanged) so the tests need nothing
 * outside the repository; SOCKERLESS_API_SPEC points at another copy, e.g. a newer spec.
 */
function specPath(): string {
  if (process.env.SOCKERLESS_API_SPEC) return process.env.SOCKERLESS_API_SPEC;
  const vendored = resolve(__dirname, '../../../test/fixtures/spec', SPEC_FILE);
  if (existsSync(vendored)) return vendored;
  throw new Error(`cannot find ${SPEC_FILE} at ${vendored}; set SOCKERLESS_API_SPEC`);
}

type Json = Record<string, any>;

/** Rewrites one Swagger schema node into JSON Schema, recursively. */
function adapt(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(adapt);
  if (typeof node !== 'object' || node === null) return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith('x-') || k === 'example' || k === 'examples' || k === 'discriminator') continue;
    // Property maps are keyed by field names, which may look like keywords ("example", "x-..."): keep them all.
    if ((k === 'properties' || k === 'definitions') && typeof v === 'object' && v !== null) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, adapt(s)]));
      continue;
    }
    out[k] = adapt(v);
  }
  if (src['x-nullable'] === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = [...new Set([...out.type, 'null'])];
    else return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

let cache: { spec: Json; ajv: Ajv; validators: Map<string, ValidateFunction> } | undefined;

function state() {
  if (cache) return cache;
  const spec = load(readFileSync(specPath(), 'utf8')) as Json;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Swagger/Go formats that JSON Schema does not know: Docker's `dateTime` is RFC 3339, the rest are hints.
  ajv.addFormat('dateTime', ajv.formats['date-time'] as any);
  for (const f of ['int', 'uint8', 'uint16', 'uint32', 'uint64', 'int64', 'json', 'binary', 'CIDR', 'cidr', 'ip-address']) {
    if (!ajv.formats[f]) ajv.addFormat(f, true);
  }
  ajv.addSchema({ $id: 'docker-spec', definitions: adapt(spec.definitions) as Json });
  cache = { spec, ajv, validators: new Map() };
  return cache;
}

/** Rewrites `#/definitions/X` to the shared root so inline (path) schemas resolve too. */
function rootRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rootRefs);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) =>
    [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/') ? `docker-spec${v}` : rootRefs(v)]));
}

/** The ajv errors of `body` against `definitions.<definitionName>`; an empty array when it conforms. */
export function validateAgainstSpec(definitionName: string, body: unknown): ErrorObject[] {
  const s = state();
  if (!s.spec.definitions?.[definitionName]) throw new Error(`no definition ${definitionName} in the spec`);
  let v = s.validators.get(definitionName);
  if (!v) {
    v = s.ajv.compile({ $ref: `docker-spec#/definitions/${definitionName}` });
    s.validators.set(definitionName, v);
  }
  return v(body) ? [] : [...(v.errors ?? [])];
}

/** Same for a path's inline response schema, e.g. `('/networks', 'get', 200)` or `('/volumes/prune', 'post', 200)`. */
export function validateResponse(path: string, method: string, status: number, body: unknown): ErrorObject[] {
  const s = state();
  const schema = s.spec.paths?.[path]?.[method.toLowerCase()]?.responses?.[String(status)]?.schema;
  if (!schema) throw new Error(`no ${status} response schema for ${method.toUpperCase()} ${path}`);
  const key = `${method} ${path} ${status}`;
  let v = s.validators.get(key);
  if (!v) {
    v = s.ajv.compile(rootRefs(adapt(schema)) as Json);
    s.validators.set(key, v);
  }
  return v(body) ? [] : [...(v.errors ?? [])];
}

/** One line per error, for assertion messages: `expect(formatErrors(errs)).toBe('')`. */
export function formatErrors(errors: ErrorObject[]): string {
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}
