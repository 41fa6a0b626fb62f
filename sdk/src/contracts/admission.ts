/** Admission decides whether and where a request may proceed: pools, limits, tenants. Run in `order`. */
export interface CreateAdmission {
  /** Labels of the new container (read only). */
  labels: Record<string, string>;
  memoryBytes: number;
  /** Admission may set these; the core fills what stays unset. */
  pool?: string;
  backend?: string;
  /** Set by the core from the Authorization header; empty when none. */
  bearerToken: string;
}

export interface StartAdmission {
  containerId: string;
  pool: string;
  backend: string;
}

export interface RequestAdmission {
  method: string;
  path: string;
  bearerToken: string;
}

export interface AdmissionController {
  name: string;
  /** Lower runs first. */
  order?: number;
  onRequest?(request: RequestAdmission): void | Promise<void>;
  onCreate?(request: CreateAdmission): void | Promise<void>;
  /** May wait (queue) or throw TooManyRequests; the returned function releases what it took. */
  onStart?(request: StartAdmission): void | (() => void) | Promise<void | (() => void)>;
  /** Whether a container is visible to the caller (tenant scoping). */
  canSee?(request: RequestAdmission, containerLabels: Record<string, string>): boolean;
}

export interface AdmissionRegistry {
  register(controller: AdmissionController): void;
}
