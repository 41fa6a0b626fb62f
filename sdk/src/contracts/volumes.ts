/**
 * A volume driver, as Docker has them (`docker volume create --driver NAME`, its VolumeDriver plugin API):
 * it keeps a volume's data and says where on this host a container mounts it from. The core keeps
 * everything else every driver shares: names, labels, the records in the store, events, filters, which
 * containers use a volume, tenant scoping and the API. The `volumes-local` plugin is the `local` driver.
 */
export interface VolumeDriver {
  /** The name in the API (`Driver`), `local` for Docker's default. */
  readonly name: string;
  /**
   * Checks a create's `DriverOpts` before anything is written, with Docker's wording: an option the
   * driver does not know is an InvalidArgumentError, one it knows but cannot honour a NotImplementedError.
   */
  checkOptions(name: string, options: Record<string, string>): void;
  /** Makes the volume's storage; also called at every boot for every volume, so it must be idempotent. */
  create(name: string, options: Record<string, string>): Promise<void>;
  /** The host path a container's mount of this volume binds (the volume's `Mountpoint`). */
  mountpoint(name: string): string;
  /** Drops the volume's data; a volume already gone is no error. */
  remove(name: string): Promise<void>;
  /** The bytes it holds (what a prune reports as reclaimed). */
  size(name: string): Promise<number>;
}

export interface VolumeDriverRegistry {
  /** One driver per name; a second plugin registering the same name fails the boot. */
  register(driver: VolumeDriver): void;
}
