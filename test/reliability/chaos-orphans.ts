/**
 * What a killed daemon may leave on the host and its next boot must take back (issue 13, item 3): overlay
 * mounts under the home without a container, network namespaces and veths without a running container,
 * bridges without a network, iptables rules tagged for this home that name neither, port-proxy listeners
 * without a running container publishing them, and pool slots held or counted for nothing.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkNames } from '../../plugins/backend-local/src/network/names';
import { hostObjectsOf } from '../support/host-network';
import type { PoolStatus } from '../support/pools';

/** The daemon's view after a boot, from its API. */
export interface DaemonView {
  containers: Array<{ id: string; running: boolean; networks: string[]; publicPorts: number[]; pool?: string }>;
  networks: Array<{ id: string; name: string }>;
  pools: PoolStatus[];
}

/** Overlay mounts under the home, by the container directory they belong to (`.../containers/<id>/merged`). */
function overlayMountsUnder(home: string): Array<{ path: string; id: string | null }> {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' '))
    .filter((f) => f[2] === 'overlay' && f[1]?.startsWith(`${home}/`))
    .map((f) => ({ path: f[1]!, id: /\/containers\/([0-9a-f]{64})\/merged$/.exec(f[1]!)?.[1] ?? null }));
}

/** Directories named by a container id under any `containers` dir of the home (up to four levels down). */
function containerDirsUnder(home: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: import('node:fs').Dirent[] = [];
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const path = join(dir, e.name);
      if (e.name === 'containers') {
        for (const id of readdirSync(path)) if (/^[0-9a-f]{64}$/.test(id)) found.push(join(path, id));
      } else if (depth < 4) walk(path, depth + 1);
    }
  };
  walk(home, 0);
  return found;
}

/** The TCP and UDP sockets the daemon's process listens on (the port proxy's listeners; the API is a unix socket). */
function listenersOf(pid: number): number[] {
  let out = '';
  try { out = execFileSync('ss', ['-Hltunp'], { encoding: 'utf8' }); } catch { return []; }
  return out.split('\n').filter((l) => l.includes(`pid=${pid},`)).map((l) => Number(/:(\d+)\s/.exec(l.split(/\s+/)[4] + ' ')?.[1] ?? 0));
}

/** What the daemon holds on the host at a moment (before a kill): shows the orphan checks see real objects. */
export function hostCountsOf(home: string, pid: number): string {
  const host = hostObjectsOf(home);
  return `${overlayMountsUnder(home).length} overlays, ${host.netns.length} netns, ${host.links.length} links, `
    + `${host.rules.length} rules, ${listenersOf(pid).length} proxy listeners`;
}

/**
 * Container dirs (`backends/<instance>/containers/<id>`, and the daemon's `containers/<id>` of logs) with no
 * container listed: disk a cut create or remove left, which the boot removes (core recovery-leftovers.ts).
 */
export function leftoverContainerDirs(home: string, view: DaemonView): string[] {
  const ids = new Set(view.containers.map((c) => c.id));
  return containerDirsUnder(home).filter((dir) => !ids.has(dir.slice(-64)))
    .map((dir) => `container dir ${dir.slice(home.length + 1)} without a container (holds: ${readdirSync(dir).join(', ') || 'nothing'})`);
}

/** Every orphan found, one line each (empty when the host is clean). */
export function orphansOf(home: string, pid: number, view: DaemonView): string[] {
  const names = new NetworkNames(home);
  const found: string[] = [];
  const ids = new Set(view.containers.map((c) => c.id));
  const running = view.containers.filter((c) => c.running);
  for (const m of overlayMountsUnder(home)) if (!m.id || !ids.has(m.id)) found.push(`overlay mount ${m.path} without a container`);

  const host = hostObjectsOf(home);
  const netns = new Set(running.map((c) => names.netns(c.id)));
  for (const n of host.netns) if (!netns.has(n)) found.push(`netns ${n} without a running container`);
  const bridges = new Set(view.networks.map((n) => names.bridge(n.id)));
  const veths = new Set(running.flatMap((c) => c.networks.map((n) => names.veth(c.id, n))));
  for (const l of host.links) if (!bridges.has(l) && !veths.has(l)) found.push(`link ${l} without a network or a running container`);
  const linkName = new RegExp(`${names.prefix}[bv][0-9a-f]{7}`, 'g');
  for (const rule of host.rules) {
    const stale = (rule.match(linkName) ?? []).filter((l) => !bridges.has(l) && !veths.has(l));
    if (stale.length > 0) found.push(`iptables rule naming ${stale.join(', ')}: ${rule}`);
  }

  const published = new Set(running.flatMap((c) => c.publicPorts));
  for (const port of listenersOf(pid)) if (!published.has(port)) found.push(`port proxy listening on ${port} for no running container`);

  for (const p of view.pools) {
    const members = view.containers.filter((c) => c.pool === p.name);
    const live = members.filter((c) => c.running).length;
    if (p.running > live) found.push(`pool ${p.name}: ${p.running} slots held, ${live} containers running`);
    if (p.queued > 0) found.push(`pool ${p.name}: ${p.queued} starts queued after a boot`);
    if (p.containers !== members.length) found.push(`pool ${p.name} counts ${p.containers} containers, the daemon lists ${members.length}`);
  }
  return found;
}
