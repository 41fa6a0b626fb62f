import type { Logger, ManagedWorkload, WorkloadIdentity } from '@sockerless/sdk';
import type { ContainerEngine } from './container-engine';

/** What a backend said about a workload the store has no record of. */
export type UnrecordedWorkload =
  | { kind: 'identified'; identity: WorkloadIdentity }
  /** It runs: a process is never killed for want of a record here (recovery reattaches or leaves it). */
  | { kind: 'running' }
  /** Its identity could not be read (an I/O error, not a missing file): kept, to be looked at again next boot. */
  | { kind: 'unreadable'; err: string }
  /** Neither running nor identified: the remains of a create or a remove that a crash cut. */
  | { kind: 'leftover' };

export async function classifyUnrecorded(w: ManagedWorkload): Promise<UnrecordedWorkload> {
  let identity = w.identity;
  if (!identity && w.readIdentity) {
    try {
      identity = await w.readIdentity();
    } catch (err) {
      return { kind: 'unreadable', err: (err as Error).message };
    }
  }
  if (identity) return { kind: 'identified', identity };
  return w.running ? { kind: 'running' } : { kind: 'leftover' };
}

/**
 * Removes the backend state a crash left half-made or half-removed: a create writes it before the record, a remove
 * drops it before the record, so a `kill -9` between leaves state with no record or identity. dockerd's restore keeps
 * such a dir for ever ("failed to load container"); here it holds nothing a client could get back, so it goes. No
 * create runs meanwhile (recovery-gate.ts holds them). Logged once, with the ids.
 */
export async function removeLeftovers(engine: ContainerEngine, leftovers: Array<{ instance: string; id: string }>, logger: Logger): Promise<void> {
  if (leftovers.length === 0) return;
  const removed: string[] = [];
  await Promise.all(leftovers.map(async ({ instance, id }) => {
    try {
      await engine.deps.backends.get(instance)?.remove(id);
      removed.push(id);
    } catch (err) {
      logger.warn('could not remove what a backend holds for a container that was never recorded', { backend: instance, id, err: (err as Error).message });
    }
  }));
  if (removed.length > 0) {
    logger.warn('removed backend state left by a create or remove that a crash cut (no record, no identity, not running)', { count: removed.length, ids: removed });
  }
}

/**
 * The logs of containers with no record (`destroy` deletes the record first); called only when every backend could
 * list its workloads, since an unreported container may still be rebuilt next boot, with its log.
 */
export async function removeUnrecordedLogDirs(engine: ContainerEngine, logger: Logger): Promise<void> {
  const stale = await engine.deps.logs.removeUnrecorded?.((id) => engine.containers.get(id) !== undefined) ?? [];
  if (stale.length) logger.warn('removed the log dirs of containers with no record (a remove that a crash cut)', { count: stale.length, ids: stale });
}
