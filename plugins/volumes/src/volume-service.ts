import { existsSync, mkdirSync } from 'node:fs';
import {
  Collection, ConflictError, InvalidArgumentError, matchesLabels, matchesPattern, newObjectId, NotFoundError, NotImplementedError,
  type AdmissionController, type DockerApiRouter, type EventsBus, type RequestAdmission, type StateStore, type StoredRecord, type Volume,
  type MountPoint, type MountRequest, type VolumeCreateBody, type VolumeDriver, type VolumeListFilters, type VolumeStore, type VolumeUsage, type VolumeUser,
} from '@sockerless/sdk';
import { mountPointOf, parseMounts, volumesFromMounts } from './mount-specs';
import { volumeSubpath } from './volume-subpath';
import { registerVolumeRoutes } from './volume-routes';

/** Docker marks volumes created without a name (by `volume create` or a container) with this label. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';
const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** Docker's default driver: what a volume created without `Driver`, or by a container's mount, gets. */
const DEFAULT_DRIVER = 'local';

export interface VolumeRecord extends StoredRecord {
  /** The name; volumes have no separate id. */
  id: string;
  driver: string;
  createdAt: string;
  labels: Record<string, string>;
  options: Record<string, string>;
}

/**
 * Which volumes the current caller may use, as the admission controllers say (tenant scoping): a volume
 * it may not see is, for it, one that does not exist. Everyone sees everything when no controller says.
 */
export interface VolumeScope {
  /** Who is calling, for the request being served (the core's request context); undefined outside requests. */
  caller(): RequestAdmission | undefined;
  canSee(caller: RequestAdmission | undefined, labels: Record<string, string>): boolean;
  /** Lets admission add its labels to a volume the caller creates (a tenant marks it as its own). */
  labelNew(caller: RequestAdmission | undefined, name: string, labels: Record<string, string>): void;
}

/** The scope the admission controllers' `canSeeVolume` and `onVolumeCreate` make; no caller (boot, timers) sees all. */
export function admissionVolumeScope(admission: readonly AdmissionController[], caller: () => RequestAdmission | undefined): VolumeScope {
  return {
    caller,
    canSee: (caller, labels) => !caller || admission.every((a) => !a.canSeeVolume || a.canSeeVolume(caller, labels)),
    labelNew: (caller, name, labels) => {
      for (const a of admission) a.onVolumeCreate?.({ name, labels, bearerToken: caller?.bearerToken ?? '' });
    },
  };
}

const OPEN_SCOPE: VolumeScope = { caller: () => undefined, canSee: () => true, labelNew: () => undefined };

/**
 * Docker's volumes, apart from where their data lives: that is the volume drivers' (plugins behind
 * `coreVolumeDriversExtensionPoint`, such as Docker's `local`).
 */
export class VolumeService implements VolumeStore {
  private readonly volumes: Collection<VolumeRecord>;
  /** Creates of one name in flight, so concurrent creates (compose, parallel CI jobs) share one result. */
  private readonly creating = new Map<string, Promise<VolumeRecord>>();

  constructor(
    private readonly drivers: ReadonlyMap<string, VolumeDriver>,
    store: StateStore,
    private readonly events: EventsBus,
    private readonly containers: { all(): VolumeUser[] },
    private readonly scope: VolumeScope = OPEN_SCOPE,
  ) {
    this.volumes = new Collection<VolumeRecord>(store, 'volume');
  }

  async load(): Promise<void> {
    await this.volumes.load();
    // A record without its storage (someone cleaned the home) gets an empty one back rather than failing
    // mounts. One whose driver is no longer configured keeps its record; a mount of it then fails by name.
    for (const v of this.volumes.all()) await this.drivers.get(v.driver)?.create(v.id, v.options);
  }

  /** Where a container mounts the volume from (its driver's path); '' when its driver is not configured. */
  registerRoutes(router: DockerApiRouter): void {
    registerVolumeRoutes(router, this);
  }

  mountpoint(name: string): string {
    const v = this.volumes.get(name);
    return (v && this.drivers.get(v.driver)?.mountpoint(name)) ?? '';
  }

  mountRequests(hostConfig: Record<string, unknown>, volumes: Record<string, object> | null, mountsOf: (container: string) => MountPoint[]): MountRequest[] {
    return parseMounts(hostConfig, volumes, volumesFromMounts(hostConfig, mountsOf));
  }

  async mountPoints(requests: MountRequest[]): Promise<MountPoint[]> {
    const mounts: MountPoint[] = [];
    for (const m of requests) {
      if (m.type === 'volume') {
        const vol = await this.ensure(m.source || newObjectId());
        const mountpoint = this.mountpoint(vol.Name);
        mounts.push(mountPointOf({ ...m, source: vol.Name }, m.subpath ? await volumeSubpath(mountpoint, m.subpath) : mountpoint));
      } else if (m.type === 'bind') {
        if (!existsSync(m.source)) {
          if (!m.createSource) throw new InvalidArgumentError(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
          mkdirSync(m.source, { recursive: true });
        }
        mounts.push(mountPointOf(m, m.source));
      } else {
        mounts.push(mountPointOf(m, ''));
      }
    }
    return mounts;
  }

  async removeAnonymous(mounts: readonly MountPoint[]): Promise<void> {
    for (const m of mounts) {
      // Only anonymous volumes go with the container, as `docker rm -v` does.
      if (m.Type === 'volume' && m.Name && HEX64.test(m.Name)) await this.remove(m.Name, false).catch(() => undefined);
    }
  }

  private driver(name: string, volume: string): VolumeDriver {
    const driver = this.drivers.get(name);
    if (driver) return driver;
    const known = [...this.drivers.keys()].map((d) => `"${d}"`);
    throw new NotImplementedError(`create ${volume}: volume driver "${name}" is not supported by Sockerless; only ${known.join(', ') || 'none'} ${known.length > 1 ? 'are' : 'is'}`);
  }

  async create(body: VolumeCreateBody = {}): Promise<Volume> {
    const labels = { ...body.Labels };
    let name = body.Name ?? '';
    if (!name) {
      name = newObjectId();
      labels[ANONYMOUS_LABEL] = '';
    }
    return this.toJson(await this.createRecord(name, body.Driver || DEFAULT_DRIVER, { ...body.DriverOpts }, labels));
  }

  /** Whether `caller` may see the volume of that name (false when there is none, or no more). */
  visibleTo(caller: RequestAdmission | undefined, name: string): boolean {
    const v = this.volumes.get(name);
    return v === undefined ? !caller : this.scope.canSee(caller, v.labels);
  }

  /** Whether the current caller may see a volume with these labels. */
  private canSee(labels: Record<string, string>): boolean {
    return this.scope.canSee(this.scope.caller(), labels);
  }

  /** For the container engine: the named volume, created on first use (64-hex names are anonymous ones). */
  async ensure(name: string): Promise<Volume> {
    const existing = this.volumes.get(name);
    if (existing) {
      this.driver(this.ownedOrConflict(existing).driver, name);
      return this.toJson(existing);
    }
    return this.toJson(await this.createRecord(name, DEFAULT_DRIVER, {}, HEX64.test(name) ? { [ANONYMOUS_LABEL]: '' } : {}));
  }

  /**
   * Names are global, as in Docker, so a name another tenant holds can be neither created again nor
   * mounted: a conflict that says so without showing the volume, as a taken container name does.
   */
  private ownedOrConflict(v: VolumeRecord): VolumeRecord {
    if (!this.canSee(v.labels)) throw new ConflictError(`create ${v.id}: the volume name is in use by another tenant`);
    return v;
  }

  private async createRecord(name: string, driver: string, opts: Record<string, string>, labels: Record<string, string>): Promise<VolumeRecord> {
    if (name.length === 1) throw new InvalidArgumentError(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
    if (!VALID_NAME.test(name)) {
      throw new InvalidArgumentError(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    const storage = this.driver(driver, name);
    storage.checkOptions(name, opts);
    const existing = this.volumes.get(name);
    // Docker answers an existing volume of the same driver as if it had created it, without a new event.
    if (existing) return this.ownedOrConflict(existing);
    const inFlight = this.creating.get(name);
    if (inFlight) return this.ownedOrConflict(await inFlight);
    // Synchronously, so a second create of this name meanwhile joins this one rather than racing it.
    this.scope.labelNew(this.scope.caller(), name, labels);
    const run = (async () => {
      await storage.create(name, opts);
      const rec: VolumeRecord = { id: name, driver, createdAt: rfc3339Seconds(new Date()), labels, options: { ...opts } };
      await this.volumes.put(rec);
      this.events.emit({ Type: 'volume', Action: 'create', Actor: { ID: name, Attributes: { driver } } });
      return rec;
    })().finally(() => this.creating.delete(name));
    this.creating.set(name, run);
    return run;
  }

  list(f: VolumeListFilters = {}): { Volumes: Volume[]; Warnings: string[] } {
    let dangling: boolean | undefined;
    if (f.dangling) {
      const v = f.dangling;
      if (v.includes('true') || v.includes('1')) dangling = true;
      else if (v.includes('false') || v.includes('0')) dangling = false;
      else throw new InvalidArgumentError(`invalid filter 'dangling=${v.join(',')}'`);
    }
    const vols = this.volumes.all().filter((v) => this.canSee(v.labels) &&
      (!f.driver || f.driver.includes(v.driver)) &&
      (!f.name || f.name.some((n) => v.id === n || matchesPattern(n, v.id))) &&
      matchesLabels(v.labels, f.label) &&
      (dangling === undefined || dangling === (this.usedBy(v.id).length === 0)));
    return { Volumes: vols.sort((a, b) => a.id.localeCompare(b.id)).map((v) => this.toJson(v)), Warnings: [] };
  }

  inspect(name: string): Volume {
    return this.toJson(this.get(name));
  }

  private get(name: string): VolumeRecord {
    const v = this.volumes.get(name);
    if (!v || !this.canSee(v.labels)) throw new NotFoundError(`get ${name}: no such volume`);
    return v;
  }

  /** Ids of the containers (any state) that mount the volume. */
  usedBy(name: string): string[] {
    return this.containers.all().filter((c) => c.mounts.some((m) => m.Type === 'volume' && m.Name === name)).map((c) => c.id);
  }

  async usage(): Promise<VolumeUsage[]> {
    return Promise.all(this.list().Volumes.map(async (v) => ({
      ...v, UsageData: { Size: await this.drivers.get(v.Driver)?.size(v.Name) ?? -1, RefCount: this.usedBy(v.Name).length },
    })));
  }

  /** `force` only forgives a missing volume, as in Docker; a volume in use is never removed. */
  async remove(name: string, force = false): Promise<void> {
    const v = this.volumes.get(name);
    if (!v || !this.canSee(v.labels)) {
      if (force) return;
      throw new NotFoundError(`get ${name}: no such volume`);
    }
    const refs = this.usedBy(name);
    if (refs.length) throw new ConflictError(`remove ${name}: volume is in use - [${refs.join(', ')}]`);
    await this.volumes.delete(name);
    await this.drivers.get(v.driver)?.remove(name);
    this.events.emit({ Type: 'volume', Action: 'destroy', Actor: { ID: name, Attributes: { driver: v.driver } } });
  }

  /**
   * Removes unused volumes. Since API 1.42 only anonymous ones unless `all`; `label`/`label!` narrow it.
   * SpaceReclaimed is the bytes the removed directories held.
   */
  async prune(f: { all?: boolean; label?: string[]; notLabel?: string[] } = {}): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of this.volumes.all()) {
      if (!this.canSee(v.labels)) continue;
      if (!f.all && !(ANONYMOUS_LABEL in v.labels) && !HEX64.test(v.id)) continue;
      if (!matchesLabels(v.labels, f.label)) continue;
      if (f.notLabel?.length && matchesLabels(v.labels, f.notLabel)) continue;
      if (this.usedBy(v.id).length) continue;
      const size = await this.drivers.get(v.driver)?.size(v.id) ?? 0;
      try {
        await this.remove(v.id);
      } catch {
        continue; // taken by a container meanwhile
      }
      deleted.push(v.id);
      reclaimed += size;
    }
    this.events.emit({ Type: 'volume', Action: 'prune', Actor: { ID: '', Attributes: { reclaimed: String(reclaimed) } } });
    return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
  }

  private toJson(v: VolumeRecord): Volume {
    return {
      CreatedAt: v.createdAt, Driver: v.driver, Labels: v.labels, Mountpoint: this.mountpoint(v.id),
      Name: v.id, Options: v.options, Scope: 'local',
    };
  }
}

/** Docker's local driver reports CreatedAt in RFC 3339 without fractions. */
function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
