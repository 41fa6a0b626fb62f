/**
 * `npm run bench`: times `docker run --rm busybox true` through the real docker CLI against our daemon
 * and against a private reference Docker Engine on the same machine, and reports the ratio.
 * See bench/README.md for what each figure means.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runDocker, runDockerOk, type DockerTarget } from './docker-cli';
import { REPO_ROOT, startDockerd, startSockerless, type Engine } from './engines';
import { measureInterleaved } from './measure';
import { buildFigure, formatPools, formatTable, gitCommit, machineInfo, writeJson, type BenchReport, type PoolsReport } from './report';
import { LIGHT_TENANTS, measureFairness, measurePoolOverhead, poolsConfig } from './pools-bench';
import { buildBusyboxTarball, makeWorkDir, removeWorkDir } from './workdir';

const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results', 'latest.json');
const IMAGE = 'busybox:latest';
const RUN_TRUE = ['run', '--rm', 'busybox', 'true'];

interface Options { quick: boolean; runs: number; warmups: number; noDocker: boolean; noPools: boolean; strict: boolean }

const USAGE = `usage: npm run bench -- [--quick] [--runs N] [--warmups N] [--no-docker] [--strict]
  --quick       10 runs and 2 warmups per engine (default: 30 and 5)
  --runs N      timed runs per engine
  --warmups N   untimed runs per engine before timing
  --no-docker   measure only our daemon (no ratio is reported)
  --no-pools    skip the pools figures (idle-pool overhead, fairness)
  --strict      exit 1 when a goal is missed`;

function parseOptions(argv: string[]): Options {
  const o: Options = { quick: false, runs: 30, warmups: 5, noDocker: false, noPools: false, strict: false };
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
    else if (a === '--strict') o.strict = true;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (o.quick) { o.runs = 10; o.warmups = 2; }
  if (runs !== undefined) o.runs = runs;
  if (warmups !== undefined) o.warmups = warmups;
  return o;
}

/**
 * Teardown steps, run last-registered first (daemons before the dir they live in), exactly once, whether
 * the run finishes, throws, or is interrupted.
 */
class Teardown {
  private steps: Array<() => Promise<void> | void> = [];
  private running: Promise<void> | undefined;
  add(step: () => Promise<void> | void): void { this.steps.push(step); }
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try { await step(); } catch (err) { console.error(`bench: teardown step failed: ${(err as Error).message}`); }
      }
    })();
    return this.running;
  }
}

const log = (msg: string) => console.error(`bench: ${msg}`);

/** Set on SIGINT/SIGTERM: the failures that follow (a CLI run cut short) are then expected, not news. */
let interrupted = false;

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

async function serverVersion(target: DockerTarget): Promise<string | null> {
  const r = await runDocker(target, ['version', '--format', '{{.Server.Version}}'], 10_000);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Both engines get the same tarball under the same name, so the image cannot explain a difference. */
async function importBusybox(engine: Engine, tarball: string): Promise<void> {
  await runDockerOk(engine.target, ['import', '--change', 'CMD ["/bin/sh"]', tarball, IMAGE]);
}

/** Starts the reference engine, or says why it cannot be used; the benchmark goes on without it. */
async function startReference(workDir: string, tarball: string, opts: Options, teardown: Teardown): Promise<{ engine: Engine | null; why: string | null }> {
  if (opts.noDocker) return { engine: null, why: '--no-docker was given' };
  if (!hasCommand('dockerd')) return { engine: null, why: 'dockerd is not installed (Debian package docker.io)' };
  let engine: Engine;
  try {
    engine = await startDockerd(workDir);
  } catch (err) {
    return { engine: null, why: (err as Error).message };
  }
  teardown.add(() => engine.stop());
  try {
    await importBusybox(engine, tarball);
    return { engine, why: null };
  } catch (err) {
    await engine.stop();
    return { engine: null, why: `${(err as Error).message}\n--- dockerd log (tail) ---\n${engine.logTail(30)}` };
  }
}

/** A second daemon of ours with the pools plugins: the idle-pool overhead against `ours`, then fairness. */
async function measurePools(workDir: string, tarball: string, ours: Engine, opts: Options, teardown: Teardown): Promise<PoolsReport> {
  log('starting sockerless with the pools plugins');
  const pooled = await startSockerless(workDir, { label: 'ours+pools', config: poolsConfig(), subdir: 'pools' });
  teardown.add(() => pooled.stop());
  await importBusybox(pooled, tarball);
  log(`timing docker ${RUN_TRUE.join(' ')} without pools and through an idle pool: ${opts.runs} runs each, interleaved`);
  const overhead = await measurePoolOverhead(ours.target, pooled.target, opts.runs, opts.warmups);
  const perTenant = opts.quick ? 10 : 30;
  log(`fairness: ${LIGHT_TENANTS} light tenants x ${perTenant} lifecycles, alone and beside one tenant at ${10}x its pool's capacity`);
  const fairness = await measureFairness(pooled.target, perTenant);
  return { overhead: { ...overhead, goalMs: 1, goalMet: overhead.admissionP99Ms < 1 }, fairness };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const teardown = new Teardown();
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: stopping daemons and removing the work dir`);
    void teardown.run().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const workDir = makeWorkDir();
    teardown.add(() => {
      for (const problem of removeWorkDir(workDir)) log(problem);
    });
    log(`work dir ${workDir}`);
    const tarball = buildBusyboxTarball(workDir);

    log('starting sockerless');
    const ours = await startSockerless(workDir);
    teardown.add(() => ours.stop());
    try {
      await importBusybox(ours, tarball);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- sockerless log (tail) ---\n${ours.logTail(30)}`);
    }

    log('starting the reference dockerd');
    const reference = await startReference(workDir, tarball, opts, teardown);
    if (!reference.engine) log(`measuring without a reference, so no ratio: ${reference.why}`);

    const targets = [ours.target, ...(reference.engine ? [reference.engine.target] : [])];
    log(`timing docker ${RUN_TRUE.join(' ')}: ${opts.warmups} warmups, then ${opts.runs} runs per engine, interleaved`);
    const round: string[] = [];
    let stats;
    try {
      stats = await measureInterleaved(targets, RUN_TRUE, {
        warmups: opts.warmups,
        runs: opts.runs,
        onSample: (label, i, ms) => {
          round.push(`${label} ${ms.toFixed(1)} ms`);
          if (label === targets[targets.length - 1]!.label) {
            log(`run ${i + 1}/${opts.runs}: ${round.join(', ')}`);
            round.length = 0;
          }
        },
      });
    } catch (err) {
      const tails = [`--- sockerless log (tail) ---\n${ours.logTail(20)}`];
      if (reference.engine) tails.push(`--- dockerd log (tail) ---\n${reference.engine.logTail(20)}`);
      throw new Error(`${(err as Error).message}\n${tails.join('\n')}`);
    }

    const pools = opts.noPools ? null : await measurePools(workDir, tarball, ours, opts, teardown);

    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      node: process.version,
      commit: gitCommit(REPO_ROOT),
      options: { quick: opts.quick, warmups: opts.warmups, runs: opts.runs },
      engines: {
        ours: { serverVersion: await serverVersion(ours.target) },
        docker: reference.engine ? { serverVersion: await serverVersion(reference.engine.target) } : null,
      },
      referenceUnavailable: reference.why,
      figures: [
        buildFigure('docker run --rm busybox true', RUN_TRUE, stats.get('ours')!, stats.get('docker') ?? null, {
          stat: 'median',
          maxRatio: 0.5,
          text: "ours <= 0.5 x Docker's median",
        }),
      ],
      pools,
    };
    console.log(`\n${formatTable(report)}`);
    if (pools) console.log(`\n${formatPools(pools)}`);
    writeJson(RESULTS_FILE, report);
    log(`wrote ${RESULTS_FILE}`);
    const missed = report.figures.some((f) => f.goalMet === false) || pools?.overhead.goalMet === false;
    return opts.strict && missed ? 1 : 0;
  } finally {
    await teardown.run();
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (interrupted) return;
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
