import type { SimulatorCall } from '@sockerless/sdk';

/** A parsed request as a route handler sees it (path captures as the client spelled them). */
export interface Call extends SimulatorCall {
  /** `https://host:port` as the client reached the simulator: where poll URLs point back to. */
  base: string;
}

/** What a handler answers: a status, a JSON body and headers; `undefined` when it answered itself. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (call: Call) => Promise<Reply | undefined> | Reply | undefined;

export interface Route {
  method: string;
  /** Matched case-insensitively against the percent-decoded path: ARM resource ids are case-insensitive. */
  path: RegExp;
  /** `arm` routes need `api-version` and draw from the quota; the others (token, query, invoke) do not. */
  arm: boolean;
  handle: Handler;
}

/** One path segment (a name). */
export const SEGMENT = '([^/]+)';
/** `/subscriptions/{sub}/resourceGroups/{rg}` as two captures. */
export const GROUP = `/subscriptions/${SEGMENT}/resourceGroups/${SEGMENT}`;

export const armRoute = (method: string, path: string, handle: Handler): Route => ({ method, arm: true, path: new RegExp(`^${path}/?$`, 'i'), handle });
export const plainRoute = (method: string, path: string, handle: Handler): Route => ({ method, arm: false, path: new RegExp(`^${path}/?$`, 'i'), handle });
export const ok = (body: unknown, status = 200, headers?: Record<string, string>): Reply => ({ status, body, headers });
