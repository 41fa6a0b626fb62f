/**
 * The one combined table: every figure as rows of ours, Docker's, a ratio and a goal. A goal needing
 * Docker's figure is left unjudged (goalMet null) without a reference; the others are judged on ours.
 */
import { CLOUD_FIGURES, CLOUD_NAMES, type CloudName, type CloudRun } from './cloud-bench';
import type { CiLatency } from './ci-bench';
import type { Contention } from './contention';
import type { FloorResult } from './floor';
import type { LiveRestoreCost } from './live-restore-bench';
import type { Throughput } from './lifecycles';
import type { Stats } from './measure';
import type { FigureResult, PoolsReport } from './report';
import type { RestartFigures } from './restart';
import type { Rss } from './rss';
import type { TracingCost } from './tracing-bench';
import type { ListAtScale } from './scale';
import { BUILD_GOALS, type BuildFigure } from './build-bench';

export type Unit = 'ms' | '/s' | 'x' | 'MiB' | 'KiB';

export interface Row {
  /** Stable key for scripts: 'run-median', 'floor', 'lifecycles', ... */
  id: string;
  figure: string;
  unit: Unit;
  ours: number;
  /** Docker's figure in the same unit; null when not measured (dockerNote says why). */
  docker: number | null;
  /** Why Docker's figure is missing, or context shown beside it. */
  dockerNote: string | null;
  ratio: number | null;
  /** What `ratio` divides: 'ours / docker' unless the row says otherwise. */
  ratioOf: string;
  goal: string | null;
  /** null: no goal, or not judged (notJudged says why). */
  goalMet: boolean | null;
  notJudged: string | null;
  /** The raw figures the row was computed from. */
  detail: Record<string, unknown>;
}

/** Everything measured in one run; a null engine figure was not measured (no reference, or --quick). */
export interface Measured {
  run: FigureResult;
  floor: FloorResult;
  lifecycles: { ours: Throughput; docker: Throughput | null };
  contention: { ours: Contention; docker: Contention | null };
  scale: { ours: ListAtScale; docker: ListAtScale | null };
  boot: { ours: Stats; dockerMs: number | null };
  /** Figure 9: restarts and graceful stops on the home of figure 5. */
  restart: RestartFigures;
  rss: { ours: Rss; docker: Rss | null };
  pools: PoolsReport | null;
  liveRestore: LiveRestoreCost | null;
  /** null with --no-tracing. */
  tracing: TracingCost | null;
  /** Each null with its --no-aws / --no-gcp / --no-aca. */
  aws: CloudRun | null;
  gcp: CloudRun | null;
  aca: CloudRun | null;
  /** null with --no-ci. */
  ci?: CiLatency | null;
  /** The same figure for GitLab (ci-gitlab); null with --no-ci. */
  ciGitlab?: CiLatency | null;
  build: BuildFigure;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const ratioOf = (ours: number, docker: number | null) => (docker === null || docker === 0 ? null : round2(ours / docker));

interface RowInput {
  id: string;
  figure: string;
  unit: Unit;
  ours: number;
  docker: number | null;
  /** Required when docker is null. */
  dockerMissing?: string;
  dockerNote?: string;
  ratio?: { value: number | null; of: string };
  goal?: { text: string; needsDocker: boolean; met: (ours: number, ratio: number | null) => boolean };
  detail: Record<string, unknown>;
}

/**
 * `referenceMissing` is why there is no reference at all (then nothing is compared with Docker);
 * a row's own `dockerMissing` covers a figure skipped on an otherwise available reference.
 */
function makeRow(input: RowInput, referenceMissing: string | null): Row {
  const docker = referenceMissing ? null : input.docker;
  const ratio = input.ratio ?? { value: ratioOf(input.ours, docker), of: 'ours / docker' };
  let goalMet: boolean | null = null;
  let notJudged: string | null = null;
  if (input.goal) {
    if (input.goal.needsDocker && ratio.value === null) notJudged = referenceMissing ?? input.dockerMissing ?? 'no Docker figure';
    else goalMet = input.goal.met(input.ours, ratio.value);
  }
  return {
    id: input.id,
    figure: input.figure,
    unit: input.unit,
    ours: input.ours,
    docker,
    dockerNote: docker === null ? (referenceMissing ? 'n/a' : input.dockerMissing ?? 'n/a') : input.dockerNote ?? null,
    ratio: ratio.value,
    ratioOf: ratio.of,
    goal: input.goal?.text ?? null,
    goalMet,
    notJudged,
    detail: input.detail,
  };
}

const SKIPPED_QUICK = 'skipped (--quick)';

export function buildRows(m: Measured, referenceMissing: string | null): Row[] {
  const rows: RowInput[] = [...buildFigureRows(m.build)];
  const run = m.run;
  for (const stat of ['median', 'p99', 'min'] as const) {
    rows.push({
      id: `run-${stat}`,
      figure: `${run.figure} (${stat}, n=${run.ours.runs})`,
      unit: 'ms',
      ours: run.ours[stat],
      docker: run.docker?.[stat] ?? null,
      goal: stat === run.goal.stat ? { text: run.goal.text, needsDocker: true, met: (_o, r) => r! <= run.goal.maxRatio } : undefined,
      detail: { ours: run.ours, docker: run.docker },
    });
  }

  const f = m.floor;
  const dockerRunOverFloor = run.docker && f.dockerFloorMs ? round2(run.docker.median / f.dockerFloorMs) : null;
  rows.push({
    id: 'floor',
    figure: `floor: docker version + bare bwrap spawn (medians, n=${f.bareSpawn.runs})`,
    unit: 'ms',
    ours: f.floorMs,
    docker: f.dockerFloorMs,
    dockerNote: dockerRunOverFloor === null ? undefined : `its run median / floor ${dockerRunOverFloor.toFixed(2)}`,
    ratio: { value: round2(run.ours.median / f.floorMs), of: 'our run median / our floor' },
    goal: { text: 'run median / floor <= 1.3', needsDocker: false, met: (_o, r) => r! <= 1.3 },
    detail: { ...f, oursRunMedianMs: run.ours.median, dockerRunMedianMs: run.docker?.median ?? null, dockerRunOverFloor },
  });

  const l = m.lifecycles;
  rows.push({
    id: 'lifecycles',
    figure: `create+start+wait+remove per second, ${l.ours.clients} dockerode clients (n=${l.ours.total})`,
    unit: '/s',
    ours: l.ours.perSecond,
    docker: l.docker?.perSecond ?? null,
    goal: { text: ">= 5 x Docker's", needsDocker: true, met: (_o, r) => r! >= 5 },
    detail: { ours: l.ours, docker: l.docker },
  });

  const c = m.contention;
  rows.push({
    id: 'contention',
    figure: `run p99 beside ${c.ours.inFlight} lifecycles in flight / solo p99 (n=${c.ours.solo.runs}${c.docker ? `, Docker's n=${c.docker.solo.runs}` : ''})`,
    unit: 'x',
    ours: c.ours.p99Factor,
    docker: c.docker?.p99Factor ?? null,
    goal: { text: '<= 3', needsDocker: false, met: (o) => o <= 3 },
    detail: { ours: c.ours, docker: c.docker },
  });

  const s = m.scale;
  for (const stat of ['p99', 'median'] as const) {
    rows.push({
      id: `list-${stat}`,
      figure: `GET /containers/json?all=1, ${s.ours.containers} containers (${stat}, n=${s.ours.list.runs})`,
      unit: 'ms',
      ours: s.ours.list[stat],
      docker: s.docker?.list[stat] ?? null,
      dockerMissing: SKIPPED_QUICK,
      goal: stat === 'p99' ? { text: '< 20 ms', needsDocker: false, met: (o) => o < 20 } : undefined,
      detail: { ours: s.ours, docker: s.docker },
    });
  }

  const b = m.boot;
  for (const stat of ['p99', 'median'] as const) {
    rows.push({
      id: `boot-${stat}`,
      figure: `boot to first answered /_ping, default config (${stat}, n=${b.ours.runs})`,
      unit: 'ms',
      ours: b.ours[stat],
      docker: b.dockerMs,
      dockerNote: 'dockerd, n=1',
      goal: stat === 'p99' ? { text: '< 500 ms', needsDocker: false, met: (o) => o < 500 } : undefined,
      detail: { ours: b.ours, dockerMs: b.dockerMs },
    });
  }

  const r = m.rss;
  rows.push({
    id: 'rss-idle',
    figure: 'RSS idle, busybox imported (Docker: dockerd + containerd)',
    unit: 'MiB',
    ours: round2(r.ours.idleKiB / 1024),
    docker: r.docker ? round2(r.docker.idleKiB / 1024) : null,
    goal: { text: '<= 80 MiB', needsDocker: false, met: (o) => o <= 80 },
    detail: { ours: r.ours, docker: r.docker },
  });
  rows.push({
    id: 'rss-per-container',
    figure: `RSS per tracked container, ${s.ours.containers} created`,
    unit: 'KiB',
    ours: r.ours.perContainerKiB!,
    docker: r.docker?.perContainerKiB ?? null,
    dockerMissing: SKIPPED_QUICK,
    goal: { text: '<= 50 KiB', needsDocker: false, met: (o) => o <= 50 },
    detail: { ours: r.ours, docker: r.docker },
  });

  rows.push(...restartRows(m.restart));

  if (m.liveRestore) {
    const l = m.liveRestore;
    rows.push({
      id: 'live-restore-run',
      figure: `docker run --rm busybox true with live-restore on (a monitor per container), median of ${l.on.runs}; ratio to live-restore off`,
      unit: 'ms',
      ours: l.on.median,
      docker: null,
      dockerMissing: `n/a (ours with live-restore off: ${l.off.median} ms, interleaved)`,
      ratio: { value: l.growth, of: 'on median / off median = growth of run / floor' },
      goal: { text: `run / floor grows <= ${Math.round((l.goalMaxGrowth - 1) * 100)}%`, needsDocker: false, met: () => l.goalMet },
      detail: { ...l },
    });
  }
  if (m.tracing) rows.push(tracingRow(m.tracing));
  if (m.pools) {
    const o = m.pools.overhead;
    rows.push({
      id: 'pools-admission',
      figure: 'pools admission chain added p99, idle pool (create + start, daemon-timed)',
      unit: 'ms',
      ours: o.admissionP99Ms,
      docker: null,
      dockerMissing: 'n/a (ours vs no pools plugin)',
      ratio: { value: null, of: 'none' },
      goal: { text: `< ${o.goalMs} ms`, needsDocker: false, met: (v) => v < o.goalMs },
      detail: { admissionMs: o.admissionMs },
    });
  }
  for (const cloud of CLOUD_NAMES) {
    const measured = m[cloud];
    if (measured) rows.push(cloudRow(cloud, measured));
  }
  if (m.ci) rows.push(ciRow(m.ci));
  if (m.ciGitlab) rows.push(ciRow(m.ciGitlab, 'gitlab'));
  return rows.map((row) => makeRow(row, referenceMissing));
}

/** A cloud figure: the backend on its simulator against backend-local, in the same run. */
function cloudRow(cloud: CloudName, a: CloudRun): RowInput {
  const { service, rowId } = CLOUD_FIGURES[cloud];
  return {
    id: rowId,
    figure: `docker run --rm busybox true through ${service} on the simulator (median, n=${a.cloud.runs}); ratio to backend-local`,
    unit: 'ms',
    ours: a.cloud.median,
    docker: null,
    dockerMissing: `n/a (ours on backend-local: ${a.local.median} ms)`,
    ratio: { value: a.ratio, of: `${service} median / local median` },
    goal: { text: `<= ${a.goalRatio} x backend-local`, needsDocker: false, met: () => a.goalMet },
    detail: { ...a },
  };
}

/** Figure 9: ours only, since dockerd's restart with 1,000 containers is not what the goal is set against. */
function restartRows(r: RestartFigures): RowInput[] {
  const n = r.firstPing.runs;
  const oursOnly = { docker: null, dockerMissing: 'n/a (ours only)', ratio: { value: null, of: 'none' } } as const;
  return [
    {
      id: 'restart-ping-p99', unit: 'ms', ours: r.firstPing.p99, ...oursOnly,
      figure: `restart with ${r.containers} containers: spawn to first /_ping (p99 of ${n} restarts)`,
      goal: { text: '<= 1000 ms', needsDocker: false, met: (o) => o <= 1000 },
      detail: { firstPing: r.firstPing },
    },
    {
      id: 'restart-list-p99', unit: 'ms', ours: r.fullList.p99, ...oursOnly,
      figure: `restart with ${r.containers} containers: spawn to full ps -a (p99 of ${n} restarts)`,
      goal: { text: '<= 1000 ms', needsDocker: false, met: (o) => o <= 1000 },
      detail: { fullList: r.fullList },
    },
    {
      id: 'graceful-stop-p99', unit: 'ms', ours: r.gracefulStop.p99, ...oursOnly,
      figure: `graceful stop (SIGTERM to exit) with ${r.containers} containers (p99 of ${n})`,
      goal: { text: '<= 5000 ms', needsDocker: false, met: (o) => o <= 5000 },
      detail: { gracefulStop: r.gracefulStop },
    },
    {
      id: 'graceful-stop-mounted', unit: 'ms', ours: r.stopAfterFillMs, ...oursOnly,
      figure: `graceful stop with ${r.containers} containers, their roots mounted (the daemon that created them, n=1)`,
      goal: { text: '<= 5000 ms', needsDocker: false, met: (o) => o <= 5000 },
      detail: { stopAfterFillMs: r.stopAfterFillMs },
    },
  ];
}

/** The build figure's rows alone (`npm run bench -- --only build`). */
/** The CI figure (issue 17): ours only, a latency with an absolute goal. */
function ciRow(c: CiLatency, forge: 'github' | 'gitlab' = 'github'): RowInput {
  const what = forge === 'github' ? 'GitHub job queued on the simulator to its runner container running' : 'GitLab job queued on the simulator to its build container running';
  return {
    id: `ci-${forge}-queue-to-running`,
    figure: `${what} (p99, n=${c.queueToRunning.runs}; p50 ${c.queueToRunning.median} ms)`,
    unit: 'ms',
    ours: c.queueToRunning.p99,
    docker: null,
    dockerMissing: 'n/a (ours only)',
    ratio: { value: null, of: 'none' },
    goal: { text: `< ${c.goalMs} ms`, needsDocker: false, met: (v) => v < c.goalMs },
    detail: { ...c },
  };
}

export function ciOnlyRows(c: CiLatency, gitlab?: CiLatency): Row[] {
  return [makeRow(ciRow(c), null), ...(gitlab ? [makeRow(ciRow(gitlab, 'gitlab'), null)] : [])];
}

export function buildOnlyRows(b: BuildFigure, referenceMissing: string | null): Row[] {
  return buildFigureRows(b).map((row) => makeRow(row, referenceMissing));
}

function tracingRow(t: TracingCost): RowInput {
  return {
    id: 'tracing-run',
    figure: `docker run --rm busybox true with the otel plugin exporting every span (OTLP/HTTP, ~${t.spansPerRun} spans per run, ${t.exports} exports, ${t.exportedKiB} KiB), median of ${t.on.runs}; ratio to no tracing plugin`,
    unit: 'ms',
    ours: t.on.median,
    docker: null,
    dockerMissing: `n/a (ours without a tracing plugin: ${t.off.median} ms, interleaved${t.baseline ? `; the baseline build: ${t.baseline.stats.median} ms, off / baseline ${t.baseline.offRatio}` : ''})`,
    ratio: { value: t.ratio, of: 'traced median / untraced median' },
    detail: { ...t },
  };
}

/** The tracing row alone (`npm run bench -- --only tracing`). */
export function buildTracingRows(t: TracingCost): Row[] {
  return [makeRow(tracingRow(t), null)];
}

/** `--only aws|gcp|aca`: the cloud figure alone. */
export function buildCloudRows(cloud: CloudName, a: CloudRun): Row[] {
  return [makeRow(cloudRow(cloud, a), null)];
}

/** Figure 9's rows alone (`npm run bench -- --only restart`). */
export function buildRestartRows(r: RestartFigures): Row[] {
  return restartRows(r).map((row) => makeRow(row, null));
}

/**
 * The build figure's rows: cold (--no-cache) and cached medians, ours / dockerd's classic builder, through
 * the docker CLI (the goals) and over the API without the CLI (what the engines themselves take).
 */
function buildFigureRows(b: BuildFigure): RowInput[] {
  const rows = (via: 'cli' | 'api') => (['cold', 'cached'] as const).map((kind) => {
    const m = via === 'cli' ? b[kind] : b.api[kind];
    return {
      id: via === 'cli' ? `build-${kind}` : `build-api-${kind}`,
      figure: via === 'cli'
        ? `docker build (classic) of FROM+RUN+COPY+CMD, ${kind === 'cold' ? '--no-cache' : 'all steps cached'} (median, n=${m.ours.runs})`
        : `same, POST /build over the API without the CLI, ${kind === 'cold' ? 'nocache' : 'cached'} (median, n=${m.ours.runs})`,
      unit: 'ms' as const,
      ours: m.ours.median,
      docker: m.docker?.median ?? null,
      goal: { text: `ours / docker <= ${BUILD_GOALS[kind]}`, needsDocker: true, met: (_o: number, r: number | null) => r! <= BUILD_GOALS[kind] },
      detail: { ours: m.ours, docker: m.docker },
    };
  });
  return [...rows('cli'), ...rows('api')];
}
