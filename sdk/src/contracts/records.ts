/**
 * The documents the core keeps in the store. Stores treat them as opaque JSON keyed by kind and id, so a
 * store plugin does not change when a record grows a field.
 */
export type RecordKind = 'container' | 'image' | 'network' | 'volume' | 'exec' | 'pool' | 'cloud-resource' | 'build-cache' | `plugin:${string}`;

export interface StoredRecord {
  id: string;
  [field: string]: unknown;
}

export interface StoredEvent {
  /** Nanoseconds since the epoch, as Docker's `timeNano`. */
  timeNano: number;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}
