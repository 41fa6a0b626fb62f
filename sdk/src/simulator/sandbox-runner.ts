import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULT_PATH, type BackendDriver, type ExitStatus, type WorkloadMount, type WorkloadSpec } from '../contracts/backend';
import type { SandboxRuntime } from '../contracts/sandbox';
import type { ImageStoreService, ImageSummary, Logger } from '../services';

/** What a simulated cloud asks to run: one process of one image, its output line by line. */
export interface SandboxRunSpec {
  /** Unique per run: a task id, a replica name, an invocation id. */
  id: string;
  /** An image reference; resolved through the core's image store. */
  image: string;
  /** The full argv; when absent or empty, Docker's merge of `entrypoint`/`cmd` with the image's Entrypoint and Cmd. */
  argv?: string[];
  /** Replaces the image's Entrypoint and then drops its Cmd (ECS's `entryPoint`, Cloud Run's and ACA's `command`). */
  entrypoint?: string[];
  /** Replaces the image's Cmd (ECS's `command`, Cloud Run's and ACA's `args`). */
  cmd?: string[];
  /** `NAME=value`; merged over the image's Env. */
  env: string[];
  workingDir: string;
  /** The image's User when empty or absent. */
  user?: string;
  /** Given to the process on stdin, which is then closed; no stdin when absent. */
  stdin?: Buffer;
  /** Called for every complete line (without its newline) the process writes, and for a last partial line. */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

export interface RunningWorkload {
  /** Resolves when the process has exited and its output was delivered through onLine. */
  exited: Promise<ExitStatus>;
  signal(signal: string): Promise<void>;
}

/** Runs a workload in the local sandbox runtime (with the agent available at AGENT_ENTRYPOINT). */
export interface WorkloadRunner {
  /** Whether the image store has `ref` (as a registry would, before anything runs it). */
  hasImage(ref: string): boolean;
  /** Rejects, with the cloud's own wording of the reason, when the image is unknown or the process cannot start. */
  run(spec: SandboxRunSpec): Promise<RunningWorkload>;
}

/** How a cloud words the runner's failures (ECS: `CannotPullContainerError: ...`, Cloud Run: `Image '...' not found`). */
export interface SandboxRunnerMessages {
  imageNotFound(ref: string, reason: string): string;
  /** The image has no Entrypoint or Cmd and none was given. */
  noCommand(ref: string): string;
  cannotStart(reason: string): string;
}

export interface SandboxRunnerDeps {
  /** The simulator's name (`sim-aws`): the sandbox's name. */
  name: string;
  sandbox: SandboxRuntime;
  images: ImageStoreService;
  /** The simulator's state dir: the sandbox keeps its own under `sandbox/`, each run under `runs/<id>`. */
  stateDir: string;
  logger: Logger;
  /** The workload agent's mounts (`agentSandboxMounts` of @sockerless/agent); throws when it cannot be provided. */
  agentMounts(): WorkloadMount[];
  /** The cloud's wording of the failures; PLAIN_RUNNER_MESSAGES (what Cloud Run and Container Apps log) by default. */
  messages?: SandboxRunnerMessages;
}

/** Plain wording: `Image 'REF' not found: ...`, `the container could not start: ...`. */
export const PLAIN_RUNNER_MESSAGES: SandboxRunnerMessages = {
  imageNotFound: (ref, reason) => `Image '${ref}' not found: ${reason}`,
  noCommand: (ref) => `no command given and image ${ref} has no Entrypoint or Cmd`,
  cannotStart: (reason) => `the container could not start: ${reason}`,
};

/** The parts of an image config a run takes its defaults from (Docker's `config` object of the OCI config). */
interface ContainerDefaults {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

/**
 * Runs what a simulated cloud is asked to run in the local sandbox runtime, on the host's network (so a
 * workload reaches 127.0.0.1, where the daemon's agent listener is), with the workload agent mounted as a
 * cloud backend's image would carry it. One per simulator; each simulator words the failures as its cloud does.
 */
export class SandboxRunner implements WorkloadRunner {
  private driver: BackendDriver | undefined;
  private agent: WorkloadMount[] | undefined;
  /** Removals in flight, awaited at close so no sandbox mount outlives the simulator. */
  private readonly removals = new Set<Promise<void>>();

  private readonly messages: SandboxRunnerMessages;

  constructor(private readonly deps: SandboxRunnerDeps) {
    this.messages = deps.messages ?? PLAIN_RUNNER_MESSAGES;
  }

  private sandbox(): BackendDriver {
    this.driver ??= this.deps.sandbox.open({ name: this.deps.name, stateDir: join(this.deps.stateDir, 'sandbox'), logger: this.deps.logger });
    return this.driver;
  }

  async run(spec: SandboxRunSpec): Promise<RunningWorkload> {
    const image = this.resolve(spec.image);
    const defaults = imageDefaults(image);
    const driver = this.sandbox();
    const argv = spec.argv?.length ? spec.argv : mergeArgv(defaults, spec.entrypoint, spec.cmd);
    if (argv.length === 0) throw new Error(this.messages.noCommand(spec.image));
    const workload: WorkloadSpec = {
      id: spec.id,
      name: spec.id,
      hostname: spec.id.slice(0, 12),
      image: { id: image.id, ref: spec.image, rootfs: image.rootfs },
      argv,
      env: mergeEnv(defaults.Env ?? [`PATH=${DEFAULT_PATH}`], spec.env),
      workingDir: spec.workingDir || defaults.WorkingDir || '',
      user: spec.user || defaults.User || '',
      tty: false,
      openStdin: spec.stdin !== undefined,
      mounts: this.agentMounts(),
      labels: {},
      stateDir: join(this.deps.stateDir, 'runs', spec.id),
      memoryBytes: 0,
    };
    try {
      await driver.create(workload);
      const proc = await driver.start(workload);
      if (spec.stdin !== undefined) proc.stdin?.end(spec.stdin);
      const drained = Promise.all([forEachLine(proc.stdout, (l) => spec.onLine('stdout', l)), forEachLine(proc.stderr, (l) => spec.onLine('stderr', l))]);
      const exited: Promise<ExitStatus> = Promise.all([proc.exited, drained]).then(([status]) => status);
      // Freed in the background: the exit is reported as soon as the output is in, not after the cleanup.
      void exited.finally(() => this.remove(driver, spec.id));
      return { exited, signal: (sig) => driver.signal(spec.id, sig) };
    } catch (err) {
      await driver.remove(spec.id).catch(() => undefined);
      throw new Error(this.messages.cannotStart((err as Error).message));
    }
  }

  /** The agent in every workload; when it cannot be provided (the SDK is not built), workloads run without it, and the reason is logged once. */
  private agentMounts(): WorkloadMount[] {
    if (!this.agent) {
      try {
        this.agent = this.deps.agentMounts();
      } catch (err) {
        this.deps.logger.warn('workloads run without the agent', { reason: (err as Error).message });
        this.agent = [];
      }
    }
    return this.agent;
  }

  hasImage(ref: string): boolean {
    try {
      this.deps.images.resolve(ref);
      return true;
    } catch {
      return false;
    }
  }

  private resolve(ref: string): ImageSummary {
    try {
      return this.deps.images.resolve(ref);
    } catch (err) {
      throw new Error(this.messages.imageNotFound(ref, (err as Error).message));
    }
  }

  private remove(driver: BackendDriver, id: string): Promise<void> {
    const p = driver.remove(id).catch((err: Error) => this.deps.logger.warn('sandbox remove failed', { id, err: err.message }));
    this.removals.add(p);
    void p.finally(() => this.removals.delete(p));
    return p;
  }

  async close(): Promise<void> {
    await Promise.all(this.removals);
    await this.driver?.close?.();
  }
}

/** The image config keeps Docker's defaults under `config`; a flat shape is accepted too. */
function imageDefaults(image: ImageSummary): ContainerDefaults {
  const nested = image.config.config;
  return (nested && typeof nested === 'object' ? nested : image.config) as ContainerDefaults;
}

/** Docker's merge (and Cloud Run's): an entrypoint given drops the image's Cmd; a cmd given keeps the image's Entrypoint. */
export function mergeArgv(image: ContainerDefaults, entrypoint: string[] | undefined, cmd: string[] | undefined): string[] {
  const ep = entrypoint ?? image.Entrypoint ?? [];
  const args = cmd ?? (entrypoint ? [] : image.Cmd ?? []);
  return [...ep, ...args];
}

/** `NAME=value` lists: the given ones override the image's by name. */
export function mergeEnv(image: string[], given: string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...image, ...given]) out.set(e.split('=', 1)[0], e);
  return [...out.values()];
}

/** Calls `onLine` for every line (without its newline) and for a last unterminated one; resolves at the end. */
export function forEachLine(stream: Readable | null, onLine: (line: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const p of parts) onLine(p);
    });
    const end = () => { if (rest) onLine(rest); rest = ''; resolve(); };
    stream.once('end', end);
    stream.once('error', end);
  });
}
