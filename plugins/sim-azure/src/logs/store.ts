import type { Persistence } from '../context';

/** One row of a Log Analytics table; `TimeGenerated` is an ISO timestamp. */
export type LogRow = Record<string, string | number | boolean> & { TimeGenerated: string };

interface Stored { workspace: string; table: string; row: LogRow }

/** Rows kept per simulator (oldest dropped first): enough for tests and a working day of small jobs. */
const MAX_ROWS = 200_000;

/**
 * The rows Log Analytics workspaces hold, by workspace id (its `customerId`) and table, in arrival order.
 * Container Apps write `ContainerAppConsoleLogs_CL` rows as their workloads print lines.
 */
export class LogStore {
  private rows: Stored[];

  constructor(private readonly persist: Persistence) {
    this.rows = persist.load<Stored[]>('logs') ?? [];
  }

  write(workspace: string, table: string, row: LogRow): void {
    this.rows.push({ workspace: workspace.toLowerCase(), table, row });
    if (this.rows.length > MAX_ROWS) this.rows.splice(0, this.rows.length - MAX_ROWS);
    this.persist.changed('logs', () => this.rows);
  }

  /** The rows of `table` in `workspace`, in arrival order. */
  table(workspace: string, table: string): LogRow[] {
    const ws = workspace.toLowerCase();
    return this.rows.filter((r) => r.workspace === ws && r.table.toLowerCase() === table.toLowerCase()).map((r) => r.row);
  }
}
