import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, type BackendDriver, type BackendDriverContext, type ExitStatus, type ManagedWorkload, type WorkloadProcess, type WorkloadSpec } from '@sockerless/sdk';

/**
 * A deliberately broken backend, for the test that the conformance kit catches it: it reports every normal
 * exit as 0 (as if it read "the task succeeded" instead of the code), and its SIGKILL and remove end only the
 * workload's first process, so what that process started lives on. Every process group it made is kept in
 * `groups`, so the test can end the leaks it provoked.
 */
export class BrokenDriver implements BackendDriver {
  readonly kind = 'broken';
  readonly groups: number[] = [];
  private readonly children = new Map<string, ChildProcess>();

  constructor(private readonly ctx: BackendDriverContext) {}

  async create(spec: WorkloadSpec): Promise<void> {
    mkdirSync(join(this.ctx.stateDir, 'containers', spec.id), { recursive: true });
  }

  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    const child = spawn(spec.argv[0], spec.argv.slice(1), { detached: true, stdio: [spec.openStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
    this.groups.push(child.pid!);
    this.children.set(spec.id, child);
    const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => {
      this.children.delete(spec.id);
      resolve(signal ? { exitCode: signal === 'SIGKILL' ? 137 : 143, signal } : { exitCode: 0 });
    }));
    return { stdin: child.stdin, stdout: child.stdout!, stderr: child.stderr, exited, pid: child.pid };
  }

  async signal(id: string, signal: string): Promise<void> {
    const child = this.children.get(id);
    if (!child) throw new NotFoundError(`container ${id} is not running`);
    child.kill(signal.startsWith('SIG') ? (signal as NodeJS.Signals) : 'SIGKILL');
  }

  async remove(id: string): Promise<void> {
    this.children.get(id)?.kill('SIGKILL');
    rmSync(join(this.ctx.stateDir, 'containers', id), { recursive: true, force: true });
  }

  async list(): Promise<ManagedWorkload[]> {
    const ids = readdirSync(join(this.ctx.stateDir, 'containers'), { withFileTypes: true }).map((d) => d.name);
    return ids.map((id) => ({ id, running: this.children.has(id) }));
  }

  /** Ends every process group it made, leaks included. */
  killAll(): void {
    for (const pgid of this.groups) try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
  }
}
