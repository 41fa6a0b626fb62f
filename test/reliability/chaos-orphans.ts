/**
 * What a killed daemon may leave on the host and its next boot must take back (issue 13, item 3): overlay
 * mounts under the home without a container, network namespaces and veths without a running container,
 * bridges without a network, iptables rules tagged for this home that name neither, port-proxy listeners
 * without a running container publishing them, and pool slots held or counted for nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
