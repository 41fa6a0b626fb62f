import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkloadEndpoint } from '@sockerless/sdk';
import { monitorAlive, type MonitorInfo } from '../monitor';
import type { SavedAttachment } from './container-networks';

/** The host objects that containers outliving a daemon still use: a boot or a shutdown must leave them. */
export interface KeptNetworks {
  /** Interfaces: the veths' host ends and the bridges they are ports of. */
  links: Set<string>;
  netns: Set<string>;
  /** The networks of those bridges, by bridge name, so their isolation rules are kept too. */
  bridges: Map<string, WorkloadEndpoint>;
}

export const NOTHING_KEPT: KeptNetworks = { links: new Set(), netns: new Set(), bridges: new Map() };

/**
 * Reads the run files under `containerRoots` (dirs of `<id>/run.json`) and keeps the networks of those whose
 * monitor still runs. Synchronous: a few hundred small files at boot and shutdown, before anything is torn down.
 */
export function liveNetworks(containerRoots: string[]): KeptNetworks {
  const kept: KeptNetworks = { links: new Set(), netns: new Set(), bridges: new Map() };
  for (const root of containerRoots) {
    let ids: string[];
    try { ids = readdirSync(root); } catch { continue; }
    for (const id of ids) {
      let run: { monitor?: MonitorInfo; network?: SavedAttachment };
      try { run = JSON.parse(readFileSync(join(root, id, 'run.json'), 'utf8')); } catch { continue; }
      if (!run.network || !monitorAlive(run.monitor)) continue;
      if (run.network.netns) kept.netns.add(run.network.netns);
      for (const p of run.network.endpoints) {
        kept.links.add(p.hostName);
        kept.links.add(p.bridge);
        kept.bridges.set(p.bridge, p.endpoint);
      }
    }
  }
  return kept;
}

/** The instances' container dirs of a home: `<home>/backends/<instance>/containers`. */
export function instanceContainerRoots(home: string): string[] {
  const backends = join(home, 'backends');
  let names: string[] = [];
  try { names = readdirSync(backends); } catch { /* a new home */ }
  return names.map((n) => join(backends, n, 'containers'));
}
