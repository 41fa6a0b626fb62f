import type { LogEvent } from '../context';
import { AwsError } from '../errors';
import { decodeToken, encodeToken, optBool, optNumber, optObject, optString, optStringList, pageByOffset, pageSize, reqString, type Json, type Json11Operations } from '../wire';
import { compileFilterPattern } from './filter';
import { lowerBound, sequenceToken, type LogStream, type LogsStore } from './store';

const MAX_EVENTS = 10_000;
const DAY_MS = 24 * 3600_000;
const NAME_RE = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_RE = /^[^:*]{1,512}$/;
/** The only retention periods CloudWatch Logs takes (PutRetentionPolicy's enum). */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The CloudWatch Logs operations by their `x-amz-target` suffix. */
export function logsOperations(store: LogsStore): Json11Operations {
  return {
    CreateLogGroup(body) {
      const name = reqString(body, 'logGroupName');
      if (!NAME_RE.test(name)) throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint`);
      store.createGroup(name, stringMap(optObject(body, 'tags')));
      return {};
    },
    DeleteLogGroup(body) {
      store.deleteGroup(groupName(body));
      return {};
    },
    DescribeLogGroups(body) {
      const prefix = optString(body, 'logGroupNamePrefix') ?? '';
      const groups = [...store.groups.values()].filter((g) => g.name.startsWith(prefix)).sort((a, b) => cmp(a.name, b.name));
      const { page, nextToken } = pageByOffset(groups, body, { size: pageSize(body, 'limit', 50, 50) });
      return {
        logGroups: page.map((g) => ({
          logGroupName: g.name, creationTime: g.creationTime, retentionInDays: g.retentionInDays, metricFilterCount: 0,
          arn: `${store.arnOf(g.name)}:*`, logGroupArn: store.arnOf(g.name),
          storedBytes: [...g.streams.values()].reduce((n, s) => n + s.storedBytes, 0),
        })),
        nextToken,
      };
    },
    PutRetentionPolicy(body) {
      const days = optNumber(body, 'retentionInDays');
      if (days === undefined || !RETENTION_DAYS.includes(days)) {
        throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${String(days ?? null)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`);
      }
      store.group(groupName(body)).retentionInDays = days;
      return {};
    },
    CreateLogStream(body) {
      const name = reqString(body, 'logStreamName');
      if (!STREAM_RE.test(name)) throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${name}' at 'logStreamName' failed to satisfy constraint`);
      store.createStream(groupName(body), name);
      return {};
    },
    DeleteLogStream(body) {
      store.deleteStream(groupName(body), reqString(body, 'logStreamName'));
      return {};
    },
    DescribeLogStreams(body) {
      const group = store.group(groupName(body));
      const prefix = optString(body, 'logStreamNamePrefix') ?? '';
      const orderBy = optString(body, 'orderBy') ?? 'LogStreamName';
      if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') throw new AwsError('InvalidParameterException', `orderBy must be LogStreamName or LastEventTime, not ${orderBy}`);
      if (orderBy === 'LastEventTime' && prefix) throw new AwsError('InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
      const streams = [...group.streams.values()].filter((s) => s.name.startsWith(prefix));
      const key = (s: LogStream) => lastEvent(s)?.timestamp ?? 0;
      streams.sort((a, b) => (orderBy === 'LogStreamName' ? cmp(a.name, b.name) : key(a) - key(b) || cmp(a.name, b.name)));
      if (optBool(body, 'descending')) streams.reverse();
      const { page, nextToken } = pageByOffset(streams, body, { size: pageSize(body, 'limit', 50, 50) });
      return { logStreams: page.map((s) => describeStream(s, `${store.arnOf(group.name)}:log-stream:${s.name}`)), nextToken };
    },
    PutLogEvents(body) {
      const stream = store.stream(groupName(body), reqString(body, 'logStreamName'));
      const events = body.logEvents;
      if (!Array.isArray(events) || events.length === 0) throw new AwsError('InvalidParameterException', 'logEvents should not be null or empty.');
      if (events.length > MAX_EVENTS) throw new AwsError('InvalidParameterException', `at most ${MAX_EVENTS} log events per PutLogEvents`);
      const parsed = events.map((e: unknown, i) => {
        const ev = e as Json;
        if (typeof ev?.timestamp !== 'number' || typeof ev.message !== 'string') throw new AwsError('InvalidParameterException', `logEvents.${i + 1} needs a numeric timestamp and a string message`);
        return { timestamp: ev.timestamp, message: ev.message };
      });
      for (let i = 1; i < parsed.length; i++) {
        if (parsed[i].timestamp < parsed[i - 1].timestamp) throw new AwsError('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
      }
      // As the service: events older than 14 days or more than 2 hours ahead are rejected, the rest stored.
      const now = Date.now();
      const tooOld = lastIndex(parsed, (e) => e.timestamp < now - 14 * DAY_MS);
      const tooNew = parsed.findIndex((e) => e.timestamp > now + 2 * 3600_000);
      const accepted = parsed.slice(tooOld + 1, tooNew === -1 ? parsed.length : tooNew);
      const nextSequenceToken = store.put(stream, accepted);
      const rejected = tooOld >= 0 || tooNew >= 0
        ? { rejectedLogEventsInfo: { ...(tooOld >= 0 ? { tooOldLogEventEndIndex: tooOld + 1 } : {}), ...(tooNew >= 0 ? { tooNewLogEventStartIndex: tooNew } : {}) } }
        : {};
      return { nextSequenceToken, ...rejected };
    },
    GetLogEvents(body) {
      const stream = store.stream(groupName(body), reqString(body, 'logStreamName'));
      return getLogEvents(stream, body);
    },
    FilterLogEvents(body) {
      return filterLogEvents(store, groupName(body), body);
    },
  };
}

/** `logGroupName`, or `logGroupIdentifier` (a name or an ARN), as the service accepts either. */
function groupName(body: Json): string {
  const name = optString(body, 'logGroupName');
  const ident = optString(body, 'logGroupIdentifier');
  if (name && ident) throw new AwsError('InvalidParameterException', 'LogGroupName and LogGroupIdentifier are mutually exclusive');
  if (name) return name;
  if (ident) return ident.startsWith('arn:') ? ident.replace(/^arn:[^:]+:logs:[^:]*:[^:]*:log-group:/, '').replace(/:\*$/, '') : ident;
  throw new AwsError('InvalidParameterException', 'logGroupName should not be null or empty.');
}

/** Positions are absolute (`dropped + index`), so forward and backward tokens survive trimming of old events. */
function getLogEvents(stream: LogStream, body: Json): unknown {
  const limit = pageSize(body, 'limit', MAX_EVENTS, MAX_EVENTS);
  const startTime = optNumber(body, 'startTime');
  const endTime = optNumber(body, 'endTime');
  const base = stream.dropped;
  const lo = base + (startTime === undefined ? 0 : lowerBound(stream.events, startTime));
  // endTime is exclusive for GetLogEvents.
  const hi = base + (endTime === undefined ? stream.events.length : lowerBound(stream.events, endTime));
  const token = optString(body, 'nextToken');
  let from: number;
  let to: number;
  if (token) {
    const m = /^([fb])\/(\d+)$/.exec(token);
    if (!m) throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
    const at = Math.min(Math.max(Number(m[2]), lo), Math.max(hi, lo));
    if (m[1] === 'f') { from = at; to = Math.min(at + limit, hi); } else { to = at; from = Math.max(lo, at - limit); }
  } else if (optBool(body, 'startFromHead')) {
    from = lo; to = Math.min(lo + limit, hi);
  } else {
    to = Math.max(hi, lo); from = Math.max(lo, to - limit);
  }
  to = Math.max(from, to);
  const events = stream.events.slice(from - base, to - base).map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime }));
  // At the end of the stream the same forward token comes back, as from the real service.
  return { events, nextForwardToken: `f/${pad(to)}`, nextBackwardToken: `b/${pad(from)}` };
}

interface FilterCursor { t: number; s: string; i: number }
const isFilterCursor = (v: unknown): v is FilterCursor =>
  typeof v === 'object' && v !== null && typeof (v as FilterCursor).t === 'number' && typeof (v as FilterCursor).s === 'string' && typeof (v as FilterCursor).i === 'number';

function filterLogEvents(store: LogsStore, groupNameValue: string, body: Json): unknown {
  const group = store.group(groupNameValue);
  const names = optStringList(body, 'logStreamNames');
  const prefix = optString(body, 'logStreamNamePrefix');
  if (names && prefix) throw new AwsError('InvalidParameterException', 'logStreamNames and logStreamNamePrefix are mutually exclusive');
  const streams = names ? names.map((n) => group.streams.get(n)).filter((s): s is LogStream => !!s)
    : [...group.streams.values()].filter((s) => !prefix || s.name.startsWith(prefix));
  const match = compileFilterPattern(optString(body, 'filterPattern'));
  const startTime = optNumber(body, 'startTime') ?? -Infinity;
  const endTime = optNumber(body, 'endTime') ?? Infinity;
  const limit = pageSize(body, 'limit', MAX_EVENTS, MAX_EVENTS);
  const after = decodeToken(optString(body, 'nextToken'), isFilterCursor);
  const found: Array<{ stream: string; abs: number; e: LogEvent }> = [];
  for (const s of streams) {
    for (let i = lowerBound(s.events, startTime); i < s.events.length && s.events[i].timestamp <= endTime; i++) {
      const e = s.events[i];
      const hit = { stream: s.name, abs: s.dropped + i, e };
      if (after && compareKey(hit, after) <= 0) continue;
      if (match(e.message)) found.push(hit);
    }
  }
  found.sort((a, b) => compareKey(a, { t: b.e.timestamp, s: b.stream, i: b.abs }));
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((h) => ({ logStreamName: h.stream, timestamp: h.e.timestamp, message: h.e.message, ingestionTime: h.e.ingestionTime, eventId: eventId(h) })),
    searchedLogStreams: streams.map((s) => ({ logStreamName: s.name, searchedCompletely: true })),
    nextToken: found.length > page.length && last ? encodeToken({ t: last.e.timestamp, s: last.stream, i: last.abs }) : undefined,
  };
}

function compareKey(h: { stream: string; abs: number; e: LogEvent }, c: FilterCursor): number {
  return h.e.timestamp - c.t || cmp(h.stream, c.s) || h.abs - c.i;
}

function eventId(h: { stream: string; abs: number; e: LogEvent }): string {
  let hash = 0;
  for (const ch of h.stream) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `${pad(h.e.timestamp, 16)}${pad(hash, 10)}${pad(h.abs, 12)}`;
}

function describeStream(s: LogStream, arn: string): Json {
  const first = s.events[0];
  const last = lastEvent(s);
  return {
    logStreamName: s.name, creationTime: s.creationTime, arn, storedBytes: s.storedBytes,
    firstEventTimestamp: first?.timestamp, lastEventTimestamp: last?.timestamp, lastIngestionTime: s.lastIngestionTime,
    uploadSequenceToken: sequenceToken(s),
  };
}

const lastEvent = (s: LogStream): LogEvent | undefined => s.events[s.events.length - 1];
const pad = (n: number, width = 56) => String(n).padStart(width, '0');
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function lastIndex<T>(items: T[], pred: (t: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (pred(items[i])) return i;
  return -1;
}

function stringMap(obj: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}
