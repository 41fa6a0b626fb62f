import type { ContainerRecord } from './container-record';
import { humanStatus, summarizeContainer } from './docker-shapes';

interface Entry {
  revision: number;
  state: ContainerRecord['state'];
  name: string;
  /** The summary's JSON without its closing brace and without Status, which moves with the clock. */
  head: Buffer;
}

/**
 * `docker ps` answers from here: IDEs, compose and CI runners poll it, and a summary costs microseconds, so
 * milliseconds per poll for a thousand. Each JSON is rebuilt only when its record was written (the revision) or its
 * state or name object replaced (a removal in progress); Status, computed per request, goes last. Buffers, outside
 * V8's heap, so a poller leaves no large strings for the garbage collector.
 */
export class ContainerSummaries {
  private readonly entries = new Map<string, Entry>();

  /** The JSON array of the given containers' summaries, in that order. */
  list(containers: Array<{ record: ContainerRecord; revision: number }>, now = Date.now()): Buffer {
    const parts: Buffer[] = [OPEN];
    containers.forEach(({ record, revision }, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(this.head(record, revision), Buffer.from(`,"Status":${JSON.stringify(humanStatus(record, now))}}`));
    });
    parts.push(CLOSE);
    return Buffer.concat(parts);
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  private head(c: ContainerRecord, revision: number): Buffer {
    let e = this.entries.get(c.id);
    if (!e || e.revision !== revision || e.state !== c.state || e.name !== c.name) {
      const { Status: _status, ...rest } = summarizeContainer(c);
      e = { revision, state: c.state, name: c.name, head: Buffer.from(JSON.stringify(rest).slice(0, -1)) };
      this.entries.set(c.id, e);
    }
    return e.head;
  }
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');
