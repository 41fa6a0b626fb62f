/** One Cloud Logging entry as the REST client decodes it (google.logging.v2.LogEntry). */
export interface LogEntryLike {
  logName?: string | null;
  insertId?: string | null;
  textPayload?: string | null;
  jsonPayload?: unknown;
  timestamp?: { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | null;
}

/** The part of `v2.LoggingServiceV2Client` the follower uses. */
export interface LogEntriesLister {
  listLogEntries(request: { resourceNames: string[]; filter: string; orderBy: string }, options?: object): Promise<[LogEntryLike[], ...unknown[]]>;
}

/**
 * Reads the entries of one filter (an execution's lines) forward, page after page, from where the last read
 * ended. Cloud Logging gives no cursor that survives new entries, and insertIds are not ordered on Google: the
 * next read asks for `timestamp >= ` the newest timestamp seen, and drops the entries of that timestamp it
 * has already returned (by insertId), as `gcloud logging tail`-like readers do. Errors are the client's own.
 */
export class LogEntriesFollower {
  private lastTimestamp: string | undefined;
  private seenAtLast = new Set<string>();

  constructor(
    private readonly client: LogEntriesLister,
    private readonly project: string,
    /** Cloud Logging filter, e.g. `labels."run.googleapis.com/execution_name"="job-abc"` (AND-joined clauses). */
    private readonly filter: string,
    /** RFC 3339 time: only entries from then on; all of them when absent. */
    since?: string,
  ) {
    this.lastTimestamp = since;
  }

  /** The entries written since the last read, oldest first (all pages: the client follows the page tokens); none when nothing new arrived. */
  async read(options?: object): Promise<LogEntryLike[]> {
    const filter = this.lastTimestamp ? `${this.filter} AND timestamp>="${this.lastTimestamp}"` : this.filter;
    const [entries] = await this.client.listLogEntries(
      { resourceNames: [`projects/${this.project}`], filter, orderBy: 'timestamp asc' }, options);
    const fresh = entries.filter((e) => !(e.insertId && timestampOf(e) === this.lastTimestamp && this.seenAtLast.has(e.insertId)));
    for (const e of fresh) {
      const ts = timestampOf(e);
      if (!ts) continue;
      if (ts !== this.lastTimestamp) {
        this.lastTimestamp = ts;
        this.seenAtLast = new Set();
      }
      if (e.insertId) this.seenAtLast.add(e.insertId);
    }
    return fresh;
  }
}

/** An entry's timestamp as RFC 3339 with nanoseconds (comparable as text at one precision), or undefined. */
export function timestampOf(entry: LogEntryLike): string | undefined {
  const t = entry.timestamp;
  if (!t || t.seconds === undefined || t.seconds === null) return undefined;
  const seconds = Number(String(t.seconds));
  if (!Number.isFinite(seconds)) return undefined;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${iso}.${String(t.nanos ?? 0).padStart(9, '0')}Z`;
}

/** An entry's text: its textPayload, or its jsonPayload's `message` (structured logging), else the JSON. */
export function entryText(entry: LogEntryLike): string {
  if (typeof entry.textPayload === 'string') return entry.textPayload;
  const json = entry.jsonPayload as { fields?: Record<string, { stringValue?: string }> } | undefined;
  const message = json?.fields?.message?.stringValue;
  return message ?? (entry.jsonPayload ? JSON.stringify(entry.jsonPayload) : '');
}
