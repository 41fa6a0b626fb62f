import { durationMs } from './time';
import type { Operations } from './operations';
import { LOCATION, route, SEGMENT, type Route } from './routes';

/** The client's default for `:wait` without a timeout (the service's own choice). */
const DEFAULT_WAIT_MS = 60_000;

/** `google.longrunning.Operations` under `projects/*\/locations/*`, shared by Cloud Run and Cloud Functions. */
export function operationRoutes(ops: Operations): Route[] {
  const name = (p: string[]) => `${p[0]}/operations/${p[1]}`;
  return [
    route('run', 'GET', `${LOCATION}/operations/${SEGMENT}`, (c) => ops.get(name(c.params))),
    route('run', 'POST', `${LOCATION}/operations/${SEGMENT}:wait`, (c) => ops.wait(name(c.params), durationMs(c.json().timeout, 'timeout') ?? DEFAULT_WAIT_MS)),
    route('run', 'DELETE', `${LOCATION}/operations/${SEGMENT}`, (c) => { ops.delete(name(c.params)); return {}; }),
    route('run', 'GET', `${LOCATION}/operations`, (c) => ops.list(c.params[0], { pageSize: c.query.get('pageSize') ?? undefined, pageToken: c.query.get('pageToken') ?? undefined })),
  ];
}
