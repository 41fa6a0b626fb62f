/**
 * EXAMPLE ONLY — NO ISOLATION. A third-party backend written from docs/plugins.md alone: each container is a
 * plain child process on this host, as the daemon's user, in a temp directory of its own. The image, mounts,
 * user and network of the spec are ignored, so never use it for anything but learning the driver contract.
 * It passes the conformance kit (test/conformance.test.ts) except `docker cp`, which it does not offer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  coreBackendDriversExtensionPoint, definePlugin, DEFAULT_PATH, InvalidArgumentError, NotFoundError, signalNumber, normalizeSignal,
  type BackendDriver, type BackendDriverContext, type ExecSpec, type ExitStatus, type ManagedWorkload, type WorkloadProcess, type WorkloadSpec,
} from '@sockerless/sdk';

export class HostProcessDriver implements BackendDriver {
  readonly kind = 'host-process';
  private readonly children = new Map<string, ChildProcess>();

  constructor(private readonly ctx: BackendDriverContext) {}

  async create(spec: WorkloadSpec): Promise<void> {
    mkdirSync(join(this.dirOf(spec.id), 'work'), { recursive: true });
    writeFileSync(join(this.dirOf(spec.id), 'spec.json'), JSON.stringify(spec));
  }

  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    // Its own process group (detached), so a SIGKILL ends whatever the workload started, as a pid namespace does.
    const child = await spawned(spec.argv, { cwd: join(this.dirOf(spec.id), 'work'), env: envOf(spec.env), stdin: spec.openStdin, detached: true });
    this.children.set(spec.id, child);
    writeFileSync(this.pidFile(spec.id), String(child.pid));
    const exited = exitOf(child).then((status) => {
      this.children.delete(spec.id);
      rmSync(this.pidFile(spec.id), { force: true });
      return status;
    });
    return { stdin: child.stdin, stdout: child.stdout!, stderr: child.stderr, exited, pid: child.pid };
  }

  async signal(id: string, signal: string): Promise<void> {
    const pid = this.livePid(id);
    if (!pid) throw new NotFoundError(`container ${id} is not running`);
    const sig = normalizeSignal(signal);
    // Docker signals pid 1 only; SIGKILL ends them all, as the death of a pid namespace's init does.
    process.kill(sig === 'SIGKILL' ? -pid : pid, sig);
  }

  async remove(id: string): Promise<void> {
    const pid = this.livePid(id);
    if (pid) {
      process.kill(-pid, 'SIGKILL');
      const child = this.children.get(id);
      if (child) await exitOf(child);
    }
    rmSync(this.dirOf(id), { recursive: true, force: true });
  }

  async exec(id: string, spec: ExecSpec): Promise<WorkloadProcess> {
    if (!this.livePid(id)) throw new NotFoundError(`container ${id} is not running`);
    const child = await spawned(spec.argv, { cwd: join(this.dirOf(id), 'work'), env: envOf(spec.env), stdin: spec.attachStdin, detached: false });
    return { stdin: child.stdin, stdout: child.stdout!, stderr: child.stderr, exited: exitOf(child), pid: child.pid };
  }

  /** Everything under the state dir; a pid file whose process lives means running (a new daemon finds both). */
  async list(): Promise<ManagedWorkload[]> {
    const dir = join(this.ctx.stateDir, 'containers');
    const ids = existsSync(dir) ? readdirSync(dir) : [];
    return ids.map((id) => ({ id, running: this.livePid(id) !== undefined }));
  }

  private dirOf(id: string): string {
    return join(this.ctx.stateDir, 'containers', id);
  }

  private pidFile(id: string): string {
    return join(this.dirOf(id), 'pid');
  }

  private livePid(id: string): number | undefined {
    const pid = Number(existsSync(this.pidFile(id)) ? readFileSync(this.pidFile(id), 'utf8') : 0);
    if (!pid) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }
}

function envOf(env: string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: DEFAULT_PATH };
  for (const kv of env) out[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  return out;
}

/**
 * The child once it runs, or the error of a start that could not: worded as runc words them, because the
 * core turns "executable file not found" into Docker's exit code 127 and "permission denied" into 126.
 */
function spawned(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; stdin: boolean; detached: boolean }): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env, detached: opts.detached, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    child.once('spawn', () => resolve(child));
    child.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'executable file not found in $PATH' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new InvalidArgumentError(`exec: "${argv[0]}": ${why}`));
    });
  });
}

/** After the process ended and its output closed; a death by signal is 128 + its number, as a shell reports it. */
function exitOf(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(statusOf(child.exitCode, child.signalCode));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve(statusOf(code, signal))));
}

function statusOf(code: number | null, signal: NodeJS.Signals | null): ExitStatus {
  return signal ? { exitCode: 128 + signalNumber(signal), signal } : { exitCode: code ?? 0 };
}

export default definePlugin({
  id: 'example-host-process',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { drivers: coreBackendDriversExtensionPoint },
      init({ drivers }) {
        drivers.register({ kind: 'host-process', create: (ctx) => new HostProcessDriver(ctx) });
      },
    });
  },
});
