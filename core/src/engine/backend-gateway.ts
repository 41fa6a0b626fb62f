import {
  driverPowers, NotImplementedError, type BackendDriver, type DriverPowers, type ManagedWorkload, type WorkloadProcess, type WorkloadSpec,
} from '@sockerless/sdk';

/** One backend instance, the only holder of its driver: its calls, and its optional powers (a missing one: 501 in `need`). */
export class BackendGateway {
  readonly powers: Readonly<Partial<DriverPowers>>;

  constructor(readonly name: string, readonly kind: string, private readonly driver: BackendDriver, readonly stateDir: string) {
    this.powers = driverPowers(driver);
  }

  /** The power, or dockerd's 501 for what asked for it (`what`: "pause", "archive", "updating resource limits"...). */
  need<K extends keyof DriverPowers>(power: K, what: string): DriverPowers[K] {
    const p = this.powers[power];
    if (!p) throw new NotImplementedError(`${what} is not supported by backend '${this.name}' (${this.kind})`);
    return p as DriverPowers[K];
  }

  /** False when the instance cannot take new workloads right now; the scheduler skips it. */
  available = (): boolean => this.driver.available?.() ?? true;
  create = (spec: WorkloadSpec): Promise<void> => this.driver.create(spec);
  start = (spec: WorkloadSpec): Promise<WorkloadProcess> => this.driver.start(spec);
  signal = (id: string, signal: string): Promise<void> => this.driver.signal(id, signal);
  remove = (id: string): Promise<void> => this.driver.remove(id);
  list = (): Promise<ManagedWorkload[]> => this.driver.list();
  close = async (): Promise<void> => { await this.driver.close?.(); };
}
