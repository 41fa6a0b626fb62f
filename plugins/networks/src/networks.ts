import {
  Collection, ConflictError, ForbiddenError, InvalidArgumentError, newObjectId, NotFoundError, stringMap, TENANT_LABEL,
  type EndpointSettings, type EventsBus, type IpamConfigEntry, type NetworkContainerAccess, type NetworkCreateBody,
  type NetworkedContainer, type NetworkListFilters, type StateStore, type StoredRecord,
} from '@sockerless/sdk';
import { matchesLabelFilters } from '@sockerless/sdk/images';
import { BRIDGE_OPTIONS, checkDriver, filterMatch, PREDEFINED } from './network-rules';
import { DOCKER_ADDRESSING, bridgeOf, poolSubnets, type NetworkAddressing } from './network-addressing';
import { buildEndpoint, endpointOn } from './network-endpoints';
import { networkVisibleTo, ownFirst, ownerOf, tenantBridge, withOwner } from './network-tenancy';
import { ipToInt, parseCidr, planIpam, type NetworkPool } from './network-ipam';

/**
 * What the network service needs of the containers (the plugin's DockerNetworks wires it from what the core
 * hands it; tests give a table of their own).
 */
export interface ContainerNetworkAccess extends Pick<NetworkContainerAccess, 'all' | 'find' | 'saveNetworks'> {
  /** Whether the current caller may see the container (tenant scoping); inspect lists only those. */
  canSee?(c: ContainerRecord): boolean;
  /**
   * A running container gains an endpoint: the backend plugs it in before the change is saved, so a failure
   * leaves nothing half-made. `endpointRemoved` unplugs one; `changed` runs after either is saved.
   */
  endpointAdded?(c: ContainerRecord, networkName: string, ep: EndpointSettings): Promise<void>;
  endpointRemoved?(c: ContainerRecord, networkId: string): Promise<void>;
  changed?(networkId: string, containerId: string): Promise<void>;
  /** The network is gone: backends free what they made for it. */
  networkRemoved?(networkId: string): Promise<void>;
  /** The tenant the current caller acts for; undefined for the operator (see network-tenancy.ts). */
  tenant?(): string | undefined;
}

export interface NetworkRecord extends StoredRecord {
  id: string;
  name: string;
  created: string;
  driver: string;
  internal: boolean;
  attachable: boolean;
  enableIPv4: boolean;
  enableIPv6: boolean;
  /** IPAM as inspect shows it: user-given config verbatim, or the allocated subnet and gateway. */
  ipam: { Driver: string; Options: Record<string, string>; Config: IpamConfigEntry[] };
  pools: NetworkPool[];
  options: Record<string, string>;
  labels: Record<string, string>;
}

/** Addresses handed out between attachOnCreate and the container record being stored, so two racing creates differ. */
const RESERVATION_MS = 5 * 60_000;

type ContainerRecord = NetworkedContainer;

const isActive = (c: ContainerRecord) => c.state.Running || c.state.Paused || c.state.Restarting;
export class NetworkService {
  private readonly networks: Collection<NetworkRecord>;
  private readonly reservations = new Map<string, { networkId: string; ip: number; at: number }[]>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Tenants whose own default bridge is known to exist. */
  private readonly bridgedTenants = new Set<string>();

  constructor(store: StateStore, private readonly events: EventsBus, private readonly containers: ContainerNetworkAccess,
    private readonly addressing: NetworkAddressing = DOCKER_ADDRESSING) {
    this.networks = new Collection<NetworkRecord>(store, 'network');
    // Checked here so a bad value stops the boot rather than the first network create.
    bridgeOf(addressing.bip);
    for (const _ of poolSubnets(addressing.defaultAddressPools)) break;
  }

  /** Loads stored networks and creates the predefined ones a fresh home lacks. */
  async load(): Promise<void> {
    await this.networks.load();
    const now = new Date().toISOString();
    const base = { created: now, internal: false, attachable: false, enableIPv6: false, labels: {} };
    const bridge = bridgeOf(this.addressing.bip);
    const predefined: NetworkRecord[] = [
      { ...base, id: newObjectId(), name: 'bridge', driver: 'bridge', enableIPv4: true, options: { ...BRIDGE_OPTIONS },
        ipam: { Driver: 'default', Options: {}, Config: [{ Subnet: bridge.subnet, Gateway: bridge.gateway }] },
        pools: [{ subnet: bridge.subnet, gateway: bridge.gateway, reserved: [], userConfigured: false }] },
      { ...base, id: newObjectId(), name: 'host', driver: 'host', enableIPv4: false, options: {}, ipam: { Driver: 'default', Options: {}, Config: [] }, pools: [] },
      { ...base, id: newObjectId(), name: 'none', driver: 'null', enableIPv4: false, options: {}, ipam: { Driver: 'default', Options: {}, Config: [] }, pools: [] },
    ];
    for (const p of predefined) {
      if (!this.networks.all().some((n) => n.name === p.name && ownerOf(n) === undefined)) await this.networks.put(p);
    }
  }

  all(): NetworkRecord[] {
    return this.networks.all();
  }

  /** The networks the current caller may see and use: a tenant's own and the shared ones, or all for the operator. */
  private visible(): NetworkRecord[] {
    const tenant = this.containers.tenant?.();
    const all = this.networks.all();
    return tenant === undefined ? all : all.filter((n) => networkVisibleTo(n, tenant));
  }

  /** A tenant's own default bridge, made when the tenant first calls (its containers start there by default). */
  async ensureTenantBridge(): Promise<void> {
    const tenant = this.containers.tenant?.();
    if (tenant === undefined || this.bridgedTenants.has(tenant)) return;
    await this.serial(async () => {
      if (this.networks.all().some((n) => n.name === 'bridge' && ownerOf(n) === tenant)) return;
      const { pools } = planIpam(null, true, false, this.takenSubnets(), () => poolSubnets(this.addressing.defaultAddressPools));
      await this.networks.put(tenantBridge(tenant, pools[0]));
    });
    this.bridgedTenants.add(tenant);
  }

  private takenSubnets() {
    return this.networks.all().flatMap((n) => n.pools.map((p) => parseCidr(p.subnet)!));
  }

  byId(id: string): NetworkRecord | undefined {
    return this.networks.get(id);
  }

  isUserDefined(id: string): boolean {
    const n = this.networks.get(id);
    return !!n && !PREDEFINED.has(n.name);
  }

  /** Docker's FindNetwork: full id, then full name, then unique id prefix; among the networks the caller may see. */
  find(term: string): NetworkRecord {
    const all = this.visible();
    const byId = all.find((n) => n.id === term);
    if (byId) return byId;
    const byName = ownFirst(all.filter((n) => n.name === term), this.containers.tenant?.());
    if (byName.length === 1) return byName[0];
    if (byName.length > 1) throw new InvalidArgumentError(`network ${term} is ambiguous (${byName.length} matches found based on name)`);
    const byPrefix = term ? all.filter((n) => n.id.startsWith(term)) : [];
    if (byPrefix.length === 1) return byPrefix[0];
    if (byPrefix.length > 1) throw new InvalidArgumentError(`network ${term} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw new NotFoundError(`network ${term} not found`);
  }

  async create(body: NetworkCreateBody, opts: { lenientSubnets?: boolean } = {}): Promise<{ Id: string; Warning: string }> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidArgumentError('invalid network config: expected a JSON object');
    const name = body.Name;
    if (typeof name !== 'string' || name === '') throw new InvalidArgumentError(`invalid name: ${name ?? ''}`);
    if (PREDEFINED.has(name)) throw new ForbiddenError(`operation is not permitted on predefined ${name} network `);
    const driver = body.Driver || 'bridge';
    checkDriver(driver, body);
    const tenant = this.containers.tenant?.();
    const labels = withOwner({ ...stringMap(body.Labels, 'Labels') }, tenant);
    return this.serial(async () => {
      // Checked inside the critical section: two racing creates of one name must not both succeed. Names are
      // per tenant: another tenant's network of that name does not exist for this caller.
      if (this.networks.all().some((n) => n.name === name && ownerOf(n) === ownerOf({ labels }))) throw new ConflictError(`network with name ${name} already exists`);
      const enableIPv4 = body.EnableIPv4 ?? true;
      const enableIPv6 = body.EnableIPv6 ?? false;
      const { config, pools } = planIpam(body.IPAM ?? null, enableIPv4, enableIPv6, this.takenSubnets(), () => poolSubnets(this.addressing.defaultAddressPools), opts.lenientSubnets);
      const rec: NetworkRecord = {
        id: newObjectId(), name, created: new Date().toISOString(), driver,
        internal: !!body.Internal, attachable: !!body.Attachable, enableIPv4, enableIPv6,
        ipam: { Driver: body.IPAM?.Driver || 'default', Options: { ...stringMap(body.IPAM?.Options, 'IPAM.Options') }, Config: config },
        pools, options: { ...stringMap(body.Options, 'Options') }, labels,
      };
      await this.networks.put(rec);
      this.emit(rec, 'create');
      return { Id: rec.id, Warning: '' };
    });
  }

  list(f: NetworkListFilters = {}): Record<string, unknown>[] {
    let nets = this.visible().filter((n) =>
      (!f.driver || f.driver.includes(n.driver)) && filterMatch(f.name, n.name) && filterMatch(f.id, n.id) &&
      matchesLabelFilters(n.labels, f.label) && (!f.scope || f.scope.includes('local')));
    if (f.dangling) {
      if (f.dangling.length > 1) throw new InvalidArgumentError('got more than one value for filter key "dangling"');
      const v = f.dangling[0];
      if (!['0', 'false', '1', 'true'].includes(v)) throw new InvalidArgumentError(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
      const danglingOnly = v === '1' || v === 'true';
      nets = nets.filter((n) => danglingOnly
        ? !PREDEFINED.has(n.name) && this.activeEndpoints(n).length === 0
        : PREDEFINED.has(n.name) || this.activeEndpoints(n).length > 0);
    }
    if (f.type) {
      for (const t of f.type) if (t !== 'custom' && t !== 'builtin') throw new InvalidArgumentError(`invalid filter: 'type'='${t}'`);
      nets = nets.filter((n) => f.type!.includes(PREDEFINED.has(n.name) ? 'builtin' : 'custom'));
    }
    // The list shows no attached containers since API 1.28; inspect does.
    return nets.sort((a, b) => a.created.localeCompare(b.created)).map((n) => ({ ...this.toJson(n), Containers: {} }));
  }

  inspect(idOrName: string): Record<string, unknown> {
    const n = this.find(idOrName);
    const containers: Record<string, unknown> = {};
    for (const [c, ep] of this.activeEndpoints(n)) {
      if (this.containers.canSee && !this.containers.canSee(c)) continue;
      containers[c.id] = {
        Name: c.name.replace(/^\//, ''), EndpointID: ep.EndpointID, MacAddress: ep.MacAddress,
        IPv4Address: ep.IPAddress ? `${ep.IPAddress}/${ep.IPPrefixLen}` : '',
        IPv6Address: ep.GlobalIPv6Address ? `${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen}` : '',
      };
    }
    return { ...this.toJson(n), Containers: containers };
  }

  private toJson(n: NetworkRecord): Record<string, unknown> {
    return {
      Name: n.name, Id: n.id, Created: n.created, Scope: 'local', Driver: n.driver, EnableIPv4: n.enableIPv4, EnableIPv6: n.enableIPv6,
      IPAM: { Driver: n.ipam.Driver, Options: n.ipam.Options, Config: n.ipam.Config }, Internal: n.internal, Attachable: n.attachable,
      Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Options: n.options, Labels: n.labels,
    };
  }

  /** Endpoints exist while a container runs, as in Docker; a stopped container keeps only its config. */
  private activeEndpoints(n: NetworkRecord): [ContainerRecord, EndpointSettings][] {
    const out: [ContainerRecord, EndpointSettings][] = [];
    for (const c of this.containers.all()) {
      const ep = endpointOn(c, n);
      if (ep && isActive(c)) out.push([c, ep]);
    }
    return out;
  }

  async remove(idOrName: string): Promise<void> {
    const n = this.find(idOrName);
    if (PREDEFINED.has(n.name)) throw new ForbiddenError(`${n.name} is a pre-defined network and cannot be removed`);
    if (this.activeEndpoints(n).length > 0) {
      throw new ForbiddenError(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    }
    await this.serial(() => this.networks.delete(n.id));
    await this.containers.networkRemoved?.(n.id);
    this.emit(n, 'destroy');
  }

  async prune(f: { untilMs?: number; label?: string[]; notLabel?: string[] } = {}): Promise<{ NetworksDeleted: string[] }> {
    const deleted: string[] = [];
    for (const n of this.visible()) {
      if (PREDEFINED.has(n.name) || this.activeEndpoints(n).length > 0) continue;
      if (f.untilMs !== undefined && Date.parse(n.created) > f.untilMs) continue;
      if (!matchesLabelFilters(n.labels, f.label)) continue;
      if (f.notLabel?.length && matchesLabelFilters(n.labels, f.notLabel)) continue;
      await this.remove(n.id).then(() => deleted.push(n.name), () => undefined);
    }
    this.events.emit({ Type: 'network', Action: 'prune', Actor: { ID: '', Attributes: { reclaimed: '0' } } });
    return { NetworksDeleted: deleted };
  }

  /**
   * The endpoints a new container gets: NetworkMode `default` is the bridge, `host`/`none` get an endpoint
   * without an address, `container:<id>` shares another's and gets none; EndpointsConfig may add more.
   */
  attachOnCreate(networkMode: string, endpointsConfig: Record<string, any>, containerName: string, containerId: string): Record<string, EndpointSettings> {
    const mode = !networkMode || networkMode === 'default' ? 'bridge' : networkMode;
    if (mode.startsWith('container:')) return {};
    const requested = new Map<string, { net: NetworkRecord; cfg: Record<string, any> }>();
    const primary = this.find(mode);
    requested.set(primary.id, { net: primary, cfg: {} });
    for (const [key, cfg] of Object.entries(endpointsConfig ?? {})) {
      const net = this.find(key === 'default' ? 'bridge' : key);
      requested.set(net.id, { net, cfg: cfg ?? {} });
    }
    const nets = [...requested.values()];
    if (nets.length > 1) {
      if (nets.some((r) => r.net.driver === 'host')) throw new InvalidArgumentError('container sharing network namespace with another container or host cannot be connected to any other network');
      if (nets.some((r) => r.net.name === 'none')) throw new InvalidArgumentError('container cannot be connected to multiple networks with one of the networks in private (none) mode');
    }
    const out: Record<string, EndpointSettings> = {};
    const pending: { networkId: string; ip: number; at: number }[] = [];
    for (const { net, cfg } of nets) {
      try {
        const alsoUsed = pending.map((p) => p.ip);
        const ep = buildEndpoint(net, cfg, containerName, containerId, (pool) => this.usedAddresses(net, pool, alsoUsed));
        out[net.name] = ep;
        const ip = ipToInt(ep.IPAddress);
        if (ip !== undefined) pending.push({ networkId: net.id, ip, at: Date.now() });
      } catch (err) {
        if ((err as { code?: string }).code === 'InvalidArgument') throw new InvalidArgumentError(`invalid config for network ${net.name}: ${(err as Error).message}`);
        throw err;
      }
    }
    this.reservations.set(containerId, pending);
    return out;
  }

  /** The record is going away; its addresses are free again. */
  releaseOnRemove(container: ContainerRecord): void {
    this.reservations.delete(container.id);
  }

  /** Docker emits connect when a container's endpoints come up (start) and disconnect when they go (stop). */
  emitEndpointEvents(c: ContainerRecord, action: 'connect' | 'disconnect'): void {
    for (const [name, ep] of Object.entries(c.networks)) {
      const n = this.networks.get(ep.NetworkID) ?? this.networks.all().find((x) => x.name === name);
      if (n) this.emit(n, action, c.id);
    }
  }

  async connect(idOrName: string, body: { Container?: string; EndpointConfig?: Record<string, any> | null }): Promise<void> {
    const n = this.find(idOrName);
    const c = this.containers.find(body?.Container ?? '');
    const cname = c.name.replace(/^\//, '');
    if (c.state.Dead || c.state.Status === 'removing') throw new ConflictError(`Container ${c.id} is marked for removal and cannot be connected or disconnected to the network`);
    const mode = String(c.hostConfig.NetworkMode || 'default');
    if (mode.startsWith('container:')) throw new InvalidArgumentError('container sharing network namespace with another container or host cannot be connected to any other network');
    if (mode !== 'host' && n.driver === 'host') throw new InvalidArgumentError('cannot connect container to host network - container must be created in host network mode');
    await this.serial(async () => {
      for (const [name, ep] of Object.entries(c.networks)) {
        const sn = this.networks.get(ep.NetworkID) ?? this.networks.all().find((x) => x.name === name);
        if (!sn) continue;
        if (sn.id === n.id) {
          // A stopped container keeps one config per network (Docker returns quietly); a running one has an endpoint.
          if (isActive(c)) throw new ForbiddenError(`endpoint with name ${cname} already exists in network ${n.name}`);
          return;
        }
        if (sn.driver === 'host' || n.driver === 'host') throw new InvalidArgumentError('container sharing network namespace with another container or host cannot be connected to any other network');
        if (sn.name === 'none' || n.name === 'none') throw new InvalidArgumentError('container cannot be connected to multiple networks with one of the networks in private (none) mode');
      }
      const ep = buildEndpoint(n, body.EndpointConfig ?? {}, cname, c.id, (pool) => this.usedAddresses(n, pool, []));
      if (c.state.Running) await this.containers.endpointAdded?.(c, n.name, ep);
      await this.containers.saveNetworks(c.id, { ...c.networks, [n.name]: ep });
    });
    await this.containers.changed?.(n.id, c.id);
    if (isActive(c)) this.emit(n, 'connect', c.id);
  }

  async disconnect(idOrName: string, body: { Container?: string; Force?: boolean }): Promise<void> {
    let n: NetworkRecord | undefined;
    let findErr: unknown;
    try { n = this.find(idOrName); } catch (err) { findErr = err; }
    const c = this.containers.find(body?.Container ?? '');
    if (c.state.Dead || c.state.Status === 'removing') throw new ConflictError(`Container ${c.id} is marked for removal and cannot be connected or disconnected to the network`);
    // Docker: a stopped container (or a forced disconnect from a vanished network) only edits the config.
    const configOnly = !isActive(c) || (!n && !!body.Force);
    if (!n && !configOnly) throw findErr;
    const name = n?.name ?? idOrName;
    if (n && !configOnly && String(c.hostConfig.NetworkMode) === 'host' && n.driver === 'host') {
      throw new InvalidArgumentError('cannot disconnect container from host network - container was created in host network mode');
    }
    const key = n ? Object.keys(c.networks).find((k) => k === n!.name || c.networks[k].NetworkID === n!.id) : (name in c.networks ? name : undefined);
    // Docker answers these two with a plain error (500); the wording differs between its two paths.
    if (!key) throw new Error(configOnly ? `container ${c.id} is not connected to the network ${name}` : `container ${c.id} is not connected to network ${name}`);
    const rest = { ...c.networks };
    const networkId = c.networks[key].NetworkID;
    delete rest[key];
    await this.serial(async () => {
      if (!configOnly && c.state.Running) await this.containers.endpointRemoved?.(c, networkId);
      await this.containers.saveNetworks(c.id, rest);
    });
    await this.containers.changed?.(networkId, c.id);
    if (n && !configOnly) this.emit(n, 'disconnect', c.id);
  }

  /** Addresses taken in a pool: gateway, auxiliary ones, every container's (any state), and fresh reservations. */
  private usedAddresses(n: NetworkRecord, pool: NetworkPool, alsoUsed: number[]): Set<number> {
    const used = new Set<number>(alsoUsed);
    for (const a of [pool.gateway, ...pool.reserved]) { const x = ipToInt(a); if (x !== undefined) used.add(x); }
    const known = new Set<string>();
    for (const c of this.containers.all()) {
      known.add(c.id);
      const ep = endpointOn(c, n);
      const x = ep ? ipToInt(ep.IPAddress) : undefined;
      if (x !== undefined) used.add(x);
    }
    const now = Date.now();
    for (const [cid, list] of this.reservations) {
      // Once the record is stored (or the create failed long ago) the reservation has done its job.
      if (known.has(cid) || list.every((r) => now - r.at > RESERVATION_MS)) { this.reservations.delete(cid); continue; }
      for (const r of list) if (r.networkId === n.id) used.add(r.ip);
    }
    return used;
  }

  private emit(n: NetworkRecord, action: string, container?: string): void {
    const Attributes: Record<string, string> = { name: n.name, type: n.driver };
    if (container) Attributes.container = container;
    const owner = ownerOf(n);
    if (owner !== undefined) Attributes[TENANT_LABEL] = owner;
    this.events.emit({ Type: 'network', Action: action, Actor: { ID: n.id, Attributes } });
  }

  /** Serialises changes that read-then-write the working set (names, addresses). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
