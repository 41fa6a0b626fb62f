import type { SimulatorCall } from '@sockerless/sdk';

/** A parsed request as a route handler sees it. */
export type Call = SimulatorCall;

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
