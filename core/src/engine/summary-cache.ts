import type { ContainerRecord } from './container-record';
import { humanStatus, summarizeContainer } from './docker-shapes';

interface Entry {
  revision: number;
  state: ContainerRecord['state'];
  name: string;
  /** The summary's JSON without its closing brace and without Status, which moves with the clock. */
  head: string;
}

/**
 * `docker ps` answers from here. IDEs, compose and CI runners poll `GET /containers/json`, and building a
 * summary (dates parsed, nulls dropped, the command quoted) costs a few microseconds per container, which
 * is milliseconds for a thousand on every poll. Each container's JSON is kept and rebuilt only when its
 * record was written again (the collection's revision) or its state or name object was replaced without a
 * write (a removal in progress); Status alone is computed per request. Status goes last in the object,
 * which JSON readers do not notice.
 */
export class ContainerSummaries {
  private readonly entries = new Map<string, Entry>();

  json(c: ContainerRecord, revision: number, now = Date.now()): string {
    let e = this.entries.get(c.id);
    if (!e || e.revision !== revision || e.state !== c.state || e.name !== c.name) {
      const { Status: _status, ...rest } = summarizeContainer(c);
      e = { revision, state: c.state, name: c.name, head: JSON.stringify(rest).slice(0, -1) };
      this.entries.set(c.id, e);
    }
    return `${e.head},"Status":${JSON.stringify(humanStatus(c, now))}}`;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}
