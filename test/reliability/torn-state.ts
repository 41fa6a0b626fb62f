/**
 * The torn-state harness (issue 13, item 3): a home with containers made through the docker CLI on a real
 * daemon (backend-local), the daemon stopped or `kill -9`ed, its state torn one way per case (the database
 * truncated or deleted, the WAL truncated or overwritten, the -shm deleted, garbage in a page, a record with
 * bad JSON), then booted again. Each case checks that the daemon boots and answers `/_ping`, takes a write,
 * and either shows every container and the image again or has logged the file and what it did about it.
 *
 *   npx jiti test/reliability/torn-state.ts            # 20 cases (CI's short mode)
 *   npx jiti test/reliability/torn-state.ts --long     # 200 cases (the bench's long mode)
 *   ... --cases N --seed S --verbose --only 'WAL' --from K   (K: replay from case K of the seed)
 *
 * Prints ONE line: `torn-state: 20 cases, 20 booted, 0 lost-silently, 60 containers recovered of 60, ...`.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { docker } from '../support/docker-cli';
import { startTestDaemon, unmountUnder, type TestDaemon } from '../support/daemon';
import { BUSYBOX, BUSYBOX_IMPORT_CHANGES } from '../support/e2e';
import { buildBusyboxRootfsTar } from '../support/images';

export interface TornStateOptions {
  cases: number;
  seed?: number;
  /** One line per case, to stderr. */
  verbose?: boolean;
  /** Only the tears whose name contains this (to replay one kind). */
  only?: string;
  /** Replays from case N (1-based) of the seed's sequence: earlier cases are torn (same randomness) but not booted. */
  from?: number;
}

export interface CaseResult {
  tear: string;
  booted: boolean;
  /** A write after the boot (docker create) succeeded. */
  writable: boolean;
  containers: { expected: number; found: number };
  imageFound: boolean;
  /** The boot's log named the state file and what was done: a loss, if any, was not silent. */
  said: boolean;
  lostSilently: boolean;
  detail: string;
}

export interface TornStateResult {
  cases: CaseResult[];
  booted: number;
  lostSilently: number;
  containersFound: number;
  containersExpected: number;
  imagesFound: number;
  figure: string;
}

type Template = 'killed' | 'stopped';
interface Tear { name: string; from: Template; apply(db: string, random: () => number): string }

const pick = (random: () => number, n: number) => Math.floor(random() * n);

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try { writeSync(fd, bytes, 0, bytes.length, offset); } finally { closeSync(fd); }
}

function garbage(random: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => pick(random, 256)));
}

const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** Every way of tearing the state that the issue names; cases cycle through them with random offsets. */
const TEARS: Tear[] = [
  { name: 'db truncated to zero', from: 'stopped', apply: (db) => { truncateSync(db, 0); return 'size 0'; } },
  { name: 'db truncated to zero, WAL kept', from: 'killed', apply: (db) => { truncateSync(db, 0); return `WAL ${size(`${db}-wal`)} bytes`; } },
  { name: 'db deleted, WAL kept', from: 'killed', apply: (db) => { rmSync(db); return `WAL ${size(`${db}-wal`)} bytes`; } },
  { name: 'db deleted with its WAL', from: 'killed', apply: (db) => { for (const s of ['', '-wal', '-shm']) rmSync(db + s, { force: true }); return ''; } },
  { name: 'db truncated at a random offset', from: 'stopped', apply: (db, r) => { const at = pick(r, size(db)); truncateSync(db, at); return `at ${at}`; } },
  { name: 'WAL truncated to zero', from: 'killed', apply: (db) => { truncateSync(`${db}-wal`, 0); return ''; } },
  { name: 'WAL truncated at a random offset', from: 'killed', apply: (db, r) => { const at = pick(r, size(`${db}-wal`)); truncateSync(`${db}-wal`, at); return `at ${at}`; } },
  { name: 'garbage in the WAL at a random offset', from: 'killed', apply: (db, r) => { const at = pick(r, size(`${db}-wal`)); overwrite(`${db}-wal`, at, garbage(r, 512)); return `at ${at}`; } },
  { name: '-shm deleted', from: 'killed', apply: (db) => { rmSync(`${db}-shm`, { force: true }); return ''; } },
  { name: 'garbage in a random page of the db', from: 'stopped', apply: (db, r) => { const page = pick(r, Math.max(1, size(db) / 4096)); overwrite(db, page * 4096, garbage(r, 4096)); return `page ${page}`; } },
  { name: 'garbage over the db header', from: 'stopped', apply: (db, r) => { overwrite(db, 0, garbage(r, 100)); return ''; } },
  {
    name: 'one record with bad JSON', from: 'stopped', apply: (db, r) => {
      const raw = new Database(db);
      const ids = raw.prepare("SELECT id FROM records WHERE kind = 'container'").pluck().all() as string[];
      const id = ids[pick(r, ids.length)];
      raw.prepare("UPDATE records SET doc = substr(doc, 1, 40) WHERE kind = 'container' AND id = ?").run(id);
      raw.close();
      return `container ${id.slice(0, 12)}`;
    },
  },
];

/** mulberry32: a seeded generator, so a failing case can be replayed with --seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

/** Copies a home with `cp -a` (owners, modes, symlinks and sparse files as they are). */
function copyHome(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  const r = spawnSync('cp', ['-a', from, to]);
  if (r.status !== 0) throw new Error(`cp -a ${from} ${to}: ${r.stderr.toString()}`);
}

export async function runTornState(opts: TornStateOptions): Promise<TornStateResult> {
  const seed = opts.seed ?? 1;
  const tears = TEARS.filter((t) => !opts.only || t.name.includes(opts.only));
  if (tears.length === 0) throw new Error(`no tear is named like ${opts.only}`);
  const random = seeded(seed);
  const daemon = await startTestDaemon();
  const cli = (args: string[]) => docker(daemon.dockerHost, daemon.dir, args);
  const ok = async (args: string[]) => {
    const r = await cli(args);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}\n${daemon.output().slice(-2000)}`);
    return r.stdout.trim();
  };
  const templates: Record<Template, string> = { killed: join(daemon.dir, 'home-killed'), stopped: join(daemon.dir, 'home-stopped') };
  const results: CaseResult[] = [];
  try {
    await ok(['import', ...BUSYBOX_IMPORT_CHANGES, await buildBusyboxRootfsTar(join(daemon.dir, 'rootfs-build')), BUSYBOX]);
    // One of each state a container can be in: created, running, exited.
    await ok(['create', '--name', 'created', BUSYBOX, 'true']);
    await ok(['run', '-d', '--name', 'running', BUSYBOX, 'sleep', '600']);
    const exited = await cli(['run', '--name', 'exited', BUSYBOX, 'sh', '-c', 'exit 3']);
    if (exited.code !== 3) throw new Error(`docker run ... exit 3 exited ${exited.code}: ${exited.stderr}`);
    const expected = (await ok(['ps', '-aq', '--no-trunc'])).split('\n').sort();
    // The killed template keeps its WAL and -shm, as a crash leaves them; the stopped one was checkpointed.
    await daemon.kill9();
    unmountUnder(daemon.dir);
    copyHome(daemon.home, templates.killed);
    await daemon.restart();
    await daemon.stop();
    unmountUnder(daemon.dir);
    copyHome(daemon.home, templates.stopped);

    for (let i = 0; i < opts.cases + (opts.from ?? 1) - 1; i++) {
      const tear = tears[i % tears.length];
      copyHome(templates[tear.from], daemon.home);
      const db = join(daemon.home, 'state.db');
      const how = tear.apply(db, random);
      if (opts.from !== undefined && i + 1 < opts.from) continue;
      const logFrom = daemon.output().length;
      const booted = await daemon.restart().then(() => ping(daemon.socket), () => false);
      const result: CaseResult = {
        tear: `${tear.name}${how ? ` (${how})` : ''}`, booted, writable: false, containers: { expected: expected.length, found: 0 },
        imageFound: false, said: false, lostSilently: false, detail: '',
      };
      if (booted) {
        const found = new Set((await cli(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n'));
        result.containers.found = expected.filter((id) => found.has(id)).length;
        result.imageFound = (await cli(['image', 'inspect', BUSYBOX])).code === 0;
        result.writable = (await cli(['create', BUSYBOX, 'true'])).code === 0;
        const log = daemon.output().slice(logFrom);
        result.said = log.includes(db) || /rebuilt|quarantine|moved aside|WAL/.test(log);
        const complete = result.containers.found === expected.length && result.imageFound;
        result.lostSilently = !complete && !result.said;
        result.detail = log.split('\n').filter((l) => !l.includes('DOCKER_HOST') && l.trim()).map((l) => l.slice(0, 400)).join('\n');
        await daemon.kill9();
      } else {
        result.detail = daemon.output().slice(logFrom, logFrom + 2000);
      }
      unmountUnder(daemon.dir);
      results.push(result);
      if (opts.verbose) {
        process.stderr.write(`case ${i + 1}: ${result.tear}: ${booted ? 'booted' : 'DID NOT BOOT'}, ${result.containers.found}/${result.containers.expected} containers, image ${result.imageFound ? 'there' : 'MISSING'}, ${result.writable ? 'writable' : 'NOT WRITABLE'}${result.said ? ', said' : ''}${result.lostSilently ? ', LOST SILENTLY' : ''}\n`);
        if (!booted || result.lostSilently || !result.writable || !result.imageFound) process.stderr.write(`${result.detail}\n`);
      }
    }
  } finally {
    await daemon.dispose();
  }
  const sum = (f: (r: CaseResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const out = {
    cases: results,
    booted: sum((r) => (r.booted ? 1 : 0)),
    lostSilently: sum((r) => (r.lostSilently ? 1 : 0)),
    containersFound: sum((r) => r.containers.found),
    containersExpected: sum((r) => r.containers.expected),
    imagesFound: sum((r) => (r.imageFound ? 1 : 0)),
  };
  const writable = sum((r) => (r.writable ? 1 : 0));
  const figure = `torn-state: ${results.length} cases, ${out.booted} booted, ${out.lostSilently} lost-silently, `
    + `${out.containersFound} containers recovered of ${out.containersExpected}, ${out.imagesFound} images of ${results.length}, `
    + `${writable} writable after boot (seed ${seed})`;
  return { ...out, figure };
}

function argValue(args: string[], name: string): number | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : undefined;
}

// jiti runs this file with its own loader, where require.main is not this module.
if (require.main === module || /torn-state\.[jt]s$/.test(process.argv[1] ?? '')) {
  const args = process.argv.slice(2);
  const cases = argValue(args, '--cases') ?? (args.includes('--long') ? 200 : 20);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  runTornState({ cases, seed: argValue(args, '--seed'), verbose: args.includes('--verbose'), only, from: argValue(args, '--from') }).then((r) => {
    console.log(r.figure);
    process.exitCode = r.booted === r.cases.length && r.lostSilently === 0 ? 0 : 1;
  }, (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exitCode = 2;
  });
}
