/**
 * Figure 4: how much one `docker run --rm busybox true` suffers while 32 other lifecycles are in flight,
 * as p99 loaded ÷ p99 solo on the same engine. An engine that serialises work behind a global lock, or
 * lets a crowd starve a newcomer, shows a large factor even when its solo time is good.
 */
import { RUN_TRUE, type DockerTarget } from './docker-cli';
import { LifecycleLoad } from './lifecycles';
import { summarize, timedRun, type Stats } from './measure';

export const IN_FLIGHT = 32;

export interface Contention {
  /** Lifecycles kept in flight around the loaded runs. */
  inFlight: number;
  solo: Stats;
  loaded: Stats;
  /** loaded.p99 / solo.p99 (nearest rank). */
  p99Factor: number;
  /** Background lifecycles completed while the loaded runs were timed (plus the drain). */
  backgroundCompleted: number;
}

export async function measureContention(t: DockerTarget, runs: number, onRun?: (phase: string, i: number, ms: number) => void): Promise<Contention> {
  const solo: number[] = [];
  for (let i = 0; i < runs; i++) {
    solo.push(await timedRun(t, RUN_TRUE));
    onRun?.('solo', i, solo[i]!);
  }
  const load = new LifecycleLoad(t, IN_FLIGHT);
  const loaded: number[] = [];
  try {
    await load.full();
    for (let i = 0; i < runs; i++) {
      const ms = await timedRun(t, RUN_TRUE);
      load.check();
      loaded.push(ms);
      onRun?.('loaded', i, ms);
    }
  } catch (err) {
    // Drain before failing, so no lifecycle is still talking to the engine when teardown stops it.
    await load.stop().catch(() => undefined);
    throw err;
  }
  const backgroundCompleted = await load.stop();
  const soloStats = summarize(solo);
  const loadedStats = summarize(loaded);
  return {
    inFlight: IN_FLIGHT,
    solo: soloStats,
    loaded: loadedStats,
    p99Factor: Math.round((loadedStats.p99 / soloStats.p99) * 100) / 100,
    backgroundCompleted,
  };
}
