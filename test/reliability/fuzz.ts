/**
 * The fuzz harness (issue 13, item 3): a real daemon on backend-local (own temp home and socket, stopped by
 * its PID) with a few real containers, images, volumes, networks and an exec present, sent `requests`
 * seeded requests over every route of the Docker API, and judged as fuzz-judge.ts says. Between batches
 * the daemon must still be alive and answer `/_ping`; at the end its `sockerless_uncaught_errors_total`
 * must be 0 and its RSS back near where it started. Prints one figure line.
 *
 *   npx jiti test/reliability/fuzz.ts [--long] [--requests N] [--seed S] [--concurrency C]
 *
 * Short mode (10,000 requests) runs in CI as fuzz.test.ts; --long (100,000) is the bench's figure.
 */
import { existsSync, rmSync } from 'node:fs';
import { api } from '../support/raw-http';
import { uncaughtErrors } from '../support/raw-stream';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { ESCAPE_MARKER, generateCase, loadOperations, type FuzzCase, type Fixtures } from './fuzz-inputs';
import { judge, limitsFor, type Finding } from './fuzz-judge';
import { sendRaw } from './fuzz-wire';
import { breakdown, idleMemory, inventoryOf, memoryOf, mib, removeCreated, rssKiB, type MemoryKiB, type Removed } from './fuzz-cleanup';

export const SHORT_REQUESTS = 10_000;
export const LONG_REQUESTS = 100_000;
/** The daemon's header and body-idle timeouts during the run, short so that stalled connections end quickly. */
const DAEMON_TIMEOUT_MS = 1000;
const BATCH = 250;
/** RSS is read again after this many requests: by then every route has loaded its code and filled its caches. */
const WARM_UP_REQUESTS = 1000;

export interface FuzzOptions {
  requests: number;
  seed: number;
  concurrency: number;
  /** More environment for the daemon (e.g. glibc malloc tunables, to measure their effect on RSS). */
  daemonEnv?: Record<string, string>;
  /** Progress lines (to stderr in the CLI). */
  log?: (line: string) => void;
}

export interface FuzzSample { finding: Finding | 'crash'; kind: string; request: string; detail: string }

export interface FuzzFigures {
  requests: number;
  seed: number;
  crashes: number;
  findings: Record<Finding, number>;
  uncaught: number;
  escapes: number;
  rssStartKiB: number;
  /** After the warm-up requests: the baseline a leak would grow from. */
  rssWarmKiB: number;
  rssEndKiB: number;
  /** After the harness removed what the fuzzed requests created and the daemon settled (fuzz-cleanup.ts). */
  rssCleanKiB: number;
  /** process.memoryUsage() of the daemon at the start and after the clean-up. */
  memoryStart?: MemoryKiB;
  memoryClean?: MemoryKiB;
  removed?: Removed;
  seconds: number;
  statuses: Record<string, number>;
  /** The first few requests of each finding, to reproduce them. */
  samples: FuzzSample[];
}

export function figureLine(f: FuzzFigures): string {
  return `fuzz: ${f.requests} requests (seed ${f.seed}), ${f.crashes} crashes, ${f.findings['wrong 5xx']} wrong 5xx, `
    + `${f.findings['non-Docker error body']} non-Docker error bodies, ${f.findings.hung} hung, ${f.findings.unanswered} unanswered, `
    + `${f.uncaught} uncaught errors, ${f.escapes} archive escapes, RSS start ${mib(f.rssStartKiB)}, warm ${mib(f.rssWarmKiB)}, end ${mib(f.rssEndKiB)}, `
    + `end after clean-up ${f.rssCleanKiB ? mib(f.rssCleanKiB) : '—'}${f.memoryStart && f.memoryClean ? ` (${breakdown(f.memoryStart, f.memoryClean)})` : ''}, ${f.seconds.toFixed(0)} s`;
}

/** Nothing went wrong (RSS is judged by the caller, who knows its budget). */
export const clean = (f: FuzzFigures) => f.crashes === 0 && f.uncaught === 0 && f.escapes === 0 && Object.values(f.findings).every((n) => n === 0);

export async function runFuzz(opts: FuzzOptions): Promise<FuzzFigures> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  rmSync(ESCAPE_MARKER, { recursive: true, force: true });
  const e = await startE2E({ env: { SOCKERLESS_HEADERS_TIMEOUT_MS: String(DAEMON_TIMEOUT_MS), SOCKERLESS_BODY_IDLE_TIMEOUT_MS: String(DAEMON_TIMEOUT_MS), ...opts.daemonEnv } });
  const figures: FuzzFigures = {
    requests: 0, seed: opts.seed, crashes: 0, uncaught: 0, escapes: 0, rssStartKiB: 0, rssWarmKiB: 0, rssEndKiB: 0, rssCleanKiB: 0, seconds: 0, statuses: {}, samples: [],
    findings: { 'wrong 5xx': 0, 'non-Docker error body': 0, hung: 0, unanswered: 0 },
  };
  // Interrupted (Ctrl-C, a CI timeout): the daemon is stopped by its PID and its dir removed, not left behind.
  const onSignal = (sig: NodeJS.Signals) => { void e.dispose().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ops = loadOperations();
    let fixtures = await ensureFixtures(e);
    const start = await inventoryOf(e.daemon.socket);
    // The first scrape loads the metrics library: read after it, as every later reading is.
    await memoryOf(e.daemon.socket);
    figures.memoryStart = await idleMemory(e.daemon.socket, e.daemon.pid);
    figures.rssStartKiB = figures.memoryStart.rss;
    for (let from = 0; from < opts.requests; from += BATCH) {
      const to = Math.min(opts.requests, from + BATCH);
      await runBatch(e, ops, fixtures, opts, from, to, figures);
      figures.requests = to;
      if (!figures.rssWarmKiB && (to >= WARM_UP_REQUESTS || to === opts.requests)) figures.rssWarmKiB = rssKiB(e.daemon.pid);
      if (!(await alive(e))) {
        figures.crashes++;
        figures.samples.push({ finding: 'crash', kind: 'batch', request: `requests ${from}..${to - 1}`, detail: e.daemon.output().slice(-2000) });
        break;
      }
      if (to % 5000 === 0 || to === opts.requests) {
        // With the daemon's memoryUsage, so a growth can be told apart: V8's heap, Buffers, or malloc.
        const now = await memoryOf(e.daemon.socket);
        log(`${figureLine({ ...figures, rssEndKiB: rssKiB(e.daemon.pid), seconds: (Date.now() - started) / 1000 })} [${breakdown(figures.memoryStart!, now)}]`);
      }
      fixtures = await ensureFixtures(e);
    }
    if (figures.crashes === 0) {
      figures.uncaught = await uncaughtErrors(e.daemon.socket);
      // Streams the fuzzer cut and containers it stopped settle first, as a quiet daemon would.
      await new Promise((r) => setTimeout(r, 3000));
      figures.rssEndKiB = rssKiB(e.daemon.pid);
      figures.removed = await removeCreated(e.daemon.socket, start, ['fuzz-running', 'fuzz-created']);
      figures.memoryClean = await idleMemory(e.daemon.socket, e.daemon.pid);
      figures.rssCleanKiB = figures.memoryClean.rss;
      log(`fuzz: the clean-up removed ${JSON.stringify(figures.removed)}`);
    }
    figures.escapes = existsSync(ESCAPE_MARKER) ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await e.dispose();
  }
  figures.seconds = (Date.now() - started) / 1000;
  return figures;
}

async function runBatch(e: E2E, ops: ReturnType<typeof loadOperations>, fixtures: Fixtures, opts: FuzzOptions, from: number, to: number, figures: FuzzFigures): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const c = generateCase(opts.seed, next++, ops, fixtures);
      const answer = await sendRaw(e.daemon.socket, c, limitsFor(c, DAEMON_TIMEOUT_MS));
      const key = `${c.kind} ${answer.status}`;
      figures.statuses[key] = (figures.statuses[key] ?? 0) + 1;
      const verdict = judge(c, answer);
      if (!verdict) continue;
      figures.findings[verdict.finding]++;
      if (figures.samples.filter((s) => s.finding === verdict.finding).length < 15) figures.samples.push({ finding: verdict.finding, kind: c.kind, request: describe(c), detail: verdict.detail });
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
}

const describe = (c: FuzzCase) => c.rawHead !== undefined ? `raw ${JSON.stringify(c.rawHead.slice(0, 80))}`
  : `${c.method} ${c.path.slice(0, 200)}${c.upgrade ? ' (upgrade)' : ''}${c.body ? ` body ${JSON.stringify(c.body.subarray(0, 120).toString('latin1'))}${c.body.length > 120 ? `… (${c.body.length} bytes)` : ''}` : ''}${c.contentLength !== undefined ? ` Content-Length ${c.contentLength}` : ''}${c.headers?.['Content-Type'] ? ` [${c.headers['Content-Type']}]` : ''}`;

async function alive(e: E2E): Promise<boolean> {
  try {
    process.kill(e.daemon.pid, 0);
  } catch {
    return false;
  }
  const ping = await sendRaw(e.daemon.socket, { method: 'GET', path: '/_ping' }, { headersWithinMs: 10_000, bodyWithinMs: 5000 });
  return ping.status === 200;
}


/**
 * The objects lookups should hit, created again when a fuzzed request removed them: a running container that
 * ends on SIGTERM (so a fuzzed stop never waits out its grace period), a created one, a second image name,
 * a volume, a network and an exec that has not started.
 */
async function ensureFixtures(e: E2E): Promise<Fixtures> {
  const call = (method: string, path: string, body?: object) => api(e.daemon.socket, method, `/v1.50${path}`, body === undefined ? undefined : JSON.stringify(body));
  const running = await call('GET', '/containers/fuzz-running/json');
  if (running.status === 404) await call('POST', '/containers/create?name=fuzz-running', { Image: BUSYBOX, Cmd: ['sh', '-c', 'trap "exit 0" TERM; sleep 100000 & wait'] });
  if (running.status !== 200 || !running.json().State?.Running) {
    await call('POST', '/containers/fuzz-running/unpause');
    await call('POST', '/containers/fuzz-running/start');
  }
  if ((await call('GET', '/containers/fuzz-created/json')).status === 404) await call('POST', '/containers/create?name=fuzz-created', { Image: BUSYBOX, Cmd: ['true'] });
  if ((await call('GET', `/images/${BUSYBOX}/json`)).status === 404) await e.ok(['tag', 'fuzz/img:1', BUSYBOX]).catch(() => undefined);
  if ((await call('GET', '/images/fuzz/img:1/json')).status === 404) await call('POST', `/images/${BUSYBOX}/tag?repo=fuzz/img&tag=1`);
  if ((await call('GET', '/volumes/fuzz-vol')).status === 404) await call('POST', '/volumes/create', { Name: 'fuzz-vol' });
  if ((await call('GET', '/networks/fuzz-net')).status === 404) await call('POST', '/networks/create', { Name: 'fuzz-net' });
  const exec = await call('POST', '/containers/fuzz-running/exec', { Cmd: ['true'] });
  const containers = ['fuzz-running', 'fuzz-created'];
  for (const name of containers.slice()) {
    const r = await call('GET', `/containers/${name}/json`);
    if (r.status === 200) containers.push(r.json().Id, r.json().Id.slice(0, 12));
  }
  return {
    containers,
    images: [BUSYBOX, 'fuzz/img:1', 'busybox'],
    volumes: ['fuzz-vol'],
    networks: ['fuzz-net', 'bridge', 'none', 'host'],
    execs: exec.status === 201 ? [exec.json().Id] : [],
  };
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const requests = Number(argValue(args, '--requests') ?? (args.includes('--long') ? LONG_REQUESTS : SHORT_REQUESTS));
  const seed = Number(argValue(args, '--seed') ?? 1);
  const concurrency = Number(argValue(args, '--concurrency') ?? 8);
  // --daemon-env K=V (repeatable): e.g. MALLOC_ARENA_MAX=2, to measure what holds RSS.
  const daemonEnv = Object.fromEntries(args.flatMap((a, i) => (args[i - 1] === '--daemon-env' ? [a.split('=', 2) as [string, string]] : [])));
  const figures = await runFuzz({ requests, seed, concurrency, daemonEnv, log: (l) => console.error(l) });
  for (const s of figures.samples) console.error(`${s.finding} [${s.kind}] ${s.request}\n    -> ${s.detail}`);
  if (args.includes('--statuses')) console.error(JSON.stringify(figures.statuses, null, 1));
  console.log(figureLine(figures));
  process.exitCode = clean(figures) ? 0 : 1;
}

if (process.argv[1] && /fuzz\.(ts|js)$/.test(process.argv[1])) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exitCode = 2;
  });
}
