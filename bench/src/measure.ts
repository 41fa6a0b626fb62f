import { runDocker, type DockerTarget } from './docker-cli';

/** Summary of one engine's samples, in milliseconds. */
export interface Stats {
  runs: number;
  min: number;
  median: number;
  /** Nearest-rank p99: with fewer than 100 samples this is the slowest run. */
  p99: number;
  mean: number;
  max: number;
  /** Raw samples in the order they were taken, so a later reader can recompute anything. */
  samplesMs: number[];
}

export function summarize(samples: number[]): Stats {
  if (samples.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  // Median: the mean of the two middle samples for an even count, the usual definition.
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  // Nearest-rank percentile (no interpolation): it always names a run that really happened.
  const p99 = sorted[Math.min(n - 1, Math.ceil(0.99 * n) - 1)]!;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    runs: n,
    min: round(sorted[0]!),
    median: round(median),
    p99: round(p99),
    mean: round(samples.reduce((a, b) => a + b, 0) / n),
    max: round(sorted[n - 1]!),
    samplesMs: samples.map(round),
  };
}

export interface MeasureOptions {
  /** Untimed runs per engine first: page cache, JIT, sqlite and dockerd's first-run setup warm up here. */
  warmups: number;
  /** Timed runs per engine. */
  runs: number;
  /** Extra environment for the CLI (DOCKER_BUILDKIT=0 for the build figure). */
  env?: Record<string, string>;
  /** Called after every timed run, for progress output. */
  onSample?: (label: string, index: number, ms: number) => void;
}

/** One timed CLI invocation; a failed run aborts the benchmark, since its time would mean nothing. */
export async function timedRun(target: DockerTarget, args: string[], env?: Record<string, string>): Promise<number> {
  const r = await runDocker(target, args, undefined, env);
  if (r.code !== 0) {
    throw new Error(`[${target.label}] docker ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.elapsedMs;
}

/**
 * Times the same docker CLI command on each target, interleaved (A, B, A, B, ...): on a shared 2-core box
 * a burst of background load then lands on both engines alike instead of skewing whichever ran during it.
 * Runs are sequential, never concurrent, so the engines do not compete with each other for CPU.
 */
export async function measureInterleaved(targets: DockerTarget[], args: string[], opts: MeasureOptions): Promise<Map<string, Stats>> {
  for (let i = 0; i < opts.warmups; i++) {
    for (const t of targets) await timedRun(t, args, opts.env);
  }
  const samples = new Map<string, number[]>(targets.map((t) => [t.label, []]));
  for (let i = 0; i < opts.runs; i++) {
    for (const t of targets) {
      const ms = await timedRun(t, args, opts.env);
      samples.get(t.label)!.push(ms);
      opts.onSample?.(t.label, i, ms);
    }
  }
  return new Map([...samples].map(([label, s]) => [label, summarize(s)]));
}
