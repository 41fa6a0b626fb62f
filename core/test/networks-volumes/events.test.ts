import type { StoredEvent } from '@sockerless/sdk';
import { CoreEventsBus } from '../../src/host/services';
import { parseDockerTimestamp, signedGoDuration as parseGoDuration } from '@sockerless/sdk/images';
import { eventMatches, eventMessage, registerEventRoutes } from '../../src/docker-api/events';
import { MemoryStore, silentLogger, startApp } from './fakes';
import { formatErrors, validateAgainstSpec } from '../support/spec-schema';

/** A bus that tells the test when a stream subscribes and unsubscribes. */
class WatchedBus extends CoreEventsBus {
  active = 0;
  private waiters: (() => void)[] = [];
  override subscribe(listener: (e: StoredEvent) => void): () => void {
    const off = super.subscribe(listener);
    this.active++;
    this.notify();
    return () => { off(); this.active--; this.notify(); };
  }
  private notify() { for (const w of this.waiters.splice(0)) w(); }
  async until(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise<void>((r) => this.waiters.push(r));
  }
}

let bus: WatchedBus;
let app: Awaited<ReturnType<typeof startApp>>;
beforeEach(async () => {
  bus = new WatchedBus(silentLogger);
  bus.attachStore(new MemoryStore());
  app = await startApp((r) => registerEventRoutes(r, bus, () => true));
});
afterEach(() => app.close());

const container = (action: string, name: string, extra: Record<string, string> = {}) =>
  bus.emit({ Type: 'container', Action: action, Actor: { ID: `${name}`.padEnd(64, '0'), Attributes: { name, image: 'busybox:latest', ...extra } } });
const q = (params: Record<string, unknown>) => new URLSearchParams(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))).toString();

/** Reads newline-delimited JSON from a streaming response, `count` messages at a time, or to the end. */
function lineReader(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let ended = false;
  const lines: any[] = [];
  return {
    async take(count: number): Promise<any[]> {
      while (lines.length < count && !ended) {
        const { value, done } = await reader.read();
        if (done) { ended = true; break; }
        buf += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) { lines.push(JSON.parse(buf.slice(0, nl))); buf = buf.slice(nl + 1); }
      }
      return lines.splice(0, count);
    },
    async rest(): Promise<any[]> { const out = await this.take(Infinity); return out; },
    get ended() { return ended; },
    cancel: () => reader.cancel(),
  };
}

describe('timestamps', () => {
  test('Unix seconds with fraction, RFC 3339, dates and Go durations', () => {
    expect(parseDockerTimestamp('1700000000')).toBe(1700000000e9);
    expect(parseDockerTimestamp('1700000000.5')).toBe(1700000000e9 + 500_000_000);
    expect(parseDockerTimestamp('1700000000.000000123')).toBe(1700000000e9 + 123);
    expect(parseDockerTimestamp('2023-11-14T22:13:20Z')).toBe(1700000000e9);
    expect(parseDockerTimestamp('2023-11-14T23:13:20.25+01:00')).toBe(1700000000e9 + 250_000_000);
    expect(parseDockerTimestamp('2023-11-14')).toBe(new Date(2023, 10, 14).getTime() * 1e6);
    const now = 1_700_000_000_000;
    expect(parseDockerTimestamp('10m', now)).toBe((1700000000 - 600) * 1e9);
    expect(parseDockerTimestamp('1h30m', now)).toBe((1700000000 - 5400) * 1e9);
    expect(parseGoDuration('1.5s')).toBe(1.5e9);
    expect(parseGoDuration('abc')).toBeUndefined();
    expect(() => parseDockerTimestamp('soon')).toThrow('failed to parse value as time or duration: "soon"');
    expect(() => parseDockerTimestamp('2023-13-99T')).toThrow();
  });
});

describe('filters', () => {
  const ev = (Type: string, Action: string, ID: string, Attributes: Record<string, string>): StoredEvent => ({ Type, Action, Actor: { ID, Attributes }, timeNano: 1 });
  const f = (o: Record<string, string[]>) => new Map(Object.entries(o));
  test('Docker\'s Include semantics', () => {
    const start = ev('container', 'start', 'abc123', { name: 'web', image: 'redis:7', 'com.example': 'yes' });
    const health = ev('container', 'health_status: healthy', 'abc123', { name: 'web', image: 'redis:7' });
    const net = ev('network', 'connect', 'net1', { name: 'proj_default', type: 'bridge', container: 'abc123' });
    expect(eventMatches(f({}), start)).toBe(true);
    expect(eventMatches(f({ type: ['container'] }), net)).toBe(false);
    expect(eventMatches(f({ event: ['start', 'die'] }), start)).toBe(true);
    expect(eventMatches(f({ action: ['die'] }), start)).toBe(false);
    expect(eventMatches(f({ event: ['health_status'] }), health)).toBe(true);
    expect(eventMatches(f({ event: ['health_status: healthy'] }), health)).toBe(true);
    expect(eventMatches(f({ event: ['start'] }), health)).toBe(false);
    expect(eventMatches(f({ container: ['web'] }), start)).toBe(true);
    expect(eventMatches(f({ container: ['abc'] }), start)).toBe(true);
    expect(eventMatches(f({ container: ['db'] }), start)).toBe(false);
    expect(eventMatches(f({ container: ['web'] }), net)).toBe(false);
    expect(eventMatches(f({ network: ['proj_default'] }), net)).toBe(true);
    expect(eventMatches(f({ image: ['redis'] }), start)).toBe(true);
    expect(eventMatches(f({ image: ['redis:6'] }), start)).toBe(false);
    expect(eventMatches(f({ label: ['com.example=yes'] }), start)).toBe(true);
    expect(eventMatches(f({ label: ['com.example=no'] }), start)).toBe(false);
    expect(eventMatches(f({ volume: ['data'] }), ev('volume', 'create', 'data', { driver: 'local' }))).toBe(true);
  });

  test('wire shape: legacy fields for containers and images, spec-valid', () => {
    const c = eventMessage({ Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: { image: 'busybox', name: 'x', exitCode: '0' } }, timeNano: 1700000000123456789 });
    expect(c).toMatchObject({ status: 'die', id: 'c1', from: 'busybox', Type: 'container', scope: 'local', time: 1700000000 });
    expect(formatErrors(validateAgainstSpec('EventMessage', c))).toBe('');
    const i = eventMessage({ Type: 'image', Action: 'pull', Actor: { ID: 'busybox:latest', Attributes: { name: 'busybox' } }, timeNano: 1 });
    expect(i).toMatchObject({ status: 'pull', id: 'busybox:latest' });
    expect(i).not.toHaveProperty('from');
    expect(eventMessage({ Type: 'volume', Action: 'create', Actor: { ID: 'v', Attributes: {} }, timeNano: 1 })).not.toHaveProperty('status');
  });
});

describe('GET /events', () => {
  test('until in the past: history only, then the stream ends', async () => {
    container('create', 'aaa');
    container('start', 'aaa');
    bus.emit({ Type: 'network', Action: 'connect', Actor: { ID: 'n1', Attributes: { name: 'bridge', type: 'bridge', container: 'aaa' } } });
    const until = (Date.now() + 1) / 1000;
    const res = await fetch(`${app.url}/events?${q({ since: '0', until: until.toFixed(9) })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const all = await lineReader(res).rest();
    expect(all.map((e) => `${e.Type}:${e.Action}`)).toEqual(['container:create', 'container:start', 'network:connect']);
    for (const e of all) expect(formatErrors(validateAgainstSpec('EventMessage', e))).toBe('');
    expect(all[0]).toMatchObject({ status: 'create', id: 'aaa'.padEnd(64, '0'), from: 'busybox:latest' });
    await bus.until(() => bus.active === 0);
  });

  test('since replays matching history, then follows live events; disconnect unsubscribes', async () => {
    container('create', 'old');
    const since = Date.now() / 1000;
    // Events at or after `since` only; `old` may share the millisecond, so filter by name too.
    container('create', 'web');
    container('create', 'db');
    const res = await fetch(`${app.url}/events?${q({ since: since.toFixed(3), filters: { type: ['container'], container: ['web'] } })}`);
    const r = lineReader(res);
    expect((await r.take(1)).map((e) => e.Actor.Attributes.name)).toEqual(['web']);
    await bus.until(() => bus.active === 1);
    container('start', 'db');
    container('start', 'web');
    bus.emit({ Type: 'network', Action: 'connect', Actor: { ID: 'n', Attributes: { name: 'web', type: 'bridge' } } });
    container('die', 'web', { exitCode: '0' });
    expect((await r.take(2)).map((e) => `${e.Actor.Attributes.name}:${e.Action}`)).toEqual(['web:start', 'web:die']);
    await r.cancel();
    await bus.until(() => bus.active === 0);
  });

  test('without since: headers at once, live events only', async () => {
    container('create', 'before');
    const res = await fetch(`${app.url}/events?${q({ filters: { event: ['health_status'] } })}`);
    expect(res.status).toBe(200);
    await bus.until(() => bus.active === 1);
    container('health_status: unhealthy', 'web');
    container('start', 'web');
    container('health_status: healthy', 'web');
    const r = lineReader(res);
    expect((await r.take(2)).map((e) => e.Action)).toEqual(['health_status: unhealthy', 'health_status: healthy']);
    await r.cancel();
    await bus.until(() => bus.active === 0);
  });

  test('until in the future: streams until then and ends by itself', async () => {
    const until = (Date.now() + 700) / 1000;
    const res = await fetch(`${app.url}/events?${q({ until: until.toFixed(6) })}`);
    await bus.until(() => bus.active === 1);
    container('create', 'soon');
    const r = lineReader(res);
    const all = await r.rest();
    expect(all.map((e) => e.Actor.Attributes.name)).toEqual(['soon']);
    expect(r.ended).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(until * 1000) - 5);
    await bus.until(() => bus.active === 0);
  });

  test('bad parameters are 400s in Docker\'s shape', async () => {
    const bad = await fetch(`${app.url}/events?since=tomorrowish`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ message: 'failed to parse value as time or duration: "tomorrowish"' });
    const order = await fetch(`${app.url}/events?since=2000&until=1000`);
    expect(order.status).toBe(400);
    expect(await order.json()).toEqual({ message: '`since` time (2000) cannot be after `until` time (1000)' });
    expect((await fetch(`${app.url}/events?filters=notjson`)).status).toBe(400);
    expect(bus.active).toBe(0);
  });
});
