import type { Simulator } from '../contracts/simulator';
import type { FilePersistence } from './persist';

/** A simulator once it listens: its endpoint, and how to end it. */
export interface ListeningSimulator {
  endpoint: string;
  /** The PEM a client must trust (https with the simulator's own certificate). */
  caFile?: string;
  /** Stops accepting calls and closes the connections. */
  closeListener(): Promise<void>;
  /** Ends what its services run (executions, invocations), after their state was frozen as it stood; none for a forge. */
  endWorkloads?(): Promise<void>;
}

export interface PersistentSimulator extends Simulator {
  /** Writes pending state now. */
  flush(): Promise<void>;
}

/**
 * The start and stop every cloud simulator shares: one start at a time; a stop closes the listener first,
 * freezes the state as it stood (as if the simulator had died now, so a restart finds what ran recorded as it
 * was), then ends the workloads and closes the sandbox runner.
 */
export function persistentSimulator(p: {
  name: string;
  /** For messages: `AWS`, `GCP`, `Azure`. */
  label: string;
  persist: FilePersistence;
  /** The sandbox runner of its workloads; none for a simulator that runs none (the forges). */
  runner?: { close(): Promise<void> };
  /** Loads the state, makes the services and listens. */
  listen(at: { host: string; port: number }): Promise<ListeningSimulator>;
}): PersistentSimulator {
  let running: ListeningSimulator | undefined;
  return {
    name: p.name,
    async start(at) {
      if (running) throw new Error(`the ${p.label} simulator is already started`);
      running = await p.listen(at);
      return { endpoint: running.endpoint, ...(running.caFile ? { caFile: running.caFile } : {}) };
    },
    async stop() {
      const r = running;
      running = undefined;
      if (!r) return;
      await r.closeListener();
      await p.persist.freeze();
      await r.endWorkloads?.();
      await p.runner?.close();
    },
    flush: () => p.persist.flush(),
  };
}
