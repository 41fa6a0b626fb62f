/**
 * `--only baseline --baseline DIR`: this build against another build of ours (a checkout of an earlier commit,
 * built with `tsc -b`), both on the embedded default config, in the same run. A refactor that must not make
 * the bench worse (issue 18: "the bench figures do not get worse") is judged by these ratios, not by figures
 * from runs on different days: figure 1 (`docker run --rm busybox true`) interleaved run by run, and figure 3
 * (lifecycles per second over 16 dockerode clients) in rounds that alternate which build goes first.
 */
import { RUN_TRUE, type DockerTarget } from './docker-cli';
import { measureThroughput } from './lifecycles';
import { measureInterleaved, summarize, type Stats } from './measure';
import type { Counts } from './options';

export interface BaselineComparison {
  baselineDir: string;
  run: { ours: Stats; baseline: Stats; ratio: number };
  lifecycles: { ours: number[]; baseline: number[]; oursMedian: number; baselineMedian: number; ratio: number };
}

const ratioOf = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

export async function compareWithBaseline(ours: DockerTarget, baseline: DockerTarget, baselineDir: string, counts: Counts, rounds: number, log: (s: string) => void): Promise<BaselineComparison> {
  const stats = await measureInterleaved([ours, baseline], RUN_TRUE, { warmups: counts.warmups, runs: counts.runs });
  const run = { ours: stats.get(ours.label)!, baseline: stats.get(baseline.label)! };
  log(`figure 1: ours median ${run.ours.median} ms, baseline median ${run.baseline.median} ms`);
  const perSecond = new Map<string, number[]>([[ours.label, []], [baseline.label, []]]);
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so a build never always runs right after the other's burst of removals.
    for (const t of r % 2 === 0 ? [ours, baseline] : [baseline, ours]) {
      const throughput = await measureThroughput(t, counts.lifecycleClients, counts.lifecycles);
      perSecond.get(t.label)!.push(throughput.perSecond);
      log(`figure 3, round ${r + 1}/${rounds}: ${t.label} ${throughput.perSecond}/s`);
    }
  }
  const oursRates = perSecond.get(ours.label)!;
  const baselineRates = perSecond.get(baseline.label)!;
  const oursMedian = summarize(oursRates).median;
  const baselineMedian = summarize(baselineRates).median;
  return {
    baselineDir,
    run: { ...run, ratio: ratioOf(run.ours.median, run.baseline.median) },
    lifecycles: { ours: oursRates, baseline: baselineRates, oursMedian, baselineMedian, ratio: ratioOf(oursMedian, baselineMedian) },
  };
}

export function formatBaselineComparison(c: BaselineComparison): string {
  return [
    `| figure | this build | baseline (${c.baselineDir}) | this ÷ baseline |`,
    '|---|---|---|---|',
    `| docker run --rm busybox true, median (lower is better) | ${c.run.ours.median} ms | ${c.run.baseline.median} ms | ${c.run.ratio} |`,
    `| lifecycles/s, median of ${c.lifecycles.ours.length} rounds (higher is better) | ${c.lifecycles.oursMedian} (${c.lifecycles.ours.join(', ')}) | ${c.lifecycles.baselineMedian} (${c.lifecycles.baseline.join(', ')}) | ${c.lifecycles.ratio} |`,
  ].join('\n');
}
