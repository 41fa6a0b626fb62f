/** Picks a backend instance for a new container in a pool. */
export interface SchedulingRequest {
  pool: string;
  /** Instance names of the pool, in config order. */
  candidates: string[];
  isAvailable(instance: string): boolean;
  labels: Record<string, string>;
}

export interface Scheduler {
  pick(request: SchedulingRequest): string;
}

export interface SchedulerRegistry {
  /** The first scheduler registered is the default for pools that name none. */
  register(name: string, scheduler: Scheduler): void;
}
