import { InvalidArgumentError, matchesPattern } from '@sockerless/sdk';
import { matchesLabelFilters } from '@sockerless/sdk/images';
import type { ContainerRecord } from './container-record';

export const CONTAINER_FILTERS = ['id', 'name', 'label', 'status', 'ancestor', 'network', 'exited', 'before', 'since', 'volume', 'health', 'is-task', 'publish', 'expose'] as const;
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH_VALUES = ['starting', 'healthy', 'unhealthy', 'none'];

/** Docker's container list filters: values OR'ed, filters AND'ed; `before`/`since` compare creation with a container's. */
export function filterContainers(all: ContainerRecord[], filters: Map<string, string[]>, find: (ref: string) => ContainerRecord, imageMatches: (ref: string, c: ContainerRecord) => boolean): ContainerRecord[] {
  for (const s of filters.get('status') ?? []) {
    if (!STATUSES.includes(s)) throw new InvalidArgumentError(`Invalid filter 'status=${s}'`);
  }
  for (const h of filters.get('health') ?? []) {
    if (!HEALTH_VALUES.includes(h)) throw new InvalidArgumentError(`Unrecognised filter value for health: ${h}`);
  }
  const exited = (filters.get('exited') ?? []).map((v) => {
    if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`invalid filter 'exited=${v}'`);
    return Number(v);
  });
  const before = filters.get('before')?.map((r) => find(r).created);
  const since = filters.get('since')?.map((r) => find(r).created);
  const any = <T>(values: T[] | undefined, pred: (v: T) => boolean) => !values || values.length === 0 || values.some(pred);
  return all.filter((c) =>
    any(filters.get('id'), (v) => c.id.startsWith(v)) &&
    any(filters.get('name'), (v) => matchesPattern(v, c.name.slice(1)) || c.name === v) &&
    matchesLabelFilters(c.config.Labels, filters.get('label')) &&
    any(filters.get('status'), (v) => c.state.Status === v) &&
    any(filters.get('health'), (v) => (c.state.Health?.Status ?? 'none') === v) &&
    any(filters.get('ancestor'), (v) => imageMatches(v, c)) &&
    any(filters.get('network'), (v) => Object.entries(c.networks).some(([name, ep]) => name === v || ep.NetworkID.startsWith(v))) &&
    any(filters.get('volume'), (v) => c.mounts.some((m) => m.Name === v || m.Destination === v)) &&
    (exited.length === 0 || (c.state.Status === 'exited' && exited.includes(c.state.ExitCode))) &&
    (!before || before.every((t) => c.created < t)) &&
    (!since || since.every((t) => c.created > t)),
  );
}
