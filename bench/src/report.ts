import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type as osType } from 'node:os';
import { dirname } from 'node:path';
import type { Stats } from './measure';
import type { Fairness, PoolOverhead } from './pools-bench';
import type { Counts } from './options';
import type { Measured, Row, Unit } from './rows';

export interface PoolsReport {
  overhead: PoolOverhead & { goalMs: number; goalMet: boolean };
  fairness: Fairness;
}

/** Figure 1's goal: a ratio against the reference on the same machine in the same run (perf anchors §7). */
export interface RatioGoal {
  /** Which statistic the goal is judged on. */
  stat: 'median' | 'p99' | 'min';
  /** ours / Docker's must be at or below this. */
  maxRatio: number;
  text: string;
}

export interface FigureResult {
  figure: string;
  /** The exact docker CLI arguments timed. */
  command: string[];
  unit: 'ms';
  ours: Stats;
  /** null when the reference engine was not available. */
  docker: Stats | null;
  /** ours / Docker's per statistic; null without a reference (a ratio against nothing is not reported). */
  ratio: { median: number; p99: number; min: number } | null;
  goal: RatioGoal;
  /** null when it cannot be judged (no reference). */
  goalMet: boolean | null;
}

export interface BenchReport {
  date: string;
  machine: { cpu: string; cores: number; totalMemoryBytes: number; kernel: string; os: string };
  node: string;
  commit: string | null;
  options: { quick: boolean; warmups: number; runs: number; counts: Counts };
  engines: { ours: { serverVersion: string | null }; docker: { serverVersion: string | null } | null };
  /** Why no ratio is reported, when the reference engine could not be used. */
  referenceUnavailable: string | null;
  /** Figure 1 in its original shape. */
  figures: FigureResult[];
  /** The combined table, one object per row. */
  rows: Row[];
  /** Raw figures per engine, one section per figure (null engine: not measured). */
  floor: Measured['floor'];
  lifecycles: Measured['lifecycles'];
  contention: Measured['contention'];
  scale: Measured['scale'];
  boot: Measured['boot'];
  restart: Measured['restart'];
  rss: Measured['rss'];
  /** null with --no-pools. */
  pools: PoolsReport | null;
  /** null with --no-aws. */
  aws: Measured['aws'];
  /** null with --no-gcp. */
  gcp: Measured['gcp'];
  /** null with --no-aca. */
  aca: Measured['aca'];
  /** null with --no-ci. */
  ci: Measured['ci'];
  ciGitlab: Measured['ciGitlab'];
  /** The fuzz harness's figure line; null with --no-fuzz. */
  fuzz: string | null;
  /** The chaos harness's figure line; null with --no-chaos. */
  chaos: string | null;
  totalSeconds: number;
}

export function machineInfo(): BenchReport['machine'] {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    totalMemoryBytes: totalmem(),
    kernel: release(),
    os: osType(),
  };
}

/** The short commit the figures belong to; a tarball checkout without git is fine, it just reports null. */
export function gitCommit(repoRoot: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function buildFigure(figure: string, command: string[], ours: Stats, docker: Stats | null, goal: RatioGoal): FigureResult {
  const ratio = docker
    ? { median: round2(ours.median / docker.median), p99: round2(ours.p99 / docker.p99), min: round2(ours.min / docker.min) }
    : null;
  return { figure, command, unit: 'ms', ours, docker, ratio, goal, goalMet: ratio ? ratio[goal.stat] <= goal.maxRatio : null };
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

function formatValue(v: number, unit: Unit): string {
  switch (unit) {
    case 'ms': return `${v < 1 ? v.toFixed(3) : v.toFixed(1)} ms`;
    case '/s': return `${v.toFixed(1)}/s`;
    case 'x': return `${v.toFixed(2)}x`;
    case 'MiB': return `${v.toFixed(1)} MiB`;
    case 'KiB': return `${v.toFixed(1)} KiB`;
  }
}

function goalCell(r: Row): string {
  if (!r.goal) return '';
  if (r.goalMet !== null) return `${r.goal}  ${r.goalMet ? 'MET' : 'MISSED'}`;
  return `${r.goal}  not judged: ${r.notJudged ?? 'no figure'}`;
}

/** The human table: one line per row, the goal on the row it is judged on. */
/** The rows as a padded text table: figure, ours, Docker's, ratio, goal. */
export function formatRows(rows: Row[]): string {
  const cells: string[][] = [['figure', 'ours', "Docker's", 'ratio', 'goal']];
  for (const r of rows) {
    const docker = r.docker === null ? r.dockerNote ?? 'n/a' : `${formatValue(r.docker, r.unit)}${r.dockerNote ? ` (${r.dockerNote})` : ''}`;
    cells.push([r.figure, formatValue(r.ours, r.unit), docker, r.ratio === null ? 'n/a' : r.ratio.toFixed(2), goalCell(r)]);
  }
  return pad(cells);
}

export function formatTable(report: BenchReport): string {
  const lines = [formatRows(report.rows)];
  if (report.referenceUnavailable) lines.push('', `No ratio against Docker reported: ${report.referenceUnavailable}`);
  const m = report.machine;
  lines.push('', `${m.cpu}, ${m.cores} cores, ${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, kernel ${m.kernel}; node ${report.node}; commit ${report.commit ?? 'unknown'}`);
  return lines.join('\n');
}

export function writeJson(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The pools figures: they compare our daemon with itself (no pools plugin vs an idle pool), not with Docker. */
export function formatPools(p: PoolsReport): string {
  const o = p.overhead;
  const f = p.fairness;
  const rows: string[][] = [['pools figure', 'value', 'against', 'goal']];
  rows.push([
    `admission chain p99, idle pool (create + start, daemon-timed)`, `${o.admissionP99Ms.toFixed(3)} ms`, 'no pools plugin: no chain',
    `< ${o.goalMs} ms  ${o.goalMet ? 'MET' : 'MISSED'}`,
  ]);
  rows.push([`docker run p99 through an idle pool (n=${o.through.runs})`, ms(o.through.p99), `${ms(o.without.p99)} without pools`, `added ${o.addedP99Ms.toFixed(2)} ms (CLI, noisy)`]);
  rows.push([`docker run median through an idle pool`, ms(o.through.median), `${ms(o.without.median)} without pools`, '']);
  rows.push([`light tenants' queue wait p99, beside a ${f.heavyClients}-client flood`, ms(f.contended.queueWaitP99Ms), `${ms(f.uncontended.queueWaitP99Ms)} alone`, 'stays at their uncontended wait']);
  rows.push([`light tenants' lifecycle p99, beside the flood (n=${f.contended.lifecycle.runs})`, ms(f.contended.lifecycle.p99), `${ms(f.uncontended.lifecycle.p99)} alone`, `x${(f.contended.lifecycle.p99 / f.uncontended.lifecycle.p99).toFixed(2)} (shared CPU)`]);
  rows.push([`heavy tenant: queued when measured / lifecycles done`, `${f.contended.heavyQueued} / ${f.contended.heavyCompleted}`, `capacity ${f.capacity}`, '']);
  return pad(rows);
}
