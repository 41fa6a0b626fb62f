/** A cloud simulator serves a cloud's API on its own listener and runs what it is asked to run. */
export interface Simulator {
  name: string;
  /** `caFile`: the PEM a client must trust when the endpoint is https with the simulator's own certificate. */
  start(listen: { host: string; port: number }): Promise<{ endpoint: string; caFile?: string }>;
  stop(): Promise<void>;
}

export interface SimulatorRegistry {
  register(simulator: Simulator): void;
}

/** What a simulator's `start` answered (its endpoint, and the CA file to trust when it serves https), by name. */
export type RunningSimulator = { name: string } & Awaited<ReturnType<Simulator['start']>>;
