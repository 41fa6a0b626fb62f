import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ConflictError } from '@sockerless/sdk';

/**
 * `docker cp` operations in flight per container. dockerd holds a container's lock for a copy and for its
 * removal, so the two never overlap; here a removal waits for the copies in flight (an extraction still
 * writing into the root made `rm` fail with ENOTEMPTY, a root still mounted for a copy with EBUSY) and a
 * copy that arrives while the container is being removed is refused.
 */
export class FileOperations {
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();
  private readonly removing = new Set<string>();

  /** Runs `op` on container `id`; a tar it returns counts as in flight until the stream is done. */
  async run<T>(id: string, name: string, op: () => Promise<T>, streamOf: (result: T) => Readable | undefined = () => undefined): Promise<T> {
    if (this.removing.has(id)) throw new ConflictError(`container ${name} is being removed`);
    let done!: () => void;
    const held = new Promise<void>((resolve) => { done = resolve; });
    const set = this.inFlight.get(id) ?? new Set();
    this.inFlight.set(id, set.add(held));
    const release = () => {
      done();
      set.delete(held);
      if (!set.size && this.inFlight.get(id) === set) this.inFlight.delete(id);
    };
    try {
      const result = await op();
      const stream = streamOf(result);
      if (stream) finished(stream).catch(() => undefined).finally(release);
      else release();
      return result;
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Refuses new copies on `id` and waits for those in flight. */
  async drain(id: string): Promise<void> {
    this.removing.add(id);
    await Promise.all([...(this.inFlight.get(id) ?? [])]);
  }

  /** The container is gone (or stays): its id no longer refuses copies. */
  forget(id: string): void {
    this.removing.delete(id);
  }
}
