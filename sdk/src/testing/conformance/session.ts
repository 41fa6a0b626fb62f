import { mkdirSync, mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULT_PATH, type BackendDriver, type BackendDriverContext, type ExitStatus, type WorkloadProcess, type WorkloadSpec } from '../../contracts/backend';
import { isSockerlessError } from '../../errors';
import { newObjectId } from '../../object-id';
import { silentLogger } from '../fakes';
import type { BackendConformanceOptions } from './types';

/** A scenario's failure: what was expected and what the backend did. The runner prefixes the scenario's name. */
export class ConformanceError extends Error {}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

export function checkEqual<T>(actual: T, expected: T, what: string): void {
  check(JSON.stringify(actual) === JSON.stringify(expected), `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

export interface Finished {
  out: string;
  err: string;
  status: ExitStatus;
}

/**
 * One backend instance under test, made as the core makes one (options through the factory's schema, a
 * state dir of its own, `<stateDir>/containers/<id>` per workload), with the waits and clean-up every
 * scenario needs. Every wait is bounded, so a backend that never reports an exit fails instead of hanging.
 */
export class ConformanceSession<O> {
  driver!: BackendDriver;
  readonly stateDir: string;
  readonly timeoutMs: number;
  private readonly made = new Set<string>();
  private readonly root: string;
  private options!: O;

  constructor(readonly opts: BackendConformanceOptions<O>) {
    this.root = mkdtempSync(join(tmpdir(), 'sockerless-conformance-'));
    this.stateDir = join(this.root, 'backend');
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  async open(): Promise<void> {
    mkdirSync(this.stateDir, { recursive: true });
    const raw = typeof this.opts.options === 'function' ? (this.opts.options as () => O)() : this.opts.options ?? ({} as O);
    this.options = await this.validated(raw);
    this.driver = await this.newInstance();
  }

  /** A daemon restart as the backend sees it: this instance closed, a new one on the same state dir. */
  async restartHost(): Promise<BackendDriver> {
    await this.driver.close?.();
    this.driver = await this.newInstance();
    return this.driver;
  }

  private async newInstance(): Promise<BackendDriver> {
    const ctx: BackendDriverContext<O> = { instanceName: this.opts.instanceName ?? 'conformance', options: this.options, stateDir: this.stateDir, logger: this.opts.logger ?? silentLogger };
    const source = this.opts.driver;
    return typeof source === 'function' ? source(ctx) : source.create(ctx);
  }

  /** As the core's boot: the factory's Standard Schema parses the options, so defaults apply as in production. */
  private async validated(raw: O): Promise<O> {
    const source = this.opts.driver;
    const schema = typeof source === 'function' ? undefined : source.optionsSchema;
    if (!schema) return raw;
    const result = await schema['~standard'].validate(raw);
    if (result.issues) throw new Error(`backend options rejected by the driver's schema: ${result.issues.map((i) => i.message).join('; ')}`);
    return result.value;
  }

  /** A spec as the core builds one at create: a fresh 64-hex id, the image, the kit's env, `sh -c SCRIPT MARKER` (a function gets the marker). */
  spec(script: string | ((marker: string) => string), over: Partial<WorkloadSpec> = {}): WorkloadSpec {
    const id = newObjectId();
    const text = typeof script === 'function' ? script(markerOf(id)) : script;
    this.made.add(id);
    const image = typeof this.opts.image === 'function' ? this.opts.image() : this.opts.image;
    return {
      id, name: `conformance-${id.slice(0, 12)}`, hostname: id.slice(0, 12), image,
      // The marker ($0 of the shell) names the workload in /proc, so a leaked process can be found.
      argv: ['sh', '-c', text, markerOf(id)], env: this.opts.env ?? [`PATH=${DEFAULT_PATH}`], workingDir: '', user: '',
      tty: false, openStdin: false, mounts: [], labels: {}, stateDir: join(this.stateDir, 'containers', id), memoryBytes: 0,
      ...this.opts.spec, ...over,
    };
  }

  async createAndStart(spec: WorkloadSpec): Promise<WorkloadProcess> {
    await this.driver.create(spec);
    return this.driver.start(spec);
  }

  /** Output and exit, read together so no pipe fills; bounded by the kit's timeout. */
  finish(proc: WorkloadProcess, what = 'the workload'): Promise<Finished> {
    return this.bounded(Promise.all([readText(proc.stdout), readText(proc.stderr), proc.exited]).then(([out, err, status]) => ({ out, err, status })), `${what} to exit`);
  }

  /** The exit, while something else reads the output. */
  exited(proc: WorkloadProcess, what = 'the workload'): Promise<ExitStatus> {
    return this.bounded(proc.exited, `${what} to exit`);
  }

  /** Resolves once `text` is in what `stream` produced so far (kept in `sink`); fails if it ends first or takes too long. */
  waitForText(stream: Readable, text: string, sink: { data: string }): Promise<void> {
    if (sink.data.includes(text)) return Promise.resolve();
    return this.bounded(new Promise<void>((resolve, reject) => {
      const on = (c: Buffer) => { sink.data += c.toString(); if (sink.data.includes(text)) { stream.off('data', on); resolve(); } };
      stream.on('data', on);
      stream.once('end', () => { if (!sink.data.includes(text)) reject(new ConformanceError(`the output ended before "${text}" appeared; it was ${JSON.stringify(sink.data)}`)); });
    }), `"${text}" in the output`);
  }

  bounded<T>(p: Promise<T>, what: string, ms = this.timeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      p.finally(() => clearTimeout(timer)),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new ConformanceError(`timed out after ${ms} ms waiting for ${what}`)), ms); }),
    ]);
  }

  /** Whether `proc` is still running `ms` from now: for a workload that must outlive a signal it ignores. */
  async stillRunningAfter(proc: WorkloadProcess, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([proc.exited.then(() => true, () => true), new Promise<false>((r) => { timer = setTimeout(() => r(false), ms); })]);
    clearTimeout(timer);
    return !ended;
  }

  /**
   * Processes of this workload still alive on this host, found by its marker in /proc (and by its host pid
   * when the backend gave one). Waits up to `graceMs` for them to go, as a kernel takes a moment to end a
   * pid namespace. Proves something only for backends whose workloads run on this host (simulators too).
   */
  async leftovers(id: string, pid: number | undefined, graceMs = 5_000): Promise<string[]> {
    const deadline = Date.now() + graceMs;
    for (;;) {
      const found = await processesWith(markerOf(id));
      if (pid && isLive(pid)) found.push(`pid ${pid} (the workload's host pid)`);
      if (found.length === 0 || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** After each scenario: every workload it made is killed and removed, whatever happened. */
  async cleanUp(): Promise<void> {
    for (const id of this.made) {
      await this.driver.signal(id, 'SIGKILL').catch(() => undefined);
      await this.driver.remove(id).catch(() => undefined);
    }
    this.made.clear();
  }

  async close(): Promise<void> {
    await this.cleanUp();
    await this.driver?.close?.();
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function markerOf(id: string): string {
  return `sockerless-conformance-${id.slice(0, 16)}`;
}

/** An error as the SDK's typed errors carry it: by `code`, never by class (a second SDK copy is another class). */
export function errorCode(err: unknown): string | undefined {
  return isSockerlessError(err) ? err.code : undefined;
}

async function readText(stream: Readable | null | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function processesWith(marker: string): Promise<string[]> {
  const pids = (await fs.readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  const found: string[] = [];
  await Promise.all(pids.map(async (p) => {
    const cmdline = await fs.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker) && isLive(Number(p))) found.push(`pid ${p}: ${cmdline.split('\0').join(' ').trim()}`);
  }));
  return found;
}

/** Alive and not a zombie (a zombie holds nothing but its exit status). */
function isLive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
