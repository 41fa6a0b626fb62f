/**
 * What the chaos clients were told (issue 13, item 3): every acknowledged (2xx) create, rename and remove,
 * and every request whose answer the kill cut, so that after a restart the daemon's lists can be judged.
 * A cut request may or may not have been carried out: its object is `maybe` and counts neither as lost nor
 * as a phantom until a later answer settles it.
 */

export type Kind = 'container' | 'network' | 'volume';
/** exists: an acknowledged create and no remove since; gone: an acknowledged remove; maybe: an answer was cut. */
export type Presence = 'exists' | 'maybe' | 'gone';

export interface Entry {
  kind: Kind;
  /** The client that made it: each client works on its own objects only, so its journal is in order. */
  owner: number;
  /** The id for containers and networks (once an answer gave it); the name for volumes. */
  id?: string;
  name: string;
  /** A rename whose answer was cut: either name may hold. */
  nameUncertain: boolean;
  presence: Presence;
  /** How the last request about it ended (an HTTP status, or why there was none): a phantom's report names it. */
  lastAnswer?: string;
}

/** What the daemon lists after a restart, by kind: ids (volumes: names) and the container names. */
export interface Listed {
  containers: Array<{ id: string; name: string }>;
  networks: Array<{ id: string; name: string }>;
  volumes: string[];
}

export interface Verdict { lost: string[]; phantoms: string[] }

/** The networks every daemon has and no client creates. */
const BUILTIN_NETWORKS = new Set(['bridge', 'host', 'none']);

export class Journal {
  readonly entries: Entry[] = [];
  acknowledged = 0;
  /** Requests sent whose answer a kill cut: shows the kills land mid-request. */
  cut = 0;
  /**
   * Containers a start, stop or remove was sent for since `mark()` (or still in flight then): they may rightly not
   * run after a kill (a start whose answer the kill cut may not have been recorded, and then it is undone).
   */
  touchedSinceMark = new Set<string>();
  private readonly inFlight = new Map<string, number>();

  /** Before the harness lists what runs ahead of a kill: from here on, every stop or remove is remembered. */
  mark(): void {
    this.touchedSinceMark = new Set(this.inFlight.keys());
  }

  /** Runs a request that changes whether container `id` runs (start, stop, forced remove), remembered as such. */
  async touching<T>(id: string, call: () => Promise<T>): Promise<T> {
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    this.touchedSinceMark.add(id);
    try {
      return await call();
    } finally {
      const n = (this.inFlight.get(id) ?? 1) - 1;
      if (n > 0) this.inFlight.set(id, n); else this.inFlight.delete(id);
    }
  }

  add(entry: Omit<Entry, 'nameUncertain'>): Entry {
    const e = { ...entry, nameUncertain: false };
    this.entries.push(e);
    return e;
  }

  live(kind: Kind, owner: number): Entry[] {
    return this.entries.filter((e) => e.kind === kind && e.presence !== 'gone' && e.owner === owner);
  }

  /**
   * Lost: an `exists` entry the daemon no longer lists (or a container whose acknowledged rename did not
   * hold). Phantom: a listed object that no entry accounts for, by id or, for a cut create, by name.
   */
  judge(listed: Listed): Verdict {
    const lost: string[] = [];
    const phantoms: string[] = [];
    const byKind = (kind: Kind) => this.entries.filter((e) => e.kind === kind);
    const check = (kind: Kind, objects: Array<{ id: string; name: string }>) => {
      const present = new Map(objects.map((o) => [o.id, o]));
      const entries = byKind(kind);
      for (const e of entries) {
        if (e.presence !== 'exists') continue;
        const found = present.get(e.id!);
        if (!found) lost.push(`${kind} ${e.name} (${e.id?.slice(0, 12)}) acknowledged, not listed`);
        else if (!e.nameUncertain && found.name !== e.name) lost.push(`${kind} ${e.id?.slice(0, 12)} renamed to ${e.name} (acknowledged), listed as ${found.name}`);
      }
      const ids = new Set(entries.filter((e) => e.id && e.presence !== 'gone').map((e) => e.id));
      const cutNames = new Set(entries.filter((e) => !e.id && e.presence === 'maybe').map((e) => e.name));
      for (const o of objects) {
        if (ids.has(o.id) || cutNames.has(o.name) || (kind === 'network' && BUILTIN_NETWORKS.has(o.name))) continue;
        const asked = entries.filter((e) => e.id === o.id || e.name === o.name).map((e) => `${e.presence} after ${e.lastAnswer}`);
        phantoms.push(`${kind} ${o.name} (${o.id.slice(0, 12)}) listed, never acknowledged${asked.length ? ` (journal: ${asked.join('; ')})` : ''}`);
      }
    };
    check('container', listed.containers);
    check('network', listed.networks);
    check('volume', listed.volumes.map((name) => ({ id: name, name })));
    return { lost, phantoms };
  }

  /** A cut create of a container or network the restart settled: adopt the object the daemon lists, or drop it. */
  settle(listed: Listed): void {
    for (const e of this.entries) {
      if (e.presence !== 'maybe' || e.id || e.kind === 'volume') continue;
      const found = (e.kind === 'container' ? listed.containers : listed.networks).find((o) => o.name === e.name);
      if (found) e.id = found.id;
      else e.presence = 'gone';
    }
    for (const e of this.entries) {
      if (e.presence !== 'maybe' || !e.id) continue;
      const found = (e.kind === 'container' ? listed.containers : e.kind === 'network' ? listed.networks : listed.volumes.map((n) => ({ id: n, name: n }))).find((o) => o.id === e.id);
      if (!found) e.presence = 'gone';
      else { e.presence = 'exists'; e.name = found.name; e.nameUncertain = false; }
    }
    for (const e of this.entries) {
      if (e.kind !== 'container' || !e.nameUncertain || e.presence !== 'exists') continue;
      const found = listed.containers.find((o) => o.id === e.id);
      if (found) { e.name = found.name; e.nameUncertain = false; }
    }
  }
}
