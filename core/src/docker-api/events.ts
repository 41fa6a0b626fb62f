import type Router from '@koa/router';
import { guarded, InvalidArgumentError, matchesLabels, type RequestAdmission, type StoredEvent } from '@sockerless/sdk';
import { parseDockerTimestamp } from '@sockerless/sdk/images';
import { currentCaller } from '../engine/caller';
import type { CoreEventsBus } from '../host/services';
import { parseFilters, queryString, requestLog, startJsonStream } from '@sockerless/sdk/api';

/** Year 5138: an upper bound for history reads without `until`. */
const FAR_FUTURE_NANO = 1e20;

/** Docker's filters.ExactMatch: no values for the key means everything matches. */
const exact = (vals: string[] | undefined, s: string) => !vals?.length || vals.includes(s);
/** Docker's filters.FuzzyMatch: exact or prefix. */
const fuzzy = (vals: string[] | undefined, s: string) => !vals?.length || vals.some((v) => s.startsWith(v));
const stripTag = (ref: string) => {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(0, colon) : ref;
};

/** Docker's daemon/events Filter.Include, over the filters we can meet locally. */
export function eventMatches(f: Map<string, string[]>, ev: StoredEvent): boolean {
  const attrs = ev.Actor.Attributes ?? {};
  const byName = (key: string) => !f.get(key)?.length || fuzzy(f.get(key), ev.Actor.ID) || (attrs.name !== undefined && fuzzy(f.get(key), attrs.name));
  const events = [...(f.get('event') ?? []), ...(f.get('action') ?? [])];
  // health_status, exec_create and exec_start carry a suffix (`health_status: healthy`), so they match by prefix.
  const fuzzyAction = events.some((e) => e === 'health_status' || e === 'exec_create' || e === 'exec_start');
  const image = f.get('image');
  const imageName = (ev.Type === 'image' ? attrs.name : attrs.image) ?? '';
  return (fuzzyAction ? fuzzy(events, ev.Action) : exact(events, ev.Action)) &&
    exact(f.get('type'), ev.Type) &&
    exact(f.get('scope'), 'local') &&
    ['container', 'network', 'volume', 'daemon', 'plugin', 'node', 'service', 'secret', 'config'].every(byName) &&
    (!image?.length || [ev.Actor.ID, imageName, stripTag(ev.Actor.ID), stripTag(imageName)].some((s) => image.includes(s))) &&
    matchesLabels(attrs, f.get('label'));
}

/** One event in Docker's wire shape; container and image events keep the legacy status/id/from fields. */
export function eventMessage(ev: StoredEvent): Record<string, unknown> {
  const legacy: Record<string, unknown> = {};
  if (ev.Type === 'container' || ev.Type === 'image') {
    legacy.status = ev.Action;
    legacy.id = ev.Actor.ID;
    if (ev.Type === 'container' && ev.Actor.Attributes?.image) legacy.from = ev.Actor.Attributes.image;
  }
  return {
    ...legacy, Type: ev.Type, Action: ev.Action, Actor: { ID: ev.Actor.ID, Attributes: ev.Actor.Attributes ?? {} },
    scope: 'local', time: Math.floor(ev.timeNano / 1e9), timeNano: ev.timeNano,
  };
}

/** Whether `caller` may see a container event (tenant scoping); other events are everyone's. */
export type EventVisibility = (caller: RequestAdmission | undefined, ev: StoredEvent) => boolean;

export function registerEventRoutes(router: Router, events: CoreEventsBus, visible: EventVisibility): void {
  router.get('/events', async (ctx) => {
    // Captured now: live events reach the listener in the context of whichever request emitted them.
    const caller = currentCaller();
    const sinceRaw = queryString(ctx, 'since');
    const untilRaw = queryString(ctx, 'until');
    const since = sinceRaw ? parseDockerTimestamp(sinceRaw) : undefined;
    const until = untilRaw ? parseDockerTimestamp(untilRaw) : undefined;
    if (until !== undefined && since !== undefined && until < since) {
      throw new InvalidArgumentError(`\`since\` time (${sinceRaw}) cannot be after \`until\` time (${untilRaw})`);
    }
    // Docker does not validate event filter keys; unknown ones match nothing specific and are ignored.
    const filters = parseFilters(ctx);
    const write = startJsonStream(ctx);
    const res = ctx.res;

    await new Promise<void>((resolve) => {
      // Subscribe before reading the past, so nothing emitted in between is lost; duplicates are skipped by time.
      const live: StoredEvent[] = [];
      let replaying = true;
      let lastNano = -1;
      let timer: NodeJS.Timeout | undefined;
      const send = (ev: StoredEvent) => {
        if (ev.timeNano <= lastNano || (until !== undefined && ev.timeNano > until)) return;
        lastNano = ev.timeNano;
        if (eventMatches(filters, ev) && visible(caller, ev)) write(eventMessage(ev));
      };
      const unsubscribe = events.subscribe(guarded(requestLog(ctx), { on: 'event' }, (ev: StoredEvent) => (replaying ? live.push(ev) : send(ev))));
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        unsubscribe();
        if (timer) clearTimeout(timer);
        res.off('close', finishGuarded);
        if (!res.writableEnded) res.end();
        resolve();
      };
      // The client going away ends the stream and the subscription with it.
      const finishGuarded = guarded(requestLog(ctx), { on: 'events end' }, finish);
      res.on('close', finishGuarded);
      const nowNano = Date.now() * 1e6;
      const onlyPast = until !== undefined && until <= nowNano;
      // No upper bound short of `until`: the bus may stamp a burst slightly ahead of the clock, and overlap with
      // the live buffer is dropped by time anyway.
      const history = since !== undefined || until !== undefined
        ? events.history(since ?? 0, until ?? FAR_FUTURE_NANO)
        : Promise.resolve([] as StoredEvent[]);
      history.then((past) => {
        if (done) return;
        for (const ev of past) send(ev);
        replaying = false;
        if (onlyPast) return finish();
        for (const ev of live.splice(0)) send(ev);
        if (until !== undefined) timer = setTimeout(finishGuarded, Math.max(0, (until - nowNano) / 1e6));
      }, () => finish());
    });
  });
}
