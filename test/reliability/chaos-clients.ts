/**
 * The chaos harness's clients: each a dockerode client with its own seeded sequence of operations on its own
 * objects (so its part of the journal is in order), run until the harness closes the gate for a kill.
 */
import Docker from 'dockerode';
import { Rng } from './fuzz-inputs';
import type { Entry, Journal } from './chaos-journal';

/** ok: a 2xx answer; refused: an error answer; unreachable: the daemon was not there (nothing sent); cut: sent, no answer. */
type Outcome = 'ok' | 'refused' | 'unreachable' | 'cut';

interface Attempt<T> { outcome: Outcome; value?: T; status?: number; answer: string }

async function attempt<T>(journal: Journal, call: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { outcome: 'ok', value: await call(), answer: '2xx' };
  } catch (err) {
    const e = err as { statusCode?: number; code?: string; message?: string };
    const answer = `${e.statusCode ?? e.code ?? ''} ${e.message ?? ''}`.slice(0, 200);
    if (typeof e.statusCode === 'number') return { outcome: e.statusCode < 300 ? 'ok' : 'refused', status: e.statusCode, answer };
    // connect(2) refused, or no socket file: the request never reached a daemon.
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') return { outcome: 'unreachable', answer };
    journal.cut++;
    return { outcome: 'cut', answer };
  }
}

/** The gate the harness closes around a kill: clients park at it between operations. */
export class Gate {
  private opened: Promise<void> = Promise.resolve();
  private openIt: () => void = () => undefined;
  private parkedCount = 0;
  private onParked: (() => void) | null = null;
  closed = false;
  stopped = false;

  close(): void {
    this.closed = true;
    this.opened = new Promise((r) => { this.openIt = r; });
  }

  open(): void { this.closed = false; this.openIt(); }

  /** Resolves once `clients` clients wait at the gate (their requests cut by the kill have ended). */
  allParked(clients: number): Promise<void> {
    if (this.parkedCount >= clients) return Promise.resolve();
    return new Promise((r) => { this.onParked = () => { if (this.parkedCount >= clients) { this.onParked = null; r(); } }; });
  }

  /** True when the client waited (a kill and a restart happened meanwhile). */
  async pass(): Promise<boolean> {
    if (!this.closed) return false;
    this.parkedCount++;
    this.onParked?.();
    await this.opened;
    this.parkedCount--;
    return true;
  }
}

export interface ClientOptions {
  index: number;
  seed: number;
  socket: string;
  journal: Journal;
  gate: Gate;
  image: string;
  /** The pools a container is put in at random (none: no label). */
  pools: string[];
}

/** Some of the containers publish a port, so the port proxy is part of what a kill can leave behind. */
const PUBLISH = { ExposedPorts: { '80/tcp': {} }, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '' }] } } };

export async function runClient(o: ClientOptions): Promise<void> {
  const docker = new Docker({ socketPath: o.socket, timeout: 60_000 });
  const rng = new Rng(Math.imul(o.seed, 1000003) + o.index);
  const { journal } = o;
  let counter = 0;
  const running = new Set<string>();
  const newName = (letter: string) => `chaos-${o.index}-${letter}${counter++}`;
  const settled = (k: Entry['kind']) => journal.live(k, o.index).filter((e) => e.presence === 'exists');
  const remove = async (e: Entry, call: () => Promise<unknown>) => {
    const r = await attempt(journal, call);
    e.lastAnswer = `remove: ${r.answer}`;
    if (r.outcome === 'ok' || r.status === 404) e.presence = 'gone';
    else if (r.outcome === 'cut') e.presence = 'maybe';
    if (r.outcome === 'ok') journal.acknowledged++;
    if (e.presence === 'gone' && e.id) running.delete(e.id);
  };
  /** Journals the create before sending it, so a cut answer leaves a `maybe` under the name asked for. */
  const create = async (kind: Entry['kind'], letter: string, call: (name: string) => Promise<string>) => {
    const name = newName(letter);
    const e = journal.add({ kind, owner: o.index, name, presence: 'maybe', id: kind === 'volume' ? name : undefined });
    const r = await attempt(journal, () => call(name));
    e.lastAnswer = `create: ${r.answer}`;
    if (r.outcome === 'ok') { e.id = r.value || name; e.presence = 'exists'; journal.acknowledged++; }
    else if (r.outcome !== 'cut') e.presence = 'gone';
  };
  const simple = async (call: () => Promise<unknown>, then?: () => void) => {
    const r = await attempt(journal, call);
    if (r.outcome === 'ok') { journal.acknowledged++; then?.(); }
  };

  const ops: Array<[number, () => Promise<void>]> = [
    [25, () => create('container', 'c', async (name) => {
      const pool = o.pools.length > 0 ? { Labels: { 'com.sockerless.pool': rng.pick(o.pools) } } : {};
      const c = await docker.createContainer({ name, Image: o.image, Cmd: ['sleep', '600'], ...pool, ...(rng.chance(0.25) ? PUBLISH : {}) });
      return c.id;
    })],
    [15, () => pickThen(settled('container').filter((e) => !running.has(e.id!)), (e) => simple(() => journal.touching(e.id!, () => docker.getContainer(e.id!).start()), () => running.add(e.id!)))],
    [8, () => pickThen(settled('container').filter((e) => running.has(e.id!)), (e) => simple(() => journal.touching(e.id!, () => docker.getContainer(e.id!).stop({ t: 0 })), () => running.delete(e.id!)))],
    [12, () => pickThen(journal.live('container', o.index).filter((e) => e.id), (e) => remove(e, () => journal.touching(e.id!, () => docker.getContainer(e.id!).remove({ force: true }))))],
    [8, () => pickThen(settled('container'), async (e) => {
      const name = newName('r');
      const r = await attempt(journal, () => docker.getContainer(e.id!).rename({ name }));
      if (r.outcome === 'ok') { e.name = name; journal.acknowledged++; } else if (r.outcome === 'cut') e.nameUncertain = true;
    })],
    [8, () => pickThen(settled('container').filter((e) => running.has(e.id!)), (e) => simple(async () => {
      const exec = await docker.getContainer(e.id!).exec({ Cmd: ['true'] });
      await exec.start({ Detach: true });
    }))],
    [6, () => create('network', 'n', async (name) => (await docker.createNetwork({ Name: name, Driver: 'bridge' })).id)],
    [6, () => pickThen(settled('network'), (n) => pickThen(settled('container'), (c) => simple(() => docker.getNetwork(n.id!).connect({ Container: c.id! }))))],
    [5, () => pickThen(journal.live('network', o.index).filter((e) => e.id), (e) => remove(e, () => docker.getNetwork(e.id!).remove()))],
    [6, () => create('volume', 'v', async (name) => { await docker.createVolume({ Name: name }); return ''; })],
    [4, () => pickThen(journal.live('volume', o.index), (e) => remove(e, () => docker.getVolume(e.name).remove()))],
  ];
  const total = ops.reduce((n, [w]) => n + w, 0);
  function pickThen(items: Entry[], then: (e: Entry) => Promise<void>): Promise<void> {
    return items.length > 0 ? then(rng.pick(items)) : Promise.resolve();
  }

  // Bounded: past these counts the client removes before it makes more.
  const crowded = () => settled('container').length > 12 ? 3 : settled('network').length > 4 ? 8 : settled('volume').length > 4 ? 10 : -1;
  while (!o.gate.stopped) {
    // Live-restore: what this client started runs on across a kill; a start or stop the kill cut is harmless to repeat.
    await o.gate.pass();
    if (o.gate.stopped) break;
    let roll = rng.int(total);
    const forced = crowded();
    const op = forced >= 0 ? ops[forced]![1] : ops.find(([w]) => (roll -= w) < 0)![1];
    await op();
  }
}
