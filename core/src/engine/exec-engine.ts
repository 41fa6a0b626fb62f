import { ConflictError, detached, InvalidArgumentError, newObjectId, NotFoundError, type ConsoleSize, type Logger, type WorkloadProcess } from '@sockerless/sdk';
import { consoleSizeOf } from './console-size';
import type { ContainerEngine } from './container-engine';
import type { RunController } from './container-runs';
import { parseDetachKeys } from './detach-keys';
import { guard } from './lifecycle/container-state';

export interface ExecRecord {
  id: string;
  containerId: string;
  argv: string[];
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  env: string[];
  workingDir: string;
  user: string;
  privileged: boolean;
  detachKeys: string;
  running: boolean;
  exitCode: number | null;
  pid: number;
  /** The terminal's size at start, from the create body's `ConsoleSize`. */
  consoleSize?: ConsoleSize;
  process?: WorkloadProcess;
  /** Why the process could not be started (no such executable, ...): Docker reports it inside the stream. */
  startError?: string;
}

export interface ExecCreateBody {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | string;
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
  ConsoleSize?: number[] | null;
}

/** Exec instances, in memory as in Docker (gone after a daemon restart), run by the backend's optional `exec` power. */
export class ExecEngine {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(private readonly engine: ContainerEngine, private readonly runs: RunController, private readonly logger: Logger) {}

  create(containerRef: string, body: ExecCreateBody): { Id: string } {
    const c = this.engine.find(containerRef);
    guard.running(c, this.runs.isRunning(c.id));
    if (c.state.Paused) throw new ConflictError(`Container ${containerRef} is paused, unpause the container before exec`);
    this.engine.backendOf(c).need('exec', 'exec');
    const argv = typeof body.Cmd === 'string' ? [body.Cmd] : body.Cmd;
    if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
      throw new InvalidArgumentError('No exec command specified');
    }
    parseDetachKeys(body.DetachKeys, 'escape');
    const rec: ExecRecord = {
      id: newObjectId(), containerId: c.id, argv, tty: body.Tty ?? false, attachStdin: body.AttachStdin ?? false,
      attachStdout: body.AttachStdout ?? false, attachStderr: body.AttachStderr ?? false, env: body.Env ?? [],
      workingDir: body.WorkingDir || c.config.WorkingDir, user: body.User || c.config.User, privileged: body.Privileged ?? false,
      detachKeys: body.DetachKeys ?? '', running: false, exitCode: null, pid: 0, consoleSize: consoleSizeOf(body.ConsoleSize),
    };
    this.execs.set(rec.id, rec);
    this.engine.emit(c, `exec_create: ${argv.join(' ')}`, { execID: rec.id });
    return { Id: rec.id };
  }

  get(id: string): ExecRecord {
    const rec = this.execs.get(id);
    // An exec of a container the caller cannot see does not exist for them either.
    if (!rec || !this.engine.tryFind(rec.containerId)) throw new NotFoundError(`No such exec instance: ${id}`);
    return rec;
  }

  /** Starts the process; the caller wires its streams. Resolves with the process once it is running. */
  async start(id: string, tty?: boolean): Promise<{ rec: ExecRecord; process: WorkloadProcess }> {
    const rec = this.get(id);
    if (rec.running || rec.exitCode !== null) throw new ConflictError(`Exec ${id} has already been started`);
    const c = this.engine.find(rec.containerId);
    guard.running(c, this.runs.isRunning(c.id));
    if (tty !== undefined) rec.tty = tty;
    rec.running = true;
    const driver = this.engine.backendOf(c).need('exec', 'exec');
    let proc: WorkloadProcess;
    try {
      proc = await driver.exec(c.id, {
        argv: rec.argv, env: [...c.config.Env, ...rec.env], workingDir: rec.workingDir, user: rec.user,
        tty: rec.tty, attachStdin: rec.attachStdin, privileged: rec.privileged, consoleSize: rec.tty ? rec.consoleSize : undefined,
      });
    } catch (err) {
      rec.running = false;
      rec.exitCode = 126;
      rec.startError = err instanceof Error ? err.message : String(err);
      throw err;
    }
    rec.process = proc;
    rec.pid = proc.pid ?? 0;
    this.engine.emit(c, `exec_start: ${rec.argv.join(' ')}`, { execID: rec.id });
    // Its container may be gone by the time the exec exits; whatever the bookkeeping throws is logged.
    detached(this.logger, { exec: rec.id, on: 'exec exit' }, proc.exited.then((status) => {
      rec.running = false;
      rec.exitCode = status.exitCode;
      rec.process = undefined;
      const still = this.engine.containers.get(c.id);
      if (still) this.engine.emit(still, 'exec_die', { execID: rec.id, exitCode: String(status.exitCode) });
    }, () => {
      rec.running = false;
      rec.exitCode = 126;
    }));
    return { rec, process: proc };
  }

  inspect(id: string) {
    const rec = this.get(id);
    return {
      ID: rec.id,
      Running: rec.running,
      // 0 until the exec has exited, as dockerd 20.10 reports and the spec's integer type requires.
      ExitCode: rec.exitCode ?? 0,
      ProcessConfig: { tty: rec.tty, entrypoint: rec.argv[0], arguments: rec.argv.slice(1), privileged: rec.privileged, user: rec.user },
      OpenStdin: rec.attachStdin,
      OpenStderr: rec.attachStderr,
      OpenStdout: rec.attachStdout,
      CanRemove: false,
      ContainerID: rec.containerId,
      DetachKeys: rec.detachKeys,
      Pid: rec.pid,
    };
  }

  resize(id: string, rows: number, cols: number): void {
    const rec = this.get(id);
    if (!rec.process) throw new ConflictError(`Exec ${id} is not running`);
    rec.process.resize?.(rows, cols);
  }

  /** Drops the exec records of a removed container. */
  forget(containerId: string): void {
    for (const [id, rec] of this.execs) if (rec.containerId === containerId && !rec.running) this.execs.delete(id);
  }
}
