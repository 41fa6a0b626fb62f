import { api, type RawResponse } from './raw-http';
import type { TestDaemon } from './daemon';
import type { poolMetrics, poolStatus } from '../../plugins/pools/src/pool-status';

/** The docker CLI flags that put a container in `pool`. */
export const poolLabel = (pool: string) => ['--label', `com.sockerless.pool=${pool}`];

/** A config file text with the pools plugins and two local backend instances, `a` and `b`. */
export function poolsConfig(pools: Record<string, unknown>, extra: { plugins?: string[]; defaultPool?: string } = {}): string {
  const plugins = extra.plugins ?? ['store-sqlite', 'backend-local', 'pools', 'scheduler-roundrobin', 'limits'];
  return `export default ${JSON.stringify({
    plugins,
    backends: { a: { driver: 'local' }, b: { driver: 'local' } },
    defaultBackend: 'a',
    pools,
    ...(extra.defaultPool ? { defaultPool: extra.defaultPool } : {}),
  }, null, 2)};\n`;
}

/** The shapes the pools plugin answers with, taken from the functions that build them. */
export type PoolStatus = ReturnType<typeof poolStatus>;
export type PoolMetrics = ReturnType<typeof poolMetrics>;

/** The management API of a test daemon, over its unix socket. */
export function managementApi(daemon: TestDaemon) {
  const call = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
    api(daemon.socket, method, path, body === undefined ? undefined : JSON.stringify(body));
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${r.text}`);
    return r.text ? r.json() : undefined;
  };
  const pool = (name: string) => ok('GET', `/internal/pools/${name}`) as Promise<PoolStatus>;
  const metrics = async (name: string) => ((await ok('GET', '/internal/metrics')) as { pools: Record<string, PoolMetrics> }).pools[name];
  /** Polls the pool's state until `ready` holds: the daemon has no event for "a start is queued". */
  const waitForPool = async (name: string, ready: (p: PoolStatus) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = await pool(name);
      if (ready(p)) return p;
      if (Date.now() > deadline) throw new Error(`pool ${name} never reached the expected state: ${JSON.stringify(p)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { call, ok, pool, metrics, waitForPool };
}

/** Creates a container through the API and starts it; the start's promise is returned unresolved. */
export async function createAndStart(daemon: TestDaemon, pool: string, cmd: string[], extra: Record<string, unknown> = {}) {
  const created = await api(daemon.socket, 'POST', '/containers/create', JSON.stringify({ Image: 'busybox:latest', Cmd: cmd, Labels: { 'com.sockerless.pool': pool }, ...extra }));
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.text}`);
  const id = created.json().Id as string;
  return { id, started: api(daemon.socket, 'POST', `/containers/${id}/start`) };
}
