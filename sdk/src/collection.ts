import type { RecordKind, StoredRecord } from './contracts/records';
import type { StateStore } from './contracts/store';

/**
 * The in-memory working set of one record kind, written through to the store. A change is durable before
 * `put`/`delete` resolve, so a route that awaits them answers only after the store has the change.
 */
export class Collection<T extends StoredRecord> {
  private readonly byId = new Map<string, T>();
  /** Bumped by every put: lets a cache built from a record tell that the record was written since. */
  private readonly revisions = new Map<string, number>();

  constructor(private readonly store: StateStore, readonly kind: RecordKind) {}

  async load(): Promise<void> {
    for (const rec of await this.store.loadAll(this.kind)) this.byId.set(rec.id, rec as T);
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  all(): T[] {
    return [...this.byId.values()];
  }

  revision(id: string): number {
    return this.revisions.get(id) ?? 0;
  }

  get size(): number {
    return this.byId.size;
  }

  async put(rec: T): Promise<void> {
    await this.store.put(this.kind, rec);
    this.byId.set(rec.id, rec);
    this.revisions.set(rec.id, this.revision(rec.id) + 1);
  }

  async delete(id: string): Promise<void> {
    await this.store.delete(this.kind, id);
    this.byId.delete(id);
    this.revisions.delete(id);
  }
}
