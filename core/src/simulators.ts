import { NotFoundError, type Logger, type Simulator, type SimulatorDirectory, type SockerlessConfig } from '@sockerless/sdk';
import { parseListenUrl } from './listen';
import { isLoopbackHost } from './listener-security';

export const DEFAULT_SIMULATOR_LISTEN = 'tcp://127.0.0.1:0';

/** What a simulator's `start` answered (its endpoint, and the CA file to trust when it serves https), by name. */
export type RunningSimulator = { name: string } & Awaited<ReturnType<Simulator['start']>>;

/**
 * The simulators registered by plugins, run by the core on their own listeners. It is provided to plugins
 * as `coreServices.simulators` before any plugin initialises (so a backend plugin can depend on it), and
 * answers once `startAll` has run, which the daemon does before it creates backend instances.
 */
export class SimulatorHost implements SimulatorDirectory {
  private readonly running = new Map<string, { simulator: Simulator; endpoint: string; caFile?: string }>();

  endpoint(name: string): string {
    const found = this.running.get(name);
    if (found) return found.endpoint;
    const known = this.names().length ? `running: ${this.names().join(', ')}` : 'none runs; add its plugin to plugins';
    throw new NotFoundError(`no simulator named '${name}' runs in this daemon (${known})`);
  }

  caFile(name: string): string | undefined {
    return this.endpoint(name) ? this.running.get(name)!.caFile : undefined;
  }

  names(): string[] {
    return [...this.running.keys()];
  }

  list(): RunningSimulator[] {
    return [...this.running.entries()].map(([name, r]) => ({ name, endpoint: r.endpoint, ...(r.caFile ? { caFile: r.caFile } : {}) }));
  }

  /**
   * Starts every registered simulator on `config.simulators[name].listen`. A listener configured for a
   * simulator no plugin registered is a config error, as a typo there would silently do nothing.
   */
  async startAll(simulators: Simulator[], config: SockerlessConfig['simulators'], configFile: string, configDir: string, logger: Logger): Promise<void> {
    const registered = new Set(simulators.map((s) => s.name));
    for (const name of Object.keys(config ?? {})) {
      if (!registered.has(name)) {
        const known = [...registered].join(', ') || 'none';
        throw new Error(`config ${configFile}: simulators.${name}: no configured plugin registers a simulator named '${name}' (registered: ${known})`);
      }
    }
    try {
      for (const simulator of simulators) {
        if (this.running.has(simulator.name)) throw new Error(`two plugins register a simulator named '${simulator.name}'`);
        const url = config?.[simulator.name]?.listen ?? DEFAULT_SIMULATOR_LISTEN;
        const target = parseListenUrl(url, configDir);
        if (target.kind !== 'tcp') throw new Error(`config ${configFile}: simulators.${simulator.name}.listen: a simulator listens on tcp://HOST:PORT, not ${url}`);
        // A simulator runs workloads for whoever it accepts, and the key pair backends use for one is public.
        if (!(await isLoopbackHost(target.host!))) logger.warn('simulator listens on a non-loopback address: anyone who reaches it with a key pair it accepts can run workloads on this host', { simulator: simulator.name, listen: url });
        const { endpoint, caFile } = await simulator.start({ host: target.host!, port: target.port! });
        this.running.set(simulator.name, { simulator, endpoint, caFile });
        logger.info('simulator listening', { simulator: simulator.name, endpoint });
      }
    } catch (err) {
      await this.stopAll(logger);
      throw err;
    }
  }

  /** Stops them in reverse start order; a failure is logged so the others still stop. */
  async stopAll(logger: Logger): Promise<void> {
    for (const [name, { simulator }] of [...this.running.entries()].reverse()) {
      this.running.delete(name);
      await simulator.stop().catch((err: Error) => logger.warn('simulator stop failed', { simulator: name, err: err.message }));
    }
  }
}
