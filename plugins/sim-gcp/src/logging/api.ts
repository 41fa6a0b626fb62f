import type { LogEntry } from '../context';
import { invalid } from '../errors';
import { page } from '../paging';
import type { Call, Route } from '../routes';
import { parseFilter, severityName } from './filter';
import type { LogStore } from './store';

/** `entries.list` returns at most 1000 entries a page. */
const MAX_PAGE = 1000;

type Written = Partial<LogEntry> & Pick<LogEntry, 'logName' | 'resource'>;

/** A Timestamp as JSON: an RFC 3339 string, or the message form `{seconds, nanos}`. */
function timestamp(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
  if (typeof value === 'object') {
    const v = value as { seconds?: unknown; nanos?: unknown };
    return new Date(Number(v.seconds ?? 0) * 1000 + Math.floor(Number(v.nanos ?? 0) / 1e6)).toISOString();
  }
  throw invalid(`Invalid value at '${field}' (type.googleapis.com/google.protobuf.Timestamp), "${String(value)}"`);
}

/** Cloud Logging v2: `entries:write` and `entries:list`. */
export function loggingRoutes(store: LogStore): Route[] {
  function write(c: Call): unknown {
    const body = c.json();
    const entries = body.entries;
    if (!Array.isArray(entries) || entries.length === 0) throw invalid('entries: at least one log entry is required');
    const out: Written[] = entries.map((raw: Record<string, unknown>, i): Written => {
      const logName = (raw.logName ?? body.logName) as string | undefined;
      if (typeof logName !== 'string' || !/^projects\/[^/]+\/logs\/[^/]+$/.test(logName)) throw invalid(`entries[${i}].logName: a log name projects/[PROJECT_ID]/logs/[LOG_ID] is required`);
      const resource = (raw.resource ?? body.resource) as { type?: unknown; labels?: Record<string, string> } | undefined;
      if (!resource || typeof resource.type !== 'string') throw invalid(`entries[${i}].resource: a monitored resource with a type is required`);
      const labels = { ...((body.labels ?? {}) as Record<string, string>), ...((raw.labels ?? {}) as Record<string, string>) };
      return {
        logName,
        resource: { type: resource.type, labels: resource.labels ?? {} },
        ...(Object.keys(labels).length ? { labels } : {}),
        ...(typeof raw.textPayload === 'string' ? { textPayload: raw.textPayload } : {}),
        ...(raw.jsonPayload && typeof raw.jsonPayload === 'object' ? { jsonPayload: raw.jsonPayload as Record<string, unknown> } : {}),
        timestamp: timestamp(raw.timestamp, `entries[${i}].timestamp`),
        // Checked here, before anything is stored: a bad entry refuses the whole write.
        severity: severityName(raw.severity),
        ...(typeof raw.insertId === 'string' && raw.insertId ? { insertId: raw.insertId } : {}),
      };
    });
    store.write(out);
    return {};
  }

  function list(c: Call): unknown {
    const body = c.json();
    const names = body.resourceNames ?? (Array.isArray(body.projectIds) ? (body.projectIds as string[]).map((p) => `projects/${p}`) : undefined);
    if (!Array.isArray(names) || names.length === 0) throw invalid('resourceNames: at least one resource name is required');
    const predicate = parseFilter(typeof body.filter === 'string' ? body.filter : undefined);
    const all = store.query(names as string[], predicate, typeof body.orderBy === 'string' ? body.orderBy : undefined);
    const { items, nextPageToken } = page(all, { pageSize: body.pageSize, pageToken: body.pageToken }, `entries:${JSON.stringify([names, body.filter ?? '', body.orderBy ?? ''])}`, MAX_PAGE);
    return { entries: items, ...(nextPageToken ? { nextPageToken } : {}) };
  }

  return [
    { service: 'logging', method: 'POST', path: /^\/v2\/entries:write$/, handle: write },
    { service: 'logging', method: 'POST', path: /^\/v2\/entries:list$/, handle: list },
  ];
}

