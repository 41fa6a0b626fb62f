import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { agentSandboxMounts } from '@sockerless/agent';
import { DEFAULT_PATH, type BackendDriver, type ExitStatus, type ImageStoreService, type ImageSummary, type Logger, type SandboxRuntime, type WorkloadMount, type WorkloadSpec } from '@sockerless/sdk';
import type { RunningWorkload, RunSpec, WorkloadRunner } from './context';

/** The parts of an image config a run takes its defaults from (Docker's `config` object of the OCI config). */
interface ContainerDefaults {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

/**
 * Runs what the simulated cloud is asked to run in the local sandbox runtime, on the host's network (so a
 * workload reaches 127.0.0.1, where the daemon's agent listener is). The same as sim-aws's runner (to be folded
 * into one shared file), and sim-gcp's (ACA's command/args are Cloud Run's).
 */
export class SandboxRunner implements WorkloadRunner {
  private driver: BackendDriver | undefined;
  private agent: WorkloadMount[] | undefined;
  /** Removals in flight, awaited at close so no sandbox mount outlives the simulator. */
  private readonly removals = new Set<Promise<void>>();

  constructor(private readonly deps: { sandbox: SandboxRuntime; images: ImageStoreService; stateDir: string; logger: Logger }) {}

  private sandbox(): BackendDriver {
    this.driver ??= this.deps.sandbox.open({ name: 'sim-azure', stateDir: join(this.deps.stateDir, 'sandbox'), logger: this.deps.logger });
    return this.driver;
  }

  async run(spec: RunSpec): Promise<RunningWorkload> {
    const image = this.resolve(spec.image);
    const defaults = imageDefaults(image);
    const driver = this.sandbox();
    const argv = mergeArgv(defaults, spec.command, spec.args);
    if (argv.length === 0) throw new Error(`no command given and image ${spec.image} has no Entrypoint or Cmd`);
    const workload: WorkloadSpec = {
      id: spec.id,
      name: spec.id,
      hostname: spec.id.slice(0, 12),
      image: { id: image.id, ref: spec.image, rootfs: image.rootfs },
      argv,
      env: mergeEnv(defaults.Env ?? [`PATH=${DEFAULT_PATH}`], spec.env),
      workingDir: spec.workingDir || defaults.WorkingDir || '',
      user: defaults.User || '',
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
      throw new Error(`the container could not start: ${(err as Error).message}`);
    }
  }

  /**
   * The workload agent at AGENT_ENTRYPOINT in every workload, as a cloud backend's image would carry it. When it
   * cannot be provided (the SDK is not built), workloads still run, without it, and the reason is logged once.
   */
  private agentMounts(): WorkloadMount[] {
    if (!this.agent) {
      try {
        this.agent = agentSandboxMounts();
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
      throw new Error(`Image '${ref}' not found: ${(err as Error).message}`);
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

/** Cloud Run's (and Docker's) merge: a command given drops the image's Cmd; args given keep the image's Entrypoint. */
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
