/** One console line of a Container Apps replica, as its Log Analytics row carries it. */
export interface ConsoleLogLine {
  /** TimeGenerated, ISO 8601. */
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** The part of `LogsQueryClient` the follower uses (a result's tables, or its partial tables). */
export interface WorkspaceQuerier {
  queryWorkspace(workspaceId: string, query: string, timespan: { startTime: Date; endTime: Date }, options?: object): Promise<{
    status: string;
    tables?: Array<{ rows: unknown[][] }>;
    partialTables?: Array<{ rows: unknown[][] }>;
    partialError?: { message?: string };
  }>;
}

/** The table ACA's log agent writes a replica's stdout and stderr to (the workspace's custom-log schema). */
export const CONSOLE_TABLE = 'ContainerAppConsoleLogs_CL';

/**
 * Reads one job execution's console lines from its environment's Log Analytics workspace forward, from where
 * the last read ended. Log Analytics has no cursor: each read asks for `TimeGenerated >=` the newest time seen
 * and drops the lines of that time it has already returned (counted by stream and text, since rows of one
 * millisecond come in no promised order), as `az containerapp logs show --follow`-like readers do. A replica
 * of an execution is named `<execution>-<suffix>`, so its rows are those whose ContainerGroupName_s starts so.
 * Errors are the client's own.
 */
export class ConsoleLogFollower {
  private lastTime: string | undefined;
  private seenAtLast = new Map<string, number>();

  constructor(
    private readonly client: WorkspaceQuerier,
    /** The workspace's customerId (the environment's `appLogsConfiguration.logAnalyticsConfiguration.customerId`). */
    private readonly workspaceId: string,
    private readonly job: string,
    private readonly execution: string,
    /** Lines from then on (the execution's start, or a reattach's `since`). */
    private readonly from: Date,
  ) {}

  /** The lines written since the last read, oldest first; none when nothing new arrived. */
  async read(options?: object): Promise<ConsoleLogLine[]> {
    const since = this.lastTime ? ` and TimeGenerated >= datetime(${this.lastTime})` : '';
    const query = `${CONSOLE_TABLE} | where ContainerJobName_s == '${kqlString(this.job)}' and ContainerGroupName_s startswith '${kqlString(this.execution)}-'${since}`
      + ' | order by TimeGenerated asc | project TimeGenerated, Stream_s, Log_s';
    const start = this.lastTime ? new Date(this.lastTime) : this.from;
    // The end a little ahead: the clocks of this host and of Azure's ingestion are not the same clock.
    let result: Awaited<ReturnType<WorkspaceQuerier['queryWorkspace']>>;
    try {
      result = await this.client.queryWorkspace(this.workspaceId, query, { startTime: start, endTime: new Date(Date.now() + 3_600_000) }, options);
    } catch (err) {
      // A workspace has the table (and its columns) only once a first row arrived: until then Log Analytics
      // answers 400 "Failed to resolve table or column expression", which here means "no lines yet".
      if ((err as { statusCode?: number }).statusCode === 400 && /Failed to resolve (table|column)/i.test((err as Error).message)) return [];
      throw err;
    }
    const table = result.status === 'Success' ? result.tables?.[0] : result.partialTables?.[0];
    if (!table) throw new Error(`the Log Analytics query failed: ${result.partialError?.message ?? result.status}`);
    const fresh: ConsoleLogLine[] = [];
    for (const row of table.rows) {
      const line: ConsoleLogLine = { time: isoOf(row[0]), stream: row[1] === 'stderr' ? 'stderr' : 'stdout', text: String(row[2] ?? '') };
      const key = `${line.stream}\u0000${line.text}`;
      if (line.time === this.lastTime) {
        const seen = this.seenAtLast.get(key) ?? 0;
        if (seen > 0) {
          this.seenAtLast.set(key, seen - 1);
          continue;
        }
      }
      fresh.push(line);
    }
    // What the next read must skip: every line of the newest time this read returned, old and new.
    const newest = table.rows.length ? isoOf(table.rows[table.rows.length - 1][0]) : undefined;
    if (newest && newest !== this.lastTime) {
      this.lastTime = newest;
      this.seenAtLast = new Map();
    } else if (newest) {
      this.seenAtLast = new Map();
    }
    if (newest) {
      for (const row of table.rows) {
        if (isoOf(row[0]) !== newest) continue;
        const key = `${row[1] === 'stderr' ? 'stderr' : 'stdout'}\u0000${String(row[2] ?? '')}`;
        this.seenAtLast.set(key, (this.seenAtLast.get(key) ?? 0) + 1);
      }
    }
    return fresh;
  }
}

function isoOf(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

/** A value for a single-quoted KQL string literal. */
export function kqlString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}
