/** A cloud simulator serves a cloud's API on its own listener and runs what it is asked to run. */
export interface Simulator {
  name: string;
  start(listen: { host: string; port: number }): Promise<{ endpoint: string }>;
  stop(): Promise<void>;
}

export interface SimulatorRegistry {
  register(simulator: Simulator): void;
}
