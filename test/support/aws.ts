import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAEMON_MAIN, unmountUnder } from './daemon';
import { docker, type CliResult } from './docker-cli';
import { leaseSubnet } from './subnets';

/**
 * A `sockerless` child process that is ready once its stdout has a line matching `ready`, and that can be
 * stopped (SIGTERM), crashed (SIGKILL) and started again with the same arguments.
 */
export interface CliProcess {
  output(): string;
  readonly pid: number;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  restart(): Promise<void>;
}

function cliProcess(args: () => string[], env: Record<string, string>, ready: RegExp): { proc: CliProcess; launch(): Promise<void> } {
  let child: ChildProcess | undefined;
  let log = '';
  const launch = () => new Promise<void>((res, rej) => {
    const offset = log.length;
    child = spawn(process.execPath, [DAEMON_MAIN, ...args()], {
      env: { ...process.env, SOCKERLESS_LOG_LEVEL: process.env.SOCKERLESS_LOG_LEVEL ?? 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (ready.test(log.slice(offset))) res();
    });
    child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    child.once('exit', (code, signal) => rej(new Error(`sockerless ${args().join(' ')} exited (${code ?? signal}) before it was ready:\n${log.slice(-4000)}`)));
  });
  const waitExit = () => new Promise<void>((res) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return res();
    child.once('exit', () => res());
  });
  const proc: CliProcess = {
    output: () => log,
    get pid() { return child?.pid ?? 0; },
    async stop() { child?.kill('SIGTERM'); await waitExit(); },
    async kill9() { child?.kill('SIGKILL'); await waitExit(); },
    async restart() { await launch(); },
  };
  return { proc, launch };
}

export interface SimulatorProcess extends CliProcess {
  /** `http://127.0.0.1:PORT` (`https://` for Azure), from its `AWS simulator:` (`GCP`, `AZURE`) line. */
  endpoint: string;
  /** The PEM to trust, from Azure's `AZURE simulator CA file (trust it):` line (Azure only). */
  caFile?: string;
  home: string;
}

/**
 * `sockerless simulator aws` (or `gcp`, `azure`) as a child process on its own home, listening on a free port
 * (the first boot picks it; a restart keeps it), with the given docker-save archives loaded into its image store.
 */
export async function startSimulatorProcess(opts: { dir: string; load?: string[]; startDelayMs?: number; cloud?: 'aws' | 'gcp' | 'azure' | 'github' | 'gitlab' }): Promise<SimulatorProcess> {
  const cloud = opts.cloud ?? 'aws';
  const home = join(opts.dir, `sim-home${cloud === 'aws' ? '' : `-${cloud}`}`);
  let listen = 'tcp://127.0.0.1:0';
  const args = () => ['simulator', cloud, '--listen', listen, '--home', home,
    ...(opts.load ?? []).flatMap((f) => ['--load', f]), ...(opts.startDelayMs !== undefined ? ['--start-delay', String(opts.startDelayMs)] : [])];
  // Azure's endpoint is https, and its CA file line comes with it.
  const banner = new RegExp(`${cloud.toUpperCase()} simulator: (https?:\\/\\/\\S+)\\n${cloud === 'azure' ? 'AZURE simulator CA file \\(trust it\\): (\\S+)\\n' : ''}`);
  const { proc, launch } = cliProcess(args, {}, banner);
  await launch();
  const [, endpoint, caFile] = banner.exec(proc.output())!;
  listen = endpoint.replace(/^https?:\/\//, 'tcp://');
  return Object.assign(proc, { endpoint, home, ...(caFile ? { caFile } : {}) });
}

export interface PresetDaemon extends CliProcess {
  dir: string;
  home: string;
  dockerHost: string;
  /** The `AWS simulator:` endpoint it printed. */
  simulatorEndpoint(): string;
  docker(args: string[], opts?: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult>;
  /** Like docker(), but throws with the CLI's and the daemon's output unless it exits 0; trimmed stdout. */
  ok(args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * `sockerless daemon --preset aws-sim [...extraArgs]` on its own temp dir, home and socket; ready at its
 * DOCKER_HOST line. `home` lets a second daemon use a home of its choosing (a fresh one, or another's).
 */
export async function startPresetDaemon(opts: { extraArgs?: string[]; home?: string; env?: Record<string, string>; preset?: string } = {}): Promise<PresetDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'sockerless-aws-'));
  const home = opts.home ?? join(dir, 'home');
  const socket = join(dir, 'docker.sock');
  const subnet = leaseSubnet();
  const args = () => ['daemon', '--preset', opts.preset ?? 'aws-sim', ...(opts.extraArgs ?? []), '--listen', `unix://${socket}`, ...subnet.flags];
  const { proc, launch } = cliProcess(args, { SOCKERLESS_HOME: home, ...opts.env }, /export DOCKER_HOST=/);
  try {
    await launch();
  } catch (err) {
    subnet.release();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const dockerHost = `unix://${socket}`;
  mkdirSync(join(dir, 'cli'), { recursive: true });
  const run = (a: string[], o: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}) => docker(dockerHost, join(dir, 'cli'), a, o);
  return Object.assign(proc, {
    dir, home, dockerHost,
    simulatorEndpoint: () => /[A-Z]+ simulator: (https?:\/\/\S+)/.exec(proc.output())?.[1] ?? '',
    docker: run,
    async ok(a: string[], o: { input?: string | Buffer; timeoutMs?: number } = {}) {
      const r = await run(a, o);
      if (r.code !== 0) throw new Error(`docker ${a.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\ndaemon: ${proc.output().slice(-3000)}`);
      return r.stdout.trim();
    },
    async dispose() {
      await proc.stop();
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
      subnet.release();
    },
  });
}

/**
 * `docker exec CONTAINER ...argv` until it succeeds, answering its trimmed stdout: on a cloud backend exec goes
 * through the workload agent, which dials in from the workload a while after the start.
 */
export function execOnceAgentIsIn(docker: (args: string[]) => Promise<{ code: number; stdout: string }>, container: string, argv: string[]): Promise<string> {
  return eventually(`exec in ${container} through its agent`, async () => {
    const r = await docker(['exec', container, ...argv]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  });
}

/** Polls `probe` until it returns a truthy value, or fails naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false | null | ''>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
