/**
 * The shape of a differential scenario: plain data, run the same way against our daemon and against a
 * private Docker Engine, so that the only thing that can explain a difference is the engine.
 */

/**
 * A field path into a JSON answer: keys separated by dots, `*` for every key of an object or every element
 * of an array (e.g. `NetworkSettings.Networks.*.Aliases`, `*.Names` over a list), `Key=value` for the
 * element of an array whose Key is value (`Mounts.Destination=/data.RW`), a number for an index. With `how`:
 * - `normalised`: ids, generated names and timestamps in strings are replaced by placeholders first;
 * - `sorted`: an array is compared as a set (its elements sorted), for lists whose order carries no meaning;
 * - `normalised-sorted`: both;
 * - `type`: only the JSON type is compared (string/number/null/...), for values that always differ;
 * - `keys`: only the sorted keys of an object (or the length of an array).
 */
export type FieldSpec = string | { path: string; how: 'normalised' | 'sorted' | 'normalised-sorted' | 'type' | 'keys' };

/** What to compare in an answer, besides its status code (or a CLI's exit code), which is always compared. */
export interface Compare {
  fields?: FieldSpec[];
  /** The `message` of an error body: as it is, or normalised (ids and generated names replaced). */
  message?: 'exact' | 'normalised';
  /** The body is a stream of events: the sequence of `Type Action` pairs is compared. */
  events?: boolean;
  /** The body (or a CLI's stdout) as text, trimmed. */
  text?: boolean;
  /**
   * The body is a JSON progress stream (pull, push): the sequence of its `status` lines (byte-count
   * progress left out), errors and aux keys is compared, normalised (digests, ids, sizes).
   */
  stream?: boolean;
  /** The body is a progress stream compared whole (a build's): its text with ids and times normalised. */
  rawStream?: boolean;
}

export interface HttpStep {
  /**
   * The name later steps use in placeholders: `{{c.Id}}` is the `Id` of this step's JSON answer. It also
   * names the step in difference keys (default `METHOD path`), so two alike requests need distinct names.
   */
  as?: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Without the version prefix, which the runner adds (`/v1.41`, the version dockerd 20.10 speaks). */
  path: string;
  /** Query parameters; an object value is sent as its JSON (filters). Placeholders are resolved first. */
  query?: Record<string, string | number | boolean | object>;
  /** Sent as JSON, placeholders resolved in every string. */
  body?: unknown;
  /** Sent byte for byte, for malformed JSON. */
  rawBody?: string;
  /** Request headers on top of the default `Content-Type: application/json` of a body (e.g. a wrong type). */
  headers?: Record<string, string>;
  compare?: Compare;
  /**
   * Repeat the request until these fields have these values, or until the deadline; the last answer is
   * the one compared. For states reached in the background (health, restarts), never a fixed sleep.
   */
  until?: { fields: Record<string, unknown>; timeoutMs: number };
}

/** The real docker CLI against the engine; its exit code is always compared. */
export interface CliStep {
  as?: string;
  cli: string[];
  compare?: Pick<Compare, 'text'>;
}

/** Records the client's clock, in seconds, as `{{mark.NAME}}` (for /events since/until). */
export interface MarkStep {
  mark: string;
}

export type Step = HttpStep | CliStep | MarkStep;

export interface Scenario {
  name: string;
  /** What the scenario deliberately leaves out and why (fields Docker has for reasons we do not share). */
  note?: string;
  steps: Step[];
}

/** One answer as the runner saw it, kept for comparison and for the report. */
export interface Answer {
  /** HTTP status, or the CLI's exit code. */
  status: number;
  text: string;
  json?: unknown;
}

export interface Difference {
  /** `scenario › step › what`: stable, the key of the expected-differences map. */
  key: string;
  docker: string;
  ours: string;
}

export const isHttpStep = (s: Step): s is HttpStep => 'method' in s;
export const isCliStep = (s: Step): s is CliStep => 'cli' in s;
export const isMarkStep = (s: Step): s is MarkStep => 'mark' in s;

/** The name of a step inside its scenario: what difference keys use. */
export function stepName(step: Step): string {
  if (isMarkStep(step)) return `mark ${step.mark}`;
  if (step.as) return step.as;
  return isCliStep(step) ? `docker ${step.cli.join(' ')}` : `${step.method} ${step.path}`;
}
