import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ConflictError } from '@sockerless/sdk';

/**
 * `docker cp` in flight per container. dockerd never lets a copy and a removal overlap: a removal ends the copies (a
 * stalled upload must not hold `rm -f`), waits until they settle (one still writing made `rm` fail: ENOTEMPTY, EBUSY); later copies get 409.
 */
export class FileOperations {
  private readonly inFlight = new Map<string, Map<Promise<void>, () => void>>();
  private readonly removing = new Set<string>();

  /** Runs `op`; a tar it returns (`streamOf`) is in flight until done. `abort` ends it early when the container goes. */
  async run<T>(id: string, name: string, op: () => Promise<T>, opts: { streamOf?: (result: T) => Readable; abort?: () => void } = {}): Promise<T> {
    if (this.removing.has(id)) throw new ConflictError(`container ${name} is being removed`);
    let done!: () => void;
    const held = new Promise<void>((resolve) => { done = resolve; });
    const ops = this.inFlight.get(id) ?? new Map<Promise<void>, () => void>();
    let stream: Readable | undefined;
    this.inFlight.set(id, ops.set(held, () => { opts.abort?.(); stream?.destroy(); }));
    const release = () => {
      done();
      ops.delete(held);
      if (!ops.size && this.inFlight.get(id) === ops) this.inFlight.delete(id);
    };
    try {
      const result = await op();
      stream = opts.streamOf?.(result);
      if (stream && this.removing.has(id)) stream.destroy();
      if (stream) finished(stream).catch(() => undefined).finally(release);
      else release();
      return result;
    } catch (err) {
      release();
      // Cut short by a removal: what failed is the removal's doing (its root going away), Docker's 409, not a fault.
      if (this.removing.has(id)) throw new ConflictError(`container ${name} is being removed`);
      throw err;
    }
  }

  /** Refuses new copies on `id`, ends those in flight and waits until they have settled. */
  async drain(id: string): Promise<void> {
    this.removing.add(id);
    const ops = [...(this.inFlight.get(id) ?? new Map<Promise<void>, () => void>())];
    for (const [, abort] of ops) abort();
    await Promise.all(ops.map(([held]) => held));
  }

  /** The container is gone (or stays): its id no longer refuses copies. */
  forget(id: string): void {
    this.removing.delete(id);
  }
}
