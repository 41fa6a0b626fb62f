/** A CI coordinator turns CI jobs (GitHub, GitLab) into containers in a pool. */
export interface CiCoordinator {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface CiCoordinatorRegistry {
  register(coordinator: CiCoordinator): void;
}
