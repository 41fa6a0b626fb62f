/**
 * The fuzz harness's fair end state: what the fuzzed requests created is removed as a client would remove it
 * (`docker rm -f -v`, `volume rm`, `network rm`, `rmi`), the daemon is left to settle, and then its memory
 * is read, so "RSS back near its start" compares like with like.
 */
import { readFileSync } from 'node:fs';
import { api } from '../support/raw-http';

const V = '/v1.50';

/** What the daemon holds, by id (containers, networks, images) or name (volumes) and tag (images). */
export interface Inventory {
  containers: Set<string>;
  volumes: Set<string>;
  networks: Set<string>;
  images: Set<string>;
  tags: Set<string>;
}

export interface Removed { containers: number; volumes: number; networks: number; images: number }

/** The daemon's memory as its /metrics reports it (process.memoryUsage), in KiB. */
export interface MemoryKiB { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }

export async function inventoryOf(socket: string): Promise<Inventory> {
  const get = async (path: string) => {
    const r = await api(socket, 'GET', `${V}${path}`);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text.slice(0, 200)}`);
    return r.json();
  };
  const [containers, volumes, networks, images] = await Promise.all([get('/containers/json?all=1'), get('/volumes'), get('/networks'), get('/images/json?all=1')]);
  return {
    containers: new Set((containers as Array<{ Id: string }>).map((c) => c.Id)),
    volumes: new Set(((volumes as { Volumes: Array<{ Name: string }> | null }).Volumes ?? []).map((v) => v.Name)),
    networks: new Set((networks as Array<{ Id: string }>).map((n) => n.Id)),
    images: new Set((images as Array<{ Id: string }>).map((i) => i.Id)),
    tags: new Set((images as Array<{ RepoTags: string[] | null }>).flatMap((i) => i.RepoTags ?? [])),
  };
}

/**
 * Removes every container, volume, network, tag and image that is in `now` and not in `start`, except the
 * fixtures (by name) that the harness made again after a fuzzed request removed them: they stand for the
 * ones the start held.
 */
export async function removeCreated(socket: string, start: Inventory, fixtureContainers: string[]): Promise<Removed> {
  const fixtureIds = new Set<string>();
  for (const name of fixtureContainers) {
    const r = await api(socket, 'GET', `${V}/containers/${name}/json`);
    if (r.status === 200) fixtureIds.add(r.json().Id);
  }
  const now = await inventoryOf(socket);
  const removed: Removed = { containers: 0, volumes: 0, networks: 0, images: 0 };
  const del = async (path: string, what: keyof Removed) => {
    const r = await api(socket, 'DELETE', `${V}${path}`);
    if (r.status < 300) removed[what]++;
    // 409: a kept container (a fixture the fuzzer re-created) uses it, e.g. an image a fuzzed commit or tag
    // named; dockerd refuses that removal the same way, and what stays is the fixture's, not the fuzzer's.
    else if (r.status !== 404 && !(what === 'images' && r.status === 409)) throw new Error(`DELETE ${path}: ${r.status} ${r.text.slice(0, 300)}`);
  };
  for (const id of now.containers) if (!start.containers.has(id) && !fixtureIds.has(id)) await del(`/containers/${id}?force=1&v=1`, 'containers');
  for (const name of now.volumes) if (!start.volumes.has(name)) await del(`/volumes/${encodeURIComponent(name)}?force=1`, 'volumes');
  for (const id of now.networks) if (!start.networks.has(id)) await del(`/networks/${id}`, 'networks');
  // Tags first (an image with a start tag stays), then images no start tag or container holds.
  for (const tag of now.tags) if (!start.tags.has(tag)) await del(`/images/${encodeURIComponent(tag)}`, 'images');
  const left = await inventoryOf(socket);
  for (const id of left.images) if (!start.images.has(id)) await del(`/images/${id}?force=1`, 'images');
  return removed;
}

export async function memoryOf(socket: string): Promise<MemoryKiB> {
  const text = (await api(socket, 'GET', '/metrics')).text;
  const kind = (k: string) => Math.round(Number(new RegExp(`^sockerless_process_memory_bytes\\{kind="${k}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / 1024);
  return { rss: kind('rss'), heapUsed: kind('heap_used'), heapTotal: kind('heap_total'), external: kind('external'), arrayBuffers: kind('array_buffers') };
}

/** Longer than the daemon's idle delay before it hands free memory back (plugins/malloc-tune/src/malloc-tune.ts: 5 s). */
const IDLE_MS = 7000;

export function rssKiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

/**
 * The daemon's memory once it is idle: no request for IDLE_MS (RSS is read from /proc meanwhile, which is not
 * a request) and RSS steady over a second (streams the fuzzer cut have ended, stopped containers are reaped),
 * or `withinMs` passed. Then one /metrics read for the breakdown; `rss` is the /proc reading before it.
 */
export async function idleMemory(socket: string, pid: number, withinMs = 30_000): Promise<MemoryKiB> {
  const started = Date.now();
  let last = rssKiB(pid);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = rssKiB(pid);
    const steady = Math.abs(now - last) < 1024;
    last = now;
    if ((steady && Date.now() - started >= IDLE_MS) || Date.now() - started > withinMs) break;
  }
  return { ...(await memoryOf(socket)), rss: last };
}

export const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;

/** `heap used A→B, external C→D MiB`: where RSS went between two readings. */
export function breakdown(from: MemoryKiB, to: MemoryKiB): string {
  const m = (k: number) => Math.round(k / 1024);
  return `heap used ${m(from.heapUsed)}→${m(to.heapUsed)}, heap total ${m(from.heapTotal)}→${m(to.heapTotal)}, external ${m(from.external)}→${m(to.external)} `
    + `of which array buffers ${m(from.arrayBuffers)}→${m(to.arrayBuffers)} MiB`;
}
