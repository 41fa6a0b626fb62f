/**
 * The live-restore figure (issue 13): what holding every workload under its own monitor (native/shim.c) costs a
 * `docker run --rm busybox true`. Our default daemon (live-restore on) against a second daemon of ours with
 * `liveRestore: false` (workloads are the daemon's children, as before), interleaved in the same run; the
 * goal: the run ÷ floor ratio grows by no more than 10%, i.e. on ÷ off ≤ 1.10 (figure 1 keeps run ÷ Docker).
 */
import { RUN_TRUE, type DockerTarget } from './docker-cli';
import { measureInterleaved, type Stats } from './measure';

/** The embedded default's plugins with the local backend's live-restore turned off. */
export function liveRestoreOffConfig(): string {
  return `export default ${JSON.stringify({
    plugins: ['store-sqlite', 'backend-local'],
    backends: { local: { driver: 'local', options: { liveRestore: false } } },
  })};\n`;
}

export interface LiveRestoreCost {
  on: Stats;
  off: Stats;
  /** on.median ÷ off.median: how much the run ÷ floor ratio grows with live-restore on. */
  growth: number;
  goalMaxGrowth: number;
  goalMet: boolean;
}

export async function measureLiveRestoreCost(on: DockerTarget, off: DockerTarget, runs: number, warmups: number): Promise<LiveRestoreCost> {
  const stats = await measureInterleaved([on, off], RUN_TRUE, { runs, warmups });
  const onStats = stats.get(on.label)!;
  const offStats = stats.get(off.label)!;
  const growth = Math.round((onStats.median / offStats.median) * 1000) / 1000;
  return { on: onStats, off: offStats, growth, goalMaxGrowth: 1.1, goalMet: growth <= 1.1 };
}
