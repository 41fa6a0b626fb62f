import { existsSync, promises as fs, readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { normalizeSignal, type ExitStatus, type WorkloadProcess, type WorkloadSpec } from '@sockerless/sdk';
import type { MonitorInfo } from './monitor';
import type { SavedAttachment } from './network/container-networks';
import { isAlive, tick } from './util';

/**
 * The driver's bookkeeping of started containers: which are running, the pids that reach them, and the run
 * file that lets a restarted daemon still signal or clean them up. Kept apart from the driver, which decides
 * how a container starts; this only remembers what the start left behind and when it is ready for signals.
 */

const readProc = (path: string): string => { try { return readFileSync(path, 'utf8'); } catch { return ''; } };
const statProc = (path: string): Stats | undefined => { try { return statSync(path); } catch { return undefined; } };

/**
 * Asks `found` until it answers, the run ends, or 10 s pass. What it waits for usually takes well under a
 * millisecond, so the first polls only yield to the event loop; after that they are 1 ms apart.
 */
async function pollWhileRunning<T>(r: { done: boolean }, found: () => T | undefined): Promise<T | undefined> {
  const deadline = Date.now() + 10_000;
  for (let attempt = 0; !r.done && Date.now() < deadline; attempt++) {
    const answer = found();
    if (answer !== undefined) return answer;
    await (attempt < 50 ? new Promise<void>((res) => setImmediate(res)) : tick(1));
  }
  return undefined;
}

/** What a started container leaves on disk, so a restarted daemon can still signal or clean it up. */
export interface RunInfo {
  /** bwrap (sandbox) or the workload itself (host mode). */
  pid: number;
  /** The workload's host pid: pid 1 of the sandbox's pid namespace, or `pid` in host mode. */
  workloadPid: number;
  sandboxed: boolean;
  /** The shim that holds the workload (live-restore); absent when the daemon is its parent. */
  monitor?: MonitorInfo;
  /** What the container's network is on the host, so a restarted daemon takes it back (ContainerNetworks.reattach). */
  network?: SavedAttachment;
}

export interface Running extends RunInfo {
  exited: Promise<ExitStatus>;
  done: boolean;
  /** The last signal we delivered, to name the cause of a 128+N exit. */
  signals: Set<number>;
  /** See workloadReady. */
  ready?: Promise<void>;
  /** Lets go of the monitor's FIFOs without ending the workload (the daemon stops). */
  disconnect?: () => void;
}

const RUN_FILE = 'run.json';

export interface RunningContainersOptions {
  /** Where a container keeps its files, known or not to this daemon. */
  stateDirOf: (id: string) => string;
  /** bwrap and the static busybox: a sandbox still running either has not handed over to its workload yet. */
  setupExecutables: Array<string | undefined>;
  /** Called once a tracked container's process has exited (the driver detaches its networks). */
  onExit: (id: string) => void;
  /** How many processes the OOM killer took in the container's memory group this run (made afresh at start). */
  oomKills?: (id: string) => number;
}

export class RunningContainers {
  private readonly running = new Map<string, Running>();
  private setupInodes?: Promise<Set<string>>;

  constructor(private readonly o: RunningContainersOptions) {}

  /** Started by this daemon and not exited yet. */
  isActive(id: string): boolean {
    const current = this.running.get(id);
    return current !== undefined && !current.done;
  }

  /** Started by this daemon and exited: its monitor and the rest of its processes may still be going away. */
  exitedHere(id: string): boolean {
    return this.running.get(id)?.done === true;
  }

  track(spec: WorkloadSpec, proc: WorkloadProcess, info: RunInfo): Running {
    const r: Running = { ...info, done: false, signals: new Set(), exited: proc.exited };
    // bwrap reports a death by signal N as exit 128+N; name the signal when it is one we sent.
    const exited = proc.exited.then((st) => {
      r.done = true;
      this.o.onExit(spec.id);
      if (!st.signal && st.exitCode > 128 && r.signals.has(st.exitCode - 128)) {
        try { st = { ...st, signal: normalizeSignal(String(st.exitCode - 128)) }; } catch { /* not a signal */ }
      }
      void fs.rm(join(spec.stateDir, RUN_FILE), { force: true });
      // dockerd's OOMKilled: the kernel killed a process of the container for its memory limit during the run.
      if (r.sandboxed && (this.o.oomKills?.(spec.id) ?? 0) > 0) st = { ...st, oomKilled: true };
      return st;
    });
    r.exited = exited;
    proc.exited = exited;
    this.running.set(spec.id, r);
    return r;
  }

  async save(spec: WorkloadSpec, r: Running, network?: SavedAttachment): Promise<void> {
    if (r.done) return;
    const info: RunInfo = { pid: r.pid, workloadPid: r.workloadPid, sandboxed: r.sandboxed, monitor: r.monitor, network };
    await fs.writeFile(join(spec.stateDir, RUN_FILE), JSON.stringify(info), { mode: 0o600 }).catch(() => undefined);
  }

  /**
   * bwrap clones the workload's process as pid 1 of the new namespace, sets the sandbox up in it and then
   * execs the workload in place, so the clone's host pid is the workload's pid (Docker's State.Pid) from the
   * start. It shows up as bwrap's only child within a millisecond; start needs no more than that.
   */
  async childPid(bwrapPid: number, r: Running): Promise<number> {
    // /proc answers from memory: a synchronous read costs less than a trip through the thread pool.
    const child = await pollWhileRunning(r, () => Number(readProc(`/proc/${bwrapPid}/task/${bwrapPid}/children`).trim().split(/\s+/)[0]) || undefined);
    return child ?? bwrapPid;
  }

  /** The run file as the start wrote it, whether or not its workload still runs. */
  async savedRun(id: string): Promise<RunInfo | undefined> {
    try {
      return JSON.parse(await fs.readFile(join(this.o.stateDirOf(id), RUN_FILE), 'utf8')) as RunInfo;
    } catch {
      return undefined;
    }
  }

  /** The daemon stops: every connection to a monitor is let go of; the workloads live on. */
  disconnectAll(): void {
    for (const r of this.running.values()) if (!r.done) r.disconnect?.();
  }

  /** True when the run of this container is held by a monitor: it outlives this daemon. */
  monitored(id: string): boolean {
    const r = this.running.get(id);
    return r !== undefined && !r.done && r.monitor !== undefined;
  }

  /** The running container, from memory or (after a daemon restart) from its run file. */
  async runningOf(id: string): Promise<RunInfo | undefined> {
    const r = this.running.get(id);
    if (r) return r.done ? undefined : r;
    try {
      const info = JSON.parse(await fs.readFile(join(this.o.stateDirOf(id), RUN_FILE), 'utf8')) as RunInfo;
      return isAlive(info.workloadPid) ? info : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * False when the container surely runs nothing: no run of this daemon and no run file. One stat on the
   * caller's thread, so a boot that lists a thousand never-started containers does not queue a thousand
   * failing reads on libuv's four threads.
   */
  mayBeRunning(id: string): boolean {
    return this.running.has(id) || existsSync(join(this.o.stateDirOf(id), RUN_FILE));
  }

  /** runningOf, for what must reach the workload itself: waits until bwrap has handed over to it. */
  async readyRunningOf(id: string): Promise<RunInfo | undefined> {
    const r = await this.runningOf(id);
    const mem = this.running.get(id);
    if (r && mem && r.sandboxed) await this.workloadReady(mem);
    return r;
  }

  /** Remembers a signal sent to the container, so its 128+N exit can be named after it. */
  noteSignal(id: string, signal: number): void {
    this.running.get(id)?.signals.add(signal);
  }

  /** The exit of a container this daemon started; undefined for one it only knows from its run file. */
  exitOf(id: string): Promise<ExitStatus> | undefined {
    return this.running.get(id)?.exited;
  }

  forget(id: string): void {
    this.running.delete(id);
  }

  /**
   * Resolves once the workload has replaced bwrap's setup code (and the busybox that switches user), so a
   * signal reaches the workload and an exec enters the finished sandbox. Only signals, exec and top wait for
   * it, and only right after a start; the executables are told apart by inode, as paths differ per namespace.
   */
  private workloadReady(r: Running): Promise<void> {
    return (r.ready ??= (async () => {
      const setup = await this.setupExecutableInodes();
      await pollWhileRunning(r, () => {
        const st = statProc(`/proc/${r.workloadPid}/exe`);
        return !st || !setup.has(`${st.dev}:${st.ino}`) || undefined;
      });
    })());
  }

  private setupExecutableInodes(): Promise<Set<string>> {
    return (this.setupInodes ??= (async () => {
      const inodes = new Set<string>();
      for (const p of this.o.setupExecutables) {
        const st = p ? await fs.stat(p).catch(() => undefined) : undefined;
        if (st) inodes.add(`${st.dev}:${st.ino}`);
      }
      return inodes;
    })());
  }
}
