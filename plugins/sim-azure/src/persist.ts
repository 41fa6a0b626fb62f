import { mkdirSync, readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@sockerless/sdk';
import type { Persistence } from './context';

/** How long changes gather before one write: a burst of log lines or task transitions is one file write. */
const COALESCE_MS = 250;

/**
 * One JSON file per service under `dir` (`ecs.json`, `logs.json`, ...), written atomically (a temp file
 * renamed over the old one), so a crash leaves either the previous or the next snapshot, never half of one.
 */
export class FilePersistence implements Persistence {
  private readonly pending = new Map<string, () => unknown>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private frozen = false;

  constructor(private readonly dir: string, private readonly logger: Logger) {
    mkdirSync(dir, { recursive: true });
  }

  load<T>(name: string): T | undefined {
    try {
      return JSON.parse(readFileSync(this.file(name), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn('simulator state unreadable; starting empty', { name, err: (err as Error).message });
      return undefined;
    }
  }

  changed(name: string, snapshot: () => unknown): void {
    if (this.frozen) return;
    this.pending.set(name, snapshot);
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.writePending(); }, COALESCE_MS);
  }

  /** Writes what is pending now and waits for every write in flight. */
  async flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    await this.writePending();
  }

  /**
   * Flushes, then ignores later changes: what the simulator does while it goes down (killing its workloads)
   * is not what a restarted one should find, as if it had died at this moment.
   */
  async freeze(): Promise<void> {
    await this.flush();
    this.frozen = true;
  }

  private writePending(): Promise<void> {
    const batch = [...this.pending.entries()];
    this.pending.clear();
    // Snapshots are taken now, in order; writes are chained so an older snapshot never lands after a newer one.
    const docs = batch.map(([name, snap]) => [name, JSON.stringify(snap())] as const);
    this.writing = this.writing.then(async () => {
      for (const [name, json] of docs) {
        const tmp = `${this.file(name)}.${process.pid}.tmp`;
        try {
          // 0600: task definitions carry the workloads' env.
          await fs.writeFile(tmp, json, { mode: 0o600 });
          await fs.rename(tmp, this.file(name));
        } catch (err) {
          this.logger.error('simulator state write failed', { name, err: (err as Error).message });
        }
      }
    });
    return this.writing;
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`);
  }
}
