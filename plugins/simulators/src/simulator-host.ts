import { isLoopbackHost, NotFoundError, type Logger, type RunningSimulator, type Simulator, type SimulatorDirectory } from '@sockerless/sdk';

export const DEFAULT_SIMULATOR_LISTEN = 'tcp://127.0.0.1:0';

/** `simulators.<name>` of the config file: the listener of the simulator registered under that name. */
export type SimulatorListeners = Record<string, { listen?: string } | undefined> | undefined;

/**
 * The simulators registered by plugins, each run on its own listener. It is `coreServices.simulators` (so a
 * backend plugin can depend on it) and answers once `startAll` has run, which the plugin's start hook does
 * before the daemon creates backend instances.
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
   * Starts every registered simulator on `config[name].listen`. A listener configured for a simulator no
   * plugin registered is a config error, as a typo there would silently do nothing.
   */
  async startAll(simulators: Simulator[], config: SimulatorListeners, configFile: string, logger: Logger): Promise<void> {
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
        // The config's schema (the core's) lets only tcp://HOST:PORT through; an IPv6 host comes in brackets.
        const m = /^tcp:\/\/([^:]+|\[[^\]]+\]):(\d+)$/.exec(url);
        if (!m) throw new Error(`config ${configFile}: simulators.${simulator.name}.listen: a simulator listens on tcp://HOST:PORT, not ${url}`);
        const host = m[1].replace(/^\[|\]$/g, '');
        // A simulator runs workloads for whoever it accepts, and the key pair backends use for one is public.
        if (!(await isLoopbackHost(host))) logger.warn('simulator listens on a non-loopback address: anyone who reaches it with a key pair it accepts can run workloads on this host', { simulator: simulator.name, listen: url });
        const { endpoint, caFile } = await simulator.start({ host, port: Number(m[2]) });
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
