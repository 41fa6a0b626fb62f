/**
 * Whole container lifecycles driven the way a test suite drives them: dockerode clients doing create, start,
 * wait, remove. Figure 3 counts how many an engine completes per second with 16 clients; figure 4 keeps 32
 * in flight as background load.
 */
import Dockerode from 'dockerode';
import { socketOf } from './api';
import { runConcurrently } from './concurrently';
import type { DockerTarget } from './docker-cli';
import { summarize, type Stats } from './measure';
import { IMAGE } from './workdir';

/** A dockerode client of its own (its own modem), as each test process in a suite would have. */
export const dockerodeClient = (t: DockerTarget) => new Dockerode({ socketPath: socketOf(t) });

/**
 * One create, start, wait, remove of `busybox true`; resolves with its wall time in ms. `onCreated` runs as
 * soon as the engine holds the container. A non-zero exit is a failure: its time would not be a lifecycle.
 */
export async function lifecycle(client: Dockerode, onCreated?: () => void): Promise<number> {
  const started = process.hrtime.bigint();
  const container = await client.createContainer({ Image: IMAGE, Cmd: ['true'] });
  onCreated?.();
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  await container.remove();
  if (StatusCode !== 0) throw new Error(`container ${container.id} exited ${StatusCode}, expected 0`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export interface Throughput {
  clients: number;
  /** Lifecycles counted (the warm-up round is not). */
  total: number;
  wallMs: number;
  perSecond: number;
  /** Each lifecycle's own wall time. */
  lifecycle: Stats;
}

/** Figure 3: `clients` dockerode clients share `total` lifecycles; lifecycles per second of wall time. */
export async function measureThroughput(t: DockerTarget, clients: number, total: number): Promise<Throughput> {
  const pool = Array.from({ length: clients }, () => dockerodeClient(t));
  // One round first, not counted: the clients' connections and the engine's first-container paths warm up.
  await runConcurrently(clients, clients, async (worker) => { await lifecycle(pool[worker]!); });
  const samples: number[] = [];
  const started = process.hrtime.bigint();
  await runConcurrently(total, clients, async (worker) => { samples.push(await lifecycle(pool[worker]!)); });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    clients,
    total,
    wallMs: Math.round(wallMs),
    perSecond: Math.round((total / (wallMs / 1000)) * 100) / 100,
    lifecycle: summarize(samples),
  };
}

/**
 * Background load for figure 4: `clients` dockerode clients, each starting its next lifecycle the moment
 * its last one ends, so exactly `clients` lifecycles stay in flight until `stop()`.
 */
export class LifecycleLoad {
  private completed = 0;
  private stopping = false;
  private failure: Error | undefined;
  private readonly failed: Promise<never>;
  private readonly allCreated: Promise<void>;
  private readonly workers: Promise<void>;

  constructor(t: DockerTarget, clients: number) {
    let rejectFailed!: (err: Error) => void;
    this.failed = new Promise<never>((_, reject) => { rejectFailed = reject; });
    // Observed through full(), check() and stop(); without this a failure nobody waits on would crash node.
    this.failed.catch(() => undefined);
    let created = 0;
    let markAllCreated!: () => void;
    this.allCreated = new Promise<void>((resolve) => { markAllCreated = resolve; });
    this.workers = Promise.all(Array.from({ length: clients }, async () => {
      const client = dockerodeClient(t);
      let first = true;
      const onCreated = () => {
        if (!first) return;
        first = false;
        if (++created === clients) markAllCreated();
      };
      try {
        while (!this.stopping) {
          await lifecycle(client, onCreated);
          this.completed++;
        }
      } catch (err) {
        this.stopping = true;
        if (!this.failure) {
          this.failure = new Error(`[${t.label}] background lifecycle failed: ${(err as Error).message}`);
          rejectFailed(this.failure);
        }
      }
    })).then(() => undefined);
  }

  /** Resolves once every client's first container exists in the engine: from then on the load is fully on. */
  full(): Promise<void> {
    return Promise.race([this.allCreated, this.failed]);
  }

  /** Throws the load's first failure: a run timed beside a load that broke would not be a loaded run. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Stops starting lifecycles, waits for the ones in flight to end; resolves with how many completed. */
  async stop(): Promise<number> {
    this.stopping = true;
    await this.workers;
    this.check();
    return this.completed;
  }
}
