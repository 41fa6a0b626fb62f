import type { ArmState } from '../arm/state';
import { ArmError } from '../errors';
import { plainRoute, SEGMENT, type Route } from '../routes';
import { WORKSPACE_TYPE, workspaceOf } from '../apps/environments';
import { KqlError, parseKql, runKql } from './kql';
import type { LogRow, LogStore } from './store';

/** The column types Log Analytics reports; the client turns `datetime` columns into Dates. */
const TYPES: Record<string, string> = { TimeGenerated: 'datetime', _timestamp_d: 'real' };

/**
 * Log Analytics' query API (`POST /v1/workspaces/{customerId}/query`, `{"query", "timespan"}`), as
 * @azure/monitor-query-logs sends it; `/workspaces/...` without `/v1` too (the client adds none when given an
 * endpoint). A query outside the KQL subset is a 400 BadArgumentError that says what is not supported.
 */
export function queryRoutes(state: ArmState, logs: LogStore): Route[] {
  const handle: Route['handle'] = (c) => {
    const workspace = c.params[0];
    const known = state.list((r) => (r.type === WORKSPACE_TYPE && String(r.properties.customerId).toLowerCase() === workspace.toLowerCase()) || workspaceOf(r)?.toLowerCase() === workspace.toLowerCase());
    if (!known.length) throw new ArmError(404, 'WorkspaceNotFoundError', `The workspace '${workspace}' could not be found.`);
    const body = c.json();
    if (typeof body.query !== 'string' || !body.query.trim()) throw new ArmError(400, 'BadArgumentError', "The request had some invalid properties: 'query' is required.");
    try {
      const q = parseKql(body.query);
      const rows = inTimespan(logs.table(workspace, q.table), body.timespan);
      const columns = rows.length ? Object.keys(rows[0]) : ['TimeGenerated'];
      const result = runKql(q, rows, columns);
      return {
        status: 200,
        body: { tables: [{ name: 'PrimaryResult', columns: result.columns.map((n) => ({ name: n, type: TYPES[n] ?? 'string' })), rows: result.rows.map((r) => result.columns.map((n) => r[n] ?? null)) }] },
      };
    } catch (err) {
      if (err instanceof KqlError) throw new ArmError(400, 'BadArgumentError', `The request had some invalid properties: ${err.message}.`);
      throw err;
    }
  };
  return [plainRoute('POST', `/v1/workspaces/${SEGMENT}/query`, handle), plainRoute('POST', `/workspaces/${SEGMENT}/query`, handle)];
}

/** ISO 8601 `start/end`, `start/duration` or a duration ending now (`P1D`, `PT1H`). */
function inTimespan(rows: LogRow[], timespan: unknown): LogRow[] {
  if (timespan === undefined || timespan === null) return rows;
  const [a, b] = String(timespan).split('/');
  let start: number;
  let end: number;
  if (b === undefined) {
    end = Date.now() + 1;
    start = end - durationMs(a);
  } else {
    start = Date.parse(a);
    end = b.startsWith('P') ? start + durationMs(b) : Date.parse(b);
  }
  if (Number.isNaN(start) || Number.isNaN(end)) throw new KqlError(`the timespan '${String(timespan)}' is not valid`);
  return rows.filter((r) => { const t = Date.parse(r.TimeGenerated); return t >= start && t < end; });
}

function durationMs(iso: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) throw new KqlError(`the timespan duration '${iso}' is not valid`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
}
