/** Command-line options and the sample counts they imply for every figure. */
import type { CloudName } from './cloud-bench';

export interface Options { only: 'restart' | 'tracing' | 'build' | 'baseline' | CloudName | 'ci' | null; quick: boolean; runs: number; warmups: number; noDocker: boolean; noPools: boolean; noAws: boolean; noGcp: boolean; noAca: boolean; noCi: boolean; noTracing: boolean; baseline: string | null; noFuzz: boolean; noTornState: boolean; noChaos: boolean; strict: boolean }

export const USAGE = `usage: npm run bench -- [--only restart|tracing|build|baseline|aws|gcp|aca|ci] [--quick] [--runs N] [--warmups N] [--no-docker] [--no-pools] [--no-aws] [--no-gcp] [--no-aca] [--no-ci] [--no-tracing] [--baseline DIR] [--no-fuzz] [--no-torn-state] [--no-chaos] [--strict]
  --quick       fewer samples everywhere (a smoke check, under 2 minutes): 10 runs and 2 warmups per engine,
                64 lifecycles, 5 boots, Docker's contention runs cut to 5, Docker at 1,000 containers skipped
  --runs N      timed CLI runs per engine (figures 1, 2, 4 and the pools overhead)
  --warmups N   untimed runs per engine before timing
  --no-docker   measure only our daemon (no ratio against Docker is reported)
  --no-pools    skip the pools figures (idle-pool overhead, fairness)
  --no-aws      skip the AWS figure (docker run through ECS on the in-process simulator / on backend-local)
  --no-gcp      skip the Google Cloud figure (docker run through Cloud Run on the in-process simulator / on backend-local)
  --no-aca      skip the Azure figure (docker run through Container Apps on the in-process simulator / on backend-local)
  --no-ci       skip the CI figure (GitHub job queued on the simulator to its runner container running, 20 jobs)
  --no-tracing  skip the tracing figure (docker run with the otel plugin exporting / without it)
  --no-fuzz     skip the fuzz figure (100,000 fuzzed requests, 10,000 with --quick)
  --no-torn-state  skip the torn-state figure (200 torn homes, 20 with --quick)
  --no-chaos    skip the chaos figure (1,000 kill -9s under a mixed workload, 30 with --quick)
  --strict      exit 1 when a goal is missed
  --only ci     only the CI figure
  --only build  only the build figure (docker build, cold and cached, against the reference dockerd)
  --only aws, --only gcp, --only aca  only that cloud figure: a daemon on backend-local and one with
                --preset aws-sim, gcp-sim or azure-sim, interleaved; no reference engine
  --only restart  only figure 9 (restarts and graceful stops with 1,000 containers in the store), on a
                home filled for it; no reference engine, nothing else measured
  --only tracing  only the tracing figure: our default daemon and one with the otel plugin, interleaved
  --only baseline  with --baseline DIR: this build against the build in DIR, both on the embedded default:
                figure 1 interleaved and figure 3 in alternating rounds (a refactor must not make them worse)
  --baseline DIR  another checkout, built with tsc -b. With --only tracing: also its default daemon,
                interleaved, to show tracing off costs nothing against the code before it`;

export function parseOptions(argv: string[]): Options {
  const o: Options = { only: null, quick: false, runs: 30, warmups: 5, noDocker: false, noPools: false, noAws: false, noGcp: false, noAca: false, noCi: false, noTracing: false, baseline: null, noFuzz: false, noTornState: false, noChaos: false, strict: false };
  let runs: number | undefined;
  let warmups: number | undefined;
  const count = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') runs = count(a, argv[++i], 1);
    else if (a === '--warmups') warmups = count(a, argv[++i], 0);
    else if (a === '--no-docker') o.noDocker = true;
    else if (a === '--no-pools') o.noPools = true;
    else if (a === '--no-aws') o.noAws = true;
    else if (a === '--no-gcp') o.noGcp = true;
    else if (a === '--no-aca') o.noAca = true;
    else if (a === '--no-ci') o.noCi = true;
    else if (a === '--no-tracing') o.noTracing = true;
    else if (a === '--baseline' && argv[i + 1]) o.baseline = argv[++i]!;
    else if (a === '--no-fuzz') o.noFuzz = true;
    else if (a === '--no-torn-state') o.noTornState = true;
    else if (a === '--no-chaos') o.noChaos = true;
    else if (a === '--strict') o.strict = true;
    else if (a === '--only' && ['restart', 'tracing', 'build', 'baseline', 'aws', 'gcp', 'aca', 'ci'].includes(argv[i + 1] ?? '')) { o.only = argv[++i] as Options['only']; }
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (o.only === 'baseline' && !o.baseline) throw new Error(`--only baseline needs --baseline DIR\n${USAGE}`);
  if (o.quick) { o.runs = 10; o.warmups = 2; }
  if (runs !== undefined) o.runs = runs;
  if (warmups !== undefined) o.warmups = warmups;
  return o;
}

export interface Counts {
  /** Figures 1 and 2 and the pools overhead: CLI runs per engine. */
  warmups: number;
  runs: number;
  /** Figure 3: concurrent dockerode clients and the lifecycles they share (after one uncounted round). */
  lifecycleClients: number;
  lifecycles: number;
  /** Figure 4: solo and loaded CLI runs per engine. Docker's loaded runs take seconds each, hence its cut. */
  contentionRuns: { ours: number; docker: number };
  /** Figure 5/7: whether Docker is filled with 1,000 containers too (about a minute with vfs). */
  dockerAtScale: boolean;
  /** Figure 6: boots of our daemon. */
  boots: number;
  /** Figure 9: restarts of our daemon on the home holding figure 5's containers. */
  restarts: number;
}

export function countsFor(o: Options): Counts {
  return {
    warmups: o.warmups,
    runs: o.runs,
    lifecycleClients: 16,
    lifecycles: o.quick ? 64 : 320,
    contentionRuns: { ours: o.runs, docker: o.quick ? Math.min(5, o.runs) : o.runs },
    dockerAtScale: !o.quick,
    boots: o.quick ? 5 : 10,
    restarts: o.quick ? 5 : 10,
  };
}
