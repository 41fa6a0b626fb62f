/**
 * Figures 5 and 7 at scale: 1,000 created (not started) containers in the store, then how long
 * `GET /containers/json?all=1` takes and how much memory the engine holds per tracked container.
 */
import { ok, call } from './api';
import { runConcurrently } from './concurrently';
import type { DockerTarget } from './docker-cli';
import type { Engine } from './engines';
import { summarize, type Stats } from './measure';
import { quietRssKiB, type Rss } from './rss';
import { IMAGE } from './workdir';

export const SCALE_CONTAINERS = 1_000;
const CREATE_CONCURRENCY = 16;
const LIST_WARMUPS = 5;
const LIST_RUNS = 100;
const LIST_ALL = '/containers/json?all=1';

/** Figure 5, one engine. */
export interface ListAtScale {
  containers: number;
  /** Wall time of all the creates, CREATE_CONCURRENCY at a time. */
  createWallMs: number;
  createConcurrency: number;
  /** `GET /containers/json?all=1`, sequential, over one keep-alive connection, after LIST_WARMUPS. */
  list: Stats;
}

export async function createContainers(t: DockerTarget, count: number): Promise<number> {
  const started = process.hrtime.bigint();
  await runConcurrently(count, CREATE_CONCURRENCY, async () => {
    await ok(t, 'POST', '/containers/create', { Image: IMAGE, Cmd: ['true'] });
  });
  return Math.round(Number(process.hrtime.bigint() - started) / 1e6);
}

/** One timed list; every answer must hold all the containers, or the time would be for a different list. */
async function timedList(t: DockerTarget, expected: number): Promise<number> {
  const started = process.hrtime.bigint();
  const r = await call(t, 'GET', LIST_ALL);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 200) throw new Error(`[${t.label}] GET ${LIST_ALL} answered ${r.status}: ${r.text}`);
  const count = (JSON.parse(r.text) as unknown[]).length;
  if (count !== expected) throw new Error(`[${t.label}] GET ${LIST_ALL} listed ${count} containers, expected ${expected}`);
  return ms;
}

/**
 * Fills an engine that holds no container yet with SCALE_CONTAINERS created containers, times the list,
 * and reads its memory. `idleKiB` was read by the caller on the same engine before any container.
 */
export async function measureAtScale(engine: Engine, idleKiB: number): Promise<{ scale: ListAtScale; rss: Rss }> {
  const t = engine.target;
  const createWallMs = await createContainers(t, SCALE_CONTAINERS);
  for (let i = 0; i < LIST_WARMUPS; i++) await timedList(t, SCALE_CONTAINERS);
  const samples: number[] = [];
  for (let i = 0; i < LIST_RUNS; i++) samples.push(await timedList(t, SCALE_CONTAINERS));
  const atScaleKiB = await quietRssKiB(engine);
  return {
    scale: { containers: SCALE_CONTAINERS, createWallMs, createConcurrency: CREATE_CONCURRENCY, list: summarize(samples) },
    rss: { idleKiB, atScaleKiB, perContainerKiB: Math.round(((atScaleKiB - idleKiB) / SCALE_CONTAINERS) * 100) / 100 },
  };
}
