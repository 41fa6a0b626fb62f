import type { IncomingMessage, ServerResponse } from 'node:http';

/** A parsed request as a route handler sees it. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path's captures, in order. */
  params: string[];
  query: URLSearchParams;
  /** The raw body. */
  raw: Buffer;
  /** The body as JSON (`{}` when empty); INVALID_ARGUMENT when it is not a JSON object. */
  json(): Record<string, unknown>;
}

/** A handler returns the JSON to answer 200 with, or `undefined` when it answered itself. */
export type Handler = (call: Call) => Promise<unknown> | unknown;

export interface Route {
  method: string;
  /** Matched against the percent-decoded path. */
  path: RegExp;
  /** Which quota bucket the call draws from (`run`, `functions`, `logging`). */
  service: string;
  handle: Handler;
}

/** `projects/{p}/locations/{l}` as a capture. */
export const LOCATION = '(projects/[^/]+/locations/[^/]+)';
/** One path segment (an id). */
export const SEGMENT = '([^/:]+)';

export const route = (service: string, method: string, path: string, handle: Handler): Route =>
  ({ service, method, path: new RegExp(`^/v2/${path}$`), handle });
