/**
 * Short spellings of the steps scenarios repeat. Each returns plain step data; nothing here runs anything.
 * `ref` is the `as` name of the step that created the object, so `{{ref.Id}}` is its id on each engine.
 */
import type { Compare, FieldSpec, HttpStep } from '../model';

export const BUSYBOX = 'busybox:latest';

/** Field sets compared again and again. */
export const STATE_FIELDS: FieldSpec[] = [
  'State.Status', 'State.Running', 'State.Paused', 'State.Restarting', 'State.OOMKilled', 'State.Dead',
  'State.ExitCode', 'State.Error', { path: 'State.Pid', how: 'type' },
  { path: 'State.StartedAt', how: 'normalised' }, { path: 'State.FinishedAt', how: 'normalised' },
];
export const NETWORK_ENDPOINT_FIELDS = (net: string): FieldSpec[] => [
  { path: `NetworkSettings.Networks.${net}.NetworkID`, how: 'normalised' },
  { path: `NetworkSettings.Networks.${net}.EndpointID`, how: 'type' },
  { path: `NetworkSettings.Networks.${net}.Aliases`, how: 'normalised' },
  `NetworkSettings.Networks.${net}.IPAddress`, `NetworkSettings.Networks.${net}.IPPrefixLen`,
  `NetworkSettings.Networks.${net}.Gateway`, `NetworkSettings.Networks.${net}.MacAddress`,
];
/** Endpoint fields that are null in Docker's answers unless set: compared in a few scenarios, not all. */
export const NETWORK_ENDPOINT_EXTRA_FIELDS = (net: string): FieldSpec[] => [
  `NetworkSettings.Networks.${net}.IPAMConfig`, `NetworkSettings.Networks.${net}.Links`,
  `NetworkSettings.Networks.${net}.DriverOpts`,
];

/** POST /containers/create with busybox and `body` on top; `name` goes in the query. */
export function create(as: string, body: Record<string, unknown> = {}, opts: { name?: string; compare?: Compare } = {}): HttpStep {
  return {
    as, method: 'POST', path: '/containers/create', query: opts.name ? { name: opts.name } : undefined,
    body: { Image: BUSYBOX, ...body }, compare: opts.compare ?? { fields: [{ path: 'Id', how: 'type' }, 'Warnings'] },
  };
}

/** A create that must fail: status and message compared (normalised when it names ids). */
export function createFails(as: string, body: Record<string, unknown>, opts: { name?: string; normalised?: boolean } = {}): HttpStep {
  return create(as, body, { name: opts.name, compare: { message: opts.normalised ? 'normalised' : 'exact' } });
}

export const inspect = (ref: string, as: string, fields: FieldSpec[]): HttpStep =>
  ({ as, method: 'GET', path: `/containers/{{${ref}.Id}}/json`, compare: { fields } });

export const start = (ref: string, compare?: Compare): HttpStep =>
  ({ as: `start ${ref}`, method: 'POST', path: `/containers/{{${ref}.Id}}/start`, compare });

/** POST wait: answers when the container has exited, with its exit code (`Error` is compared once, elsewhere). */
export const wait = (ref: string): HttpStep =>
  ({ as: `wait ${ref}`, method: 'POST', path: `/containers/{{${ref}.Id}}/wait`, compare: { fields: ['StatusCode'] } });

export const kill = (ref: string): HttpStep =>
  ({ as: `kill ${ref}`, method: 'POST', path: `/containers/{{${ref}.Id}}/kill` });

/**
 * One stream of the container's logs, framed as Docker frames it: the bytes are compared. One stream at a
 * time, because how Docker interleaves stdout and stderr lines written at once is not deterministic.
 */
export const logs = (ref: string, stream: 'stdout' | 'stderr' = 'stdout'): HttpStep =>
  ({ as: `${stream} of ${ref}`, method: 'GET', path: `/containers/{{${ref}.Id}}/logs`, query: { [stream]: 1 }, compare: { text: true } });

export const createNetwork = (as: string, body: Record<string, unknown>): HttpStep =>
  ({ as, method: 'POST', path: '/networks/create', body: { CheckDuplicate: true, ...body }, compare: { fields: [{ path: 'Id', how: 'type' }, 'Warning'] } });

/** Labels and Options of a volume are compared in 'volumes: create, inspect, remove, prune', not at every create. */
export const createVolume = (as: string, body: Record<string, unknown>): HttpStep =>
  ({ as, method: 'POST', path: '/volumes/create', body, compare: { fields: ['Name', 'Driver', 'Scope'] } });

/** A GET that must answer 404 (or another error): status and the exact message compared. */
export const getFails = (as: string, path: string): HttpStep =>
  ({ as, method: 'GET', path, compare: { message: 'exact' } });

/** Lists containers (all) with these filters and compares the set of names. */
export const listContainers = (as: string, filters: Record<string, string[]>, all = true): HttpStep => ({
  as, method: 'GET', path: '/containers/json', query: { ...(all ? { all: 1 } : {}), filters },
  compare: { fields: [{ path: '*.Names', how: 'sorted' }] },
});
