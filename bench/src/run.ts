/**
 * `npm run bench`: starts our daemon and a private reference Docker Engine side by side, measures every
 * figure of bench/README.md on both (the docker CLI, dockerode clients, the raw API), and prints one table
 * of ours, Docker's, the ratio and the goal, plus the pools figures.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { measureCi, measureCloud, onlyCi, onlyCloud } from './simulated-figures';
import { log, step } from './step';
import { measureBoots } from './boot';
import { measureContention } from './contention';
import { runDocker, RUN_TRUE, type DockerTarget } from './docker-cli';
import { importBusybox, REPO_ROOT, sockerlessMainOf, startDockerd, startSockerless, type Engine } from './engines';
import { measureFloor } from './floor';
import { liveRestoreOffConfig, measureLiveRestoreCost, type LiveRestoreCost } from './live-restore-bench';
import { FUZZ_REQUESTS, runFuzzHarness } from './fuzz-bench';
import { CHAOS_KILLS, runChaosHarness } from './chaos-bench';
import { measureThroughput } from './lifecycles';
import { measureInterleaved, type Stats } from './measure';
import { countsFor, parseOptions, type Counts, type Options } from './options';
import { LIGHT_TENANTS, measureFairness, measurePoolOverhead, poolsConfig } from './pools-bench';
import { buildFigure, formatPools, formatRows, formatTable, gitCommit, machineInfo, writeJson, type BenchReport, type PoolsReport } from './report';
import { measureRestarts, timedStop, type RestartFigures } from './restart';
import { buildOnlyRows, buildRestartRows, buildRows, buildTracingRows, type Measured } from './rows';
import { measureTracingCost, startSpanSink, tracingOnConfig, type TracingCost } from './tracing-bench';
import { quietRssKiB } from './rss';
import { createContainers, measureAtScale, SCALE_CONTAINERS } from './scale';
import { Teardown } from './teardown';
import { measureTornState } from './torn-state';
import { buildBusyboxTarball, busyboxRootfs, makeWorkDir, removeWorkDir } from './workdir';
import { measureBuild } from './build-bench';
import { compareWithBaseline, formatBaselineComparison } from './baseline-bench';

const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results', 'latest.json');


/** Set on SIGINT/SIGTERM: the failures that follow (a CLI run cut short) are then expected, not news. */
let interrupted = false;

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

async function serverVersion(target: DockerTarget): Promise<string | null> {
  const r = await runDocker(target, ['version', '--format', '{{.Server.Version}}'], 10_000);
  return r.code === 0 ? r.stdout.trim() : null;
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

/** Figure 1: `docker run --rm busybox true` through the CLI, both engines interleaved. */
async function measureRun(targets: DockerTarget[], counts: Counts): Promise<Measured['run']> {
  const round: string[] = [];
  const stats = await measureInterleaved(targets, RUN_TRUE, {
    warmups: counts.warmups,
    runs: counts.runs,
    onSample: (label, i, ms) => {
      round.push(`${label} ${ms.toFixed(1)} ms`);
      if (label === targets[targets.length - 1]!.label) {
        log(`run ${i + 1}/${counts.runs}: ${round.join(', ')}`);
        round.length = 0;
      }
    },
  });
  return buildFigure('docker run --rm busybox true', RUN_TRUE, stats.get('ours')!, stats.get('docker') ?? null, {
    stat: 'median',
    maxRatio: 0.5,
    text: "ours <= 0.5 x Docker's median",
  });
}

/**
 * Figures 5 and 7 on a fresh daemon of ours (the main one has run hundreds of containers by now), then on
 * the reference, whose idle memory was read right after its import. Docker's fill is its last use: its
 * 1,000 containers stay until its data root goes with the work dir.
 */
async function measureScaleFigures(workDir: string, tarball: string, reference: Engine | null, dockerIdleKiB: number | null, counts: Counts, teardown: Teardown): Promise<Pick<Measured, 'scale' | 'rss'> & { stopAfterFillMs: number }> {
  const scaleDaemon = await startSockerless(workDir, { label: 'ours-scale', subdir: 'scale' });
  teardown.add(() => scaleDaemon.stop());
  const ours = await step('figures 5 and 7: idle RSS, 1,000 creates, list, RSS on a fresh daemon of ours', [scaleDaemon], async () => {
    await importBusybox(scaleDaemon, tarball);
    return measureAtScale(scaleDaemon, await quietRssKiB(scaleDaemon));
  });
  // Figure 9's first graceful stop: the one daemon that mounted the 1,000 roots (at create) unmounts them.
  const stopAfterFillMs = await timedStop(scaleDaemon);
  let docker: Awaited<ReturnType<typeof measureAtScale>> | null = null;
  if (reference && dockerIdleKiB !== null && counts.dockerAtScale) {
    docker = await step("figures 5 and 7: 1,000 creates, list, RSS on Docker's engine", [reference], () => measureAtScale(reference, dockerIdleKiB));
  }
  return {
    stopAfterFillMs,
    scale: { ours: ours.scale, docker: docker?.scale ?? null },
    rss: {
      ours: ours.rss,
      docker: docker?.rss ?? (dockerIdleKiB === null ? null : { idleKiB: dockerIdleKiB, atScaleKiB: null, perContainerKiB: null }),
    },
  };
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

/** A second daemon of ours with live-restore off: what the per-container monitor costs a run. */
async function measureLiveRestore(workDir: string, tarball: string, ours: Engine, opts: Options, teardown: Teardown): Promise<LiveRestoreCost> {
  const off = await startSockerless(workDir, { label: 'ours-no-live-restore', config: liveRestoreOffConfig(), subdir: 'no-live-restore' });
  teardown.add(() => off.stop());
  await importBusybox(off, tarball);
  const cost = await step(`the live-restore figure: docker ${RUN_TRUE.join(' ')} with live-restore on and off, ${opts.runs} runs each, interleaved`, [ours, off],
    () => measureLiveRestoreCost(ours.target, off.target, opts.runs, opts.warmups));
  log(`live-restore: on median ${cost.on.median} ms, off median ${cost.off.median} ms, growth ${cost.growth}`);
  await off.stop();
  return cost;
}

/** A second daemon of ours with the otel plugin, exporting to a sink here: what tracing costs a run. */
async function measureTracing(workDir: string, tarball: string, ours: Engine, opts: Options, teardown: Teardown): Promise<TracingCost> {
  const sink = await startSpanSink();
  teardown.add(() => sink.close());
  const traced = await startSockerless(workDir, { label: 'ours-traced', config: tracingOnConfig(sink.url), subdir: 'traced' });
  teardown.add(() => traced.stop());
  await importBusybox(traced, tarball);
  const baseline = opts.baseline && opts.only === 'tracing'
    ? await startSockerless(workDir, { label: 'ours-baseline', subdir: 'baseline', main: sockerlessMainOf(resolve(opts.baseline)) })
    : undefined;
  if (baseline) {
    teardown.add(() => baseline.stop());
    await importBusybox(baseline, tarball);
  }
  const engines = baseline ? [ours, baseline, traced] : [ours, traced];
  const cost = await step(`the tracing figure: docker ${RUN_TRUE.join(' ')} without a tracing plugin${baseline ? ', on the baseline build' : ''} and with the otel plugin, ${opts.runs} runs each, interleaved`, engines,
    () => measureTracingCost(ours.target, traced.target, sink, () => traced.stop(), opts.runs, opts.warmups, baseline && opts.baseline ? { dir: opts.baseline, target: baseline.target } : undefined));
  log(`tracing: off median ${cost.off.median} ms, on median ${cost.on.median} ms, ratio ${cost.ratio}${cost.baseline ? `; baseline median ${cost.baseline.stats.median} ms, off / baseline ${cost.baseline.offRatio}` : ''}`);
  await baseline?.stop();
  await sink.close();
  return cost;
}

/** `--only tracing`: our default daemon (tracing off) and a traced one, nothing else. */
async function onlyTracing(workDir: string, tarball: string, opts: Options, teardown: Teardown): Promise<void> {
  const ours = await startSockerless(workDir);
  teardown.add(() => ours.stop());
  await importBusybox(ours, tarball);
  const cost = await measureTracing(workDir, tarball, ours, opts, teardown);
  console.log(`\n${formatRows(buildTracingRows(cost))}`);
  const brief = (s: Stats) => ({ ...s, samplesMs: undefined });
  console.log(JSON.stringify({
    off: brief(cost.off), on: brief(cost.on), ratio: cost.ratio, exports: cost.exports, exportedKiB: cost.exportedKiB, spansPerRun: cost.spansPerRun,
    ...(cost.baseline ? { baseline: { dir: cost.baseline.dir, ...brief(cost.baseline.stats) }, offOverBaseline: cost.baseline.offRatio } : {}),
  }));
}

/** `--only baseline`: this build and the build in `--baseline DIR`, figures 1 and 3, nothing else. */
async function onlyBaseline(workDir: string, tarball: string, opts: Options, counts: Counts, teardown: Teardown): Promise<void> {
  const ours = await startSockerless(workDir);
  teardown.add(() => ours.stop());
  const baseline = await startSockerless(workDir, { label: 'ours-baseline', subdir: 'baseline', main: sockerlessMainOf(resolve(opts.baseline!)) });
  teardown.add(() => baseline.stop());
  await Promise.all([importBusybox(ours, tarball), importBusybox(baseline, tarball)]);
  const comparison = await step(`this build against ${opts.baseline}: figure 1 interleaved, figure 3 in 4 alternating rounds`, [ours, baseline],
    () => compareWithBaseline(ours.target, baseline.target, opts.baseline!, counts, 4, log));
  console.log(`\n${formatBaselineComparison(comparison)}`);
  console.log(JSON.stringify(comparison));
}

/** Figure 9 on the home figure 5 filled (its daemon is stopped by now): restarts, full lists, graceful stops. */
function measureRecovery(workDir: string, counts: Counts, teardown: Teardown, stopAfterFillMs: number): Promise<RestartFigures> {
  return step(`figure 9: ${counts.restarts} restarts of our daemon with ${SCALE_CONTAINERS} containers in the store, each with a full list and a graceful stop`, [],
    () => measureRestarts(workDir, 'scale', SCALE_CONTAINERS, counts.restarts, stopAfterFillMs, teardown));
}

/** `--only restart`: figure 9 alone, on a home filled here as figure 5 fills it. */
async function onlyRestart(workDir: string, tarball: string, counts: Counts, teardown: Teardown): Promise<void> {
  const filler = await startSockerless(workDir, { label: 'ours-scale', subdir: 'scale' });
  teardown.add(() => filler.stop());
  await step(`filling a home with ${SCALE_CONTAINERS} created containers`, [filler], async () => {
    await importBusybox(filler, tarball);
    await createContainers(filler.target, SCALE_CONTAINERS);
  });
  const restart = await measureRecovery(workDir, counts, teardown, await timedStop(filler));
  console.log(`\n${formatRows(buildRestartRows(restart))}`);
  console.log(JSON.stringify(restart));
}

async function main(): Promise<number> {
  const startedAt = process.hrtime.bigint();
  const opts = parseOptions(process.argv.slice(2));
  const counts = countsFor(opts);
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
    if (opts.only === 'restart') {
      await onlyRestart(workDir, tarball, counts, teardown);
      return 0;
    }
    if (opts.only === 'aws' || opts.only === 'gcp' || opts.only === 'aca') {
      await onlyCloud(opts.only, workDir, tarball, counts, teardown);
      return 0;
    }
    if (opts.only === 'tracing') {
      await onlyTracing(workDir, tarball, opts, teardown);
      return 0;
    }
    if (opts.only === 'baseline') {
      await onlyBaseline(workDir, tarball, opts, counts, teardown);
      return 0;
    }
    if (opts.only === 'ci') {
      await onlyCi(workDir, tarball, teardown);
      return 0;
    }

    log('starting sockerless');
    const ours = await startSockerless(workDir);
    teardown.add(() => ours.stop());
    await step('importing busybox into sockerless', [ours], () => importBusybox(ours, tarball));

    log('starting the reference dockerd');
    const reference = await startReference(workDir, tarball, opts, teardown);
    const ref = reference.engine;
    if (!ref) log(`measuring without a reference, so no ratio against Docker: ${reference.why}`);
    const engines = ref ? [ours, ref] : [ours];
    const buildStep = () => step('the build figure: DOCKER_BUILDKIT=0 docker build of a three-step Dockerfile, cold and cached, interleaved', engines,
      () => measureBuild(engines.map((e) => e.target), workDir, counts));
    if (opts.only === 'build') {
      const figure = await buildStep();
      console.log(`\n${formatRows(buildOnlyRows(figure, reference.why))}`);
      console.log(JSON.stringify(figure));
      return 0;
    }
    const dockerIdleKiB = ref ? await step("dockerd's idle RSS (after a quiet spell)", [ref], () => quietRssKiB(ref)) : null;

    const run = await step(`figure 1: docker ${RUN_TRUE.join(' ')}, ${counts.warmups} warmups + ${counts.runs} runs per engine, interleaved`, engines,
      () => measureRun(engines.map((e) => e.target), counts));
    const floor = await step('figure 2: docker version per engine, interleaved, and bare bwrap spawns', engines,
      () => measureFloor(busyboxRootfs(workDir), ours.target, ref?.target ?? null, counts));

    const lifecycleStep = (e: Engine) => step(`figure 3: ${counts.lifecycles} lifecycles over ${counts.lifecycleClients} dockerode clients on ${e.target.label}`, [e],
      () => measureThroughput(e.target, counts.lifecycleClients, counts.lifecycles));
    const lifecycles = { ours: await lifecycleStep(ours), docker: ref ? await lifecycleStep(ref) : null };
    log(`figure 3: ours ${lifecycles.ours.perSecond}/s${lifecycles.docker ? `, docker ${lifecycles.docker.perSecond}/s` : ''}`);

    const contentionStep = (e: Engine, runs: number) => step(`figure 4: ${runs} runs solo, then ${runs} beside 32 lifecycles in flight, on ${e.target.label}`, [e],
      () => measureContention(e.target, runs, (phase, i, ms) => log(`${e.target.label} ${phase} run ${i + 1}/${runs}: ${ms.toFixed(1)} ms`)));
    const contention = { ours: await contentionStep(ours, counts.contentionRuns.ours), docker: ref ? await contentionStep(ref, counts.contentionRuns.docker) : null };

    const { scale, rss, stopAfterFillMs } = await measureScaleFigures(workDir, tarball, ref, dockerIdleKiB, counts, teardown);

    const boot = {
      ours: await step(`figure 6: ${counts.boots} boots of our daemon with the embedded default config`, [], () => measureBoots(workDir, counts.boots, teardown)),
      dockerMs: ref ? Math.round(ref.bootMs * 100) / 100 : null,
    };

    const restart = await measureRecovery(workDir, counts, teardown, stopAfterFillMs);

    const pools = opts.noPools ? null : await measurePools(workDir, tarball, ours, opts, teardown);
    const liveRestore = await measureLiveRestore(workDir, tarball, ours, opts, teardown);
    const tracing = opts.noTracing ? null : await measureTracing(workDir, tarball, ours, opts, teardown);

    const aws = opts.noAws ? null : await measureCloud('aws', workDir, tarball, ours, counts, teardown);
    const gcp = opts.noGcp ? null : await measureCloud('gcp', workDir, tarball, ours, counts, teardown);
    const aca = opts.noAca ? null : await measureCloud('aca', workDir, tarball, ours, counts, teardown);
    const { ci, ciGitlab } = opts.noCi ? { ci: null, ciGitlab: null } : await measureCi(workDir, tarball, teardown);

    const tornState = opts.noTornState ? null : await step(`torn state: ${opts.quick ? 20 : 200} torn homes, each booted again`, [], async () => measureTornState(opts.quick));

    const fuzzRequests = opts.quick ? FUZZ_REQUESTS.quick : FUZZ_REQUESTS.long;
    const fuzz = opts.noFuzz ? null : await step(`the fuzz figure: ${fuzzRequests} fuzzed requests against a daemon of its own`, [], () => runFuzzHarness(fuzzRequests, log));
    if (fuzz) log(fuzz);

    const chaosKills = opts.quick ? CHAOS_KILLS.quick : CHAOS_KILLS.long;
    const chaos = opts.noChaos ? null : await step(`the chaos figure: ${chaosKills} kill -9s of a daemon of its own under a mixed workload`, [], () => runChaosHarness(chaosKills, log));
    if (chaos) log(chaos);

    const build = await buildStep();
    const measured: Measured = { run, floor, lifecycles, contention, scale, boot, restart, rss, pools, liveRestore, tracing, aws, gcp, aca, ci, ciGitlab, build };
    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      node: process.version,
      commit: gitCommit(REPO_ROOT),
      options: { quick: opts.quick, warmups: opts.warmups, runs: opts.runs, counts },
      engines: {
        ours: { serverVersion: await serverVersion(ours.target) },
        docker: ref ? { serverVersion: await serverVersion(ref.target) } : null,
      },
      referenceUnavailable: reference.why,
      figures: [run],
      rows: buildRows(measured, reference.why === null ? null : reference.why.split('\n')[0]!),
      floor,
      lifecycles,
      contention,
      scale,
      boot,
      restart,
      rss,
      pools,
      aws,
      gcp,
      aca,
      ci,
      ciGitlab,
      fuzz,
      chaos,
      totalSeconds: Math.round(Number(process.hrtime.bigint() - startedAt) / 1e7) / 100,
    };
    console.log(`\n${formatTable(report)}`);
    if (pools) console.log(`\n${formatPools(pools)}`);
    if (tornState) console.log(`\n${tornState}`);
    if (fuzz) console.log(`\n${fuzz}`);
    if (chaos) console.log(`\n${chaos}`);
    writeJson(RESULTS_FILE, report);
    log(`wrote ${RESULTS_FILE}`);
    const missed = report.rows.some((r) => r.goalMet === false);
    return opts.strict && missed ? 1 : 0;
  } finally {
    await teardown.run();
    console.log(`\ntotal elapsed ${(Number(process.hrtime.bigint() - startedAt) / 1e9).toFixed(1)} s (teardown included)`);
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
