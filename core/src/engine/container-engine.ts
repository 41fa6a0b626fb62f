import { join } from 'node:path';
import {
  Collection, ConflictError, InvalidArgumentError, newObjectId, NotFoundError, UnavailableError, type EventsBus, type LogDriver, POOL_LABEL,
  type CreateAdmission, type MountRequest, type Networks, type RequestAdmission, type Scheduler, type StateStore, type VolumeStore, type WorkloadSpec,
} from '@sockerless/sdk';
import { FileOperations } from './file-operations';
import type { ContainerRecord, ContainerState } from './container-record';
import { ContainerIO } from './container-io';
import { mergeConfig, mergeEnv, type CreateBody, type ImageConfigView } from './create-spec';
import { ContainerSummaries } from './summary-cache';
import type { BackendInstance } from './backend-instances';
import { randomName, validateContainerName } from './ids';
import { currentCaller } from './caller';
import { releaseAll, type AdmissionChain } from './admission-chain';
import { validateCreateSettings } from './create-validation';
import { consoleSizeOf } from './console-size';
import { transition } from './lifecycle/container-state';
import type { LifecycleHooks } from './lifecycle/hooks';

export const DEFAULT_POOL = 'default';
/** A container as the API names it (id, prefix or name), or its record once found. */
export type ContainerRef = string | ContainerRecord;

/** What the engine needs of the image service (kept narrow so the engine tests stay small). */
export interface ImageLookup {
  resolve(ref: string): { id: string; repoTags: string[]; record: { config: { config?: ImageConfigView } } };
  rootfsPath(imageId: string): string | undefined;
}

export interface EngineDeps {
  home: string;
  store: StateStore;
  events: EventsBus;
  images: ImageLookup;
  volumes: Pick<VolumeStore, 'mountRequests' | 'mountPoints' | 'removeAnonymous'>;
  networks: Networks;
  backends: Map<string, BackendInstance>;
  defaultBackend: string | undefined;
  admission: AdmissionChain;
  schedulers: Map<string, Scheduler>;
  lifecycle: LifecycleHooks;
  logs: LogDriver;
}

/** Docker's container semantics: ids and names, create-time merging, lookup, the record, the I/O (runs: RunController). */
export class ContainerEngine {
  readonly containers: Collection<ContainerRecord>;
  private readonly io = new Map<string, ContainerIO>();
  private readonly byName = new Map<string, string>();
  private readonly summaries = new ContainerSummaries();
  /** `docker cp` in flight, which a removal waits for. */
  readonly files = new FileOperations();

  constructor(readonly deps: EngineDeps) {
    this.containers = new Collection<ContainerRecord>(deps.store, 'container');
  }

  async load(): Promise<void> {
    await this.containers.load();
    for (const c of this.containers.all()) this.byName.set(c.name, c.id);
  }

  all(): ContainerRecord[] {
    return this.containers.all();
  }

  /** The `docker ps` answer for these containers (a JSON array), from the summary cache. */
  summariesJson(list: ContainerRecord[]): Buffer {
    return this.summaries.list(list.map((record) => ({ record, revision: this.containers.revision(record.id) })));
  }

  /** By full id, unique id prefix, or name (with or without the slash); Docker's wording otherwise. */
  find(idOrName: string): ContainerRecord {
    const found = this.tryFind(idOrName);
    if (!found) throw new NotFoundError(`No such container: ${idOrName}`);
    return found;
  }

  /** A record a route already looked up, or the reference to look up (once per request). */
  resolve(ref: ContainerRef): ContainerRecord {
    return typeof ref === 'string' ? this.find(ref) : ref;
  }

  /** Lookup as the current caller sees it: a container another tenant owns does not exist for them. */
  tryFind(idOrName: string): ContainerRecord | undefined {
    const c = this.lookup(idOrName);
    return c && this.canSee(c) ? c : undefined;
  }

  /** Whether the current caller may see `c`. */
  canSee(c: ContainerRecord): boolean {
    return this.deps.admission.visibleTo(currentCaller(), c.config.Labels);
  }

  /** The containers the current caller may see (a tenant sees its own). */
  visible(): ContainerRecord[] {
    return this.all().filter((c) => this.canSee(c));
  }

  /** The tenant `caller` acts for (admission's answer); undefined: the operator. */
  tenantOf(caller: RequestAdmission | undefined = currentCaller()): string | undefined {
    return this.deps.admission.tenantOf(caller);
  }

  private lookup(idOrName: string): ContainerRecord | undefined {
    if (!idOrName) return undefined;
    const exact = this.containers.get(idOrName);
    if (exact) return exact;
    const byName = this.byName.get(idOrName.startsWith('/') ? idOrName : `/${idOrName}`);
    if (byName) return this.containers.get(byName);
    if (!/^[0-9a-f]+$/.test(idOrName)) return undefined;
    const matches = this.containers.all().filter((c) => c.id.startsWith(idOrName) && this.canSee(c));
    if (matches.length > 1) throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${idOrName}`);
    return matches[0];
  }

  ioOf(id: string): ContainerIO {
    let io = this.io.get(id);
    if (!io) this.io.set(id, (io = new ContainerIO(this.deps.logs.open(id))));
    return io;
  }

  backendOf(c: ContainerRecord): BackendInstance {
    const b = this.deps.backends.get(c.backend);
    if (!b) throw new NotFoundError(`backend '${c.backend}' of container ${c.id.slice(0, 12)} is not configured`);
    return b;
  }

  emit(c: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.deps.events.emit({
      Type: 'container',
      Action: action,
      Actor: { ID: c.id, Attributes: { ...c.config.Labels, image: c.image, name: c.name.slice(1), ...extra } },
    });
  }

  /** Creates a container for the current caller (whose bearer token admission sees). */
  async create(body: CreateBody, requestedName: string | undefined): Promise<{ Id: string; Warnings: string[] }> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidArgumentError('invalid create body: expected a JSON object');
    if (!body.Image || typeof body.Image !== 'string') throw new InvalidArgumentError('Config cannot be empty in order to create a container');
    // dockerd checks these settings before it looks at the name or the image.
    this.deps.lifecycle.validateCreate(body);
    validateCreateSettings(body, this.deps.logs);
    this.deps.networks.validatePortBindings((body.HostConfig ?? {}) as Record<string, unknown>);
    const name = requestedName ? validateContainerName(requestedName) : randomName((n) => this.byName.has(n));
    this.checkNameFree(name);
    const image = this.deps.images.resolve(body.Image);
    const id = newObjectId();
    const config = mergeConfig(body, image.record.config.config ?? {}, body.Image, id.slice(0, 12));
    this.deps.lifecycle.mergeImageConfig(config, image.record.config.config ?? {});
    const hostConfig = { ...(body.HostConfig ?? {}) } as ContainerRecord['hostConfig'];
    this.deps.networks.normalizeLinks(hostConfig, name);
    this.deps.lifecycle.createHostConfig(hostConfig);
    const mountRequests = this.deps.volumes.mountRequests(hostConfig, config.Volumes, (ref) => this.find(ref).mounts);
    const admission: CreateAdmission = {
      labels: { ...config.Labels }, memoryBytes: typeof hostConfig.Memory === 'number' ? hostConfig.Memory : 0,
      bearerToken: currentCaller()?.bearerToken ?? '', mounts: mountRequests.map((m) => ({ type: m.type, source: m.source, target: m.target })),
      hostConfig: structuredClone(body.HostConfig ?? {}) as Record<string, unknown>,
    };
    const settle: Array<() => void> = [];
    // Reserved now: admission and the backend may await, and a second create with this name must see it taken.
    this.byName.set(name, id);
    try {
      await this.deps.admission.admit('create', settle, (a) => a.onCreate?.(admission));
      const pool = admission.pool ?? config.Labels[POOL_LABEL] ?? DEFAULT_POOL;
      const backend = admission.backend ?? this.place(pool, admission);
      config.Labels[POOL_LABEL] = pool;
      const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
      return await this.createRecord({
        id, name, created: new Date().toISOString(), image: String(body.Image), imageId: image.id, path: argv[0], args: argv.slice(1),
        config, hostConfig, mounts: [], networks: {}, state: transition.created(), restartCount: 0, backend, pool,
      }, body, mountRequests);
    } catch (err) {
      if (!this.containers.get(id)) this.byName.delete(name);
      throw err;
    } finally {
      releaseAll(settle);
    }
  }

  /** The backend instance for a new container: the pool's scheduler among its candidates, else the default. */
  private place(pool: string, admission: CreateAdmission): string {
    if (!admission.candidates) {
      const backend = this.deps.defaultBackend;
      if (!backend || !this.deps.backends.has(backend)) throw new NotFoundError(`no backend available for pool ${pool}`);
      return backend;
    }
    const isAvailable = (name: string) => this.deps.backends.get(name)?.available() ?? false;
    const schedulerName = admission.scheduler ?? this.deps.schedulers.keys().next().value;
    const scheduler = schedulerName === undefined ? undefined : this.deps.schedulers.get(schedulerName);
    if (schedulerName !== undefined && !scheduler) throw new NotFoundError(`pool ${pool}: no scheduler named '${schedulerName}' is registered`);
    const picked = scheduler
      ? scheduler.pick({ pool, candidates: admission.candidates, isAvailable, labels: admission.labels })
      : admission.candidates.find(isAvailable);
    if (!picked || !this.deps.backends.has(picked) || !isAvailable(picked)) {
      throw new UnavailableError(`pool ${pool}: no backend instance is available (${admission.candidates.join(', ') || 'none configured'})`);
    }
    return picked;
  }

  private checkNameFree(name: string): void {
    const taken = this.byName.get(name);
    if (!taken) return;
    const holder = this.containers.get(taken);
    // Names are global, as in Docker, but another tenant's container id is not ours to show.
    const shown = holder && !this.canSee(holder) ? 'of another tenant' : `"${taken}"`;
    throw new ConflictError(`Conflict. The container name "${name}" is already in use by container ${shown}. You have to remove (or rename) that container to be able to reuse that name.`);
  }

  /** `record` gets its endpoints and mounts here, then the backend's workload, then the store. */
  private async createRecord(record: ContainerRecord, body: CreateBody, mountRequests: MountRequest[]): Promise<{ Id: string; Warnings: string[] }> {
    record.networks = this.deps.networks.attachOnCreate({
      networkMode: String(record.hostConfig.NetworkMode || 'default'), endpointsConfig: body.NetworkingConfig?.EndpointsConfig ?? {},
      legacyMacAddress: body.MacAddress, containerName: record.name.slice(1), containerId: record.id,
    });
    record.mounts = await this.deps.volumes.mountPoints(mountRequests);
    await this.backendOf(record).create(this.workloadSpec(record));
    // The record is durable before the 201 goes out; a crash after this point finds it at boot.
    await this.containers.put(record);
    this.emit(record, 'create');
    await this.deps.networks.changed(record);
    return { Id: record.id, Warnings: [] };
  }

  /** What the backend runs. `starting`: for a start, when a shared network's owner must be running. */
  workloadSpec(c: ContainerRecord, starting = false): WorkloadSpec {
    return {
      id: c.id,
      name: c.name.slice(1),
      hostname: c.config.Hostname,
      image: { id: c.imageId, ref: c.image, rootfs: this.deps.images.rootfsPath(c.imageId) },
      argv: [c.path, ...c.args],
      // Link variables go under the container's own, which win (dockerd's CreateDaemonEnvironment).
      env: starting && c.hostConfig.Links ? mergeEnv(this.deps.networks.linkEnv(c), c.config.Env) : c.config.Env,
      workingDir: c.config.WorkingDir,
      user: c.config.User,
      groupAdd: Array.isArray(c.hostConfig.GroupAdd) ? (c.hostConfig.GroupAdd as unknown[]).map(String) : undefined,
      tty: c.config.Tty,
      consoleSize: c.config.Tty ? consoleSizeOf(c.hostConfig.ConsoleSize) : undefined,
      openStdin: c.config.OpenStdin,
      mounts: c.mounts.map((m) => ({ type: m.Type, source: m.Source, target: m.Destination, readOnly: !m.RW })),
      labels: c.config.Labels,
      stateDir: join(this.backendOf(c).stateDir, 'containers', c.id),
      memoryBytes: typeof c.hostConfig.Memory === 'number' ? c.hostConfig.Memory : 0,
      network: this.deps.networks.workloadNetwork(c, starting),
      // Resource limits and confinement (the `confinement` plugin's, by default).
      ...this.deps.lifecycle.workloadSettings(c),
    };
  }

  async save(c: ContainerRecord): Promise<void> {
    await this.containers.put(c);
  }

  /**
   * Lands a lifecycle transition: the state, the hooks' part (`landing`: dockerd's start inits the health monitor),
   * saved, then its event. A removal in progress is not saved: dockerd keeps SetRemovalInProgress in memory.
   */
  async apply(c: ContainerRecord, next: ContainerState, event?: string, landing?: () => void): Promise<void> {
    c.state = next;
    landing?.();
    if (next.Status !== 'removing') await this.save(c);
    if (event) this.emit(c, event);
  }

  /** Whether a name (with its slash) is held, for records rebuilt at boot (recovery.ts). */
  nameTaken(name: string): boolean {
    return this.byName.has(name);
  }

  /** Stores a record rebuilt at boot from what a backend reports (recovery.ts); its name must be free. */
  async addRecovered(record: ContainerRecord): Promise<void> {
    if (this.byName.has(record.name)) throw new ConflictError(`container name ${record.name} is already in use`);
    this.byName.set(record.name, record.id);
    await this.containers.put(record);
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const c = this.find(idOrName);
    const name = validateContainerName(newName);
    if (name === c.name) throw new InvalidArgumentError(`Renaming a container with the same name as its current name`);
    this.checkNameFree(name);
    const updated = { ...c, name };
    await this.containers.put(updated);
    this.byName.delete(c.name);
    this.byName.set(name, c.id);
    this.emit(updated, 'rename', { oldName: c.name });
  }

  /** Removes a stopped container's record, backend state, logs and (with `v`) its anonymous volumes. */
  async destroy(c: ContainerRecord, removeVolumes: boolean): Promise<void> {
    await this.files.drain(c.id);
    try {
      await this.backendOf(c).remove(c.id);
    } finally {
      this.files.forget(c.id);
    }
    await this.containers.delete(c.id);
    this.summaries.forget(c.id);
    this.byName.delete(c.name);
    await this.deps.networks.removed(c);
    const io = this.io.get(c.id);
    // The log driver's files of the container go with its log (logs-local: `<home>/containers/<id>`).
    (io?.log ?? this.deps.logs.open(c.id)).destroy();
    this.io.delete(c.id);
    if (removeVolumes) await this.deps.volumes.removeAnonymous(c.mounts);
    this.emit(c, 'destroy');
  }
}
