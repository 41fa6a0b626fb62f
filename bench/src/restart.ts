/**
 * Figure 9, recovery at scale: our daemon restarted on a home that holds 1,000 created containers (the home
 * figure 5 filled), each time timed from spawn() to its first 200 on GET /_ping and to a full
 * `GET /containers/json?all=1` that lists every one of them; and how long a graceful stop (SIGTERM to exit)
 * takes with those containers in the store.
 */
import { call } from './api';
import { isAlive } from './child-stop';
import { startSockerless, type Engine } from './engines';
import { summarize, type Stats } from './measure';
import type { Teardown } from './teardown';

const LIST_ALL = '/containers/json?all=1';

export interface RestartFigures {
  containers: number;
  /** spawn() to the first 200 on GET /_ping. */
  firstPing: Stats;
  /** spawn() to a 200 on GET /containers/json?all=1 that lists every container. */
  fullList: Stats;
  /** SIGTERM to exit, one per restart (timedStop). */
  gracefulStop: Stats;
  /**
   * The same for the daemon that created the containers, which mounted their 1,000 roots at create and
   * unmounts them all (the restarted ones mount none until a container is started).
   */
  stopAfterFillMs: number;
}

/** Lists until the answer holds every container: the list a client sees right after the boot. */
async function msUntilFullList(engine: Engine, expected: number, spawnedAgoMs: number): Promise<number> {
  const started = process.hrtime.bigint();
  const r = await call(engine.target, 'GET', LIST_ALL);
  if (r.status !== 200) throw new Error(`GET ${LIST_ALL} answered ${r.status}: ${r.text}`);
  const count = (JSON.parse(r.text) as unknown[]).length;
  if (count !== expected) throw new Error(`GET ${LIST_ALL} listed ${count} containers after a restart, expected ${expected}`);
  return spawnedAgoMs + Number(process.hrtime.bigint() - started) / 1e6;
}

/** How long a timed graceful stop may take before the bench gives up on it (and SIGKILLs, via `stop()`). */
const STOP_BOUND_MS = 180_000;

/**
 * SIGTERM to exit, timed to the end (bounded by STOP_BOUND_MS, not by the 15 s of `engine.stop()`): a stop
 * cut short by a SIGKILL would leave its unmounts running into the next boot and into its figures.
 */
export async function timedStop(engine: Engine): Promise<number> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  try { process.kill(engine.pid, 'SIGTERM'); } catch { return 0; }
  while (isAlive(engine.pid) && elapsed() < STOP_BOUND_MS) await new Promise((r) => setTimeout(r, 10));
  const ms = elapsed();
  await engine.stop();
  return Math.min(ms, STOP_BOUND_MS);
}

/**
 * `restarts` boots of our daemon on the home of `subdir` (the same config, home and socket as the daemon
 * that filled it, which is stopped), each followed by a full list and a graceful stop.
 */
export async function measureRestarts(workDir: string, subdir: string, containers: number, restarts: number, stopAfterFillMs: number, teardown: Teardown): Promise<RestartFigures> {
  const ping: number[] = [];
  const list: number[] = [];
  const stop: number[] = [];
  for (let i = 1; i <= restarts; i++) {
    const engine = await startSockerless(workDir, { label: `restart-${i}`, subdir });
    teardown.add(() => engine.stop());
    ping.push(engine.bootMs);
    list.push(await msUntilFullList(engine, containers, engine.bootMs));
    stop.push(await timedStop(engine));
  }
  return { containers, firstPing: summarize(ping), fullList: summarize(list), gracefulStop: summarize(stop), stopAfterFillMs: Math.round(stopAfterFillMs * 100) / 100 };
}
