import { randomUUID } from 'node:crypto';
import type { Persistence } from './context';
import { GcpError, notFound, type RpcStatus } from './errors';
import { page } from './paging';

/** A `google.protobuf.Any` in REST JSON: the `@type` is mandatory, or the client cannot decode it. */
export type AnyJson = { '@type': string } & Record<string, unknown>;

/** A `google.longrunning.Operation` as the REST surface returns it. */
export interface Operation {
  name: string;
  done: boolean;
  metadata?: AnyJson;
  response?: AnyJson;
  error?: RpcStatus;
}

export const typeUrl = (type: string): string => `type.googleapis.com/${type}`;
export const typed = (type: string, value: object): AnyJson => ({ '@type': typeUrl(type), ...value });

/** The longest a `:wait` holds the request (the API's own cap is a server choice; the client asks with `timeout`). */
const MAX_WAIT_MS = 60_000;

/**
 * Every operation of Cloud Run and Cloud Functions: both services keep them under
 * `projects/{p}/locations/{l}/operations/{id}`, so one table answers `operations.get` for either.
 */
export class Operations {
  private readonly ops = new Map<string, Operation>();
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly persist: Persistence) {
    for (const op of persist.load<Operation[]>('operations') ?? []) this.ops.set(op.name, op);
  }

  /** Starts an operation in `parent` (`projects/p/locations/l`); `done` and `response` given when it is already over. */
  start(parent: string, metadata: AnyJson | undefined, result?: { response?: AnyJson; error?: GcpError }): Operation {
    const op: Operation = { name: `${parent}/operations/${randomUUID()}`, done: false, ...(metadata ? { metadata } : {}) };
    this.ops.set(op.name, op);
    if (result) this.finish(op.name, result);
    else this.changed();
    return { ...op };
  }

  /**
   * Ends the operations a previous simulator left running: `outcome` gives the resource each now stands for
   * (an execution recorded as ended); the others end ABORTED, as their work died with that simulator.
   */
  settleOrphans(outcome: (op: Operation) => AnyJson | undefined): void {
    for (const op of this.ops.values()) {
      if (op.done) continue;
      const response = outcome(op);
      this.finish(op.name, response ? { response, metadata: response } : { error: new GcpError('ABORTED', 'The operation was interrupted by a simulator restart') });
    }
  }

  update(name: string, metadata: AnyJson): void {
    const op = this.ops.get(name);
    if (!op || op.done) return;
    op.metadata = metadata;
    this.changed();
  }

  finish(name: string, result: { response?: AnyJson; error?: GcpError; metadata?: AnyJson }): void {
    const op = this.ops.get(name);
    if (!op || op.done) return;
    op.done = true;
    if (result.metadata) op.metadata = result.metadata;
    if (result.error) op.error = result.error.toRpcStatus();
    else op.response = result.response ?? typed('google.protobuf.Empty', {});
    this.changed();
    for (const wake of this.waiters.get(name) ?? []) wake();
    this.waiters.delete(name);
  }

  get(name: string): Operation {
    const op = this.ops.get(name);
    if (!op) throw notFound(name);
    return { ...op };
  }

  /** `operations:wait`: answers when the operation is done or `timeoutMs` passed, whichever is first. */
  async wait(name: string, timeoutMs: number): Promise<Operation> {
    const op = this.get(name);
    if (op.done) return op;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(Math.max(timeoutMs, 0), MAX_WAIT_MS));
      const set = this.waiters.get(name) ?? new Set();
      this.waiters.set(name, set);
      set.add(done);
      function done(): void { clearTimeout(timer); set.delete(done); resolve(); }
    });
    return this.get(name);
  }

  list(parent: string, query: { pageSize?: unknown; pageToken?: unknown }): { operations: Operation[]; nextPageToken?: string } {
    const mine = [...this.ops.values()].filter((o) => o.name.startsWith(`${parent}/operations/`));
    const { items, nextPageToken } = page(mine, query, `operations:${parent}`);
    return { operations: items, ...(nextPageToken ? { nextPageToken } : {}) };
  }

  delete(name: string): void {
    if (!this.ops.delete(name)) throw notFound(name);
    this.changed();
  }

  /** Wakes every `:wait` (the simulator is going down). */
  close(): void {
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }

  private changed(): void {
    this.persist.changed('operations', () => [...this.ops.values()]);
  }
}
