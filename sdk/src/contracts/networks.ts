import type { EventsBus, Logger } from '../services';
import type { StateStore } from './store';
import type { HostEntry, WorkloadEndpoint, WorkloadNetwork } from './backend';
import type { DockerApiRoutes } from '../api/router';

/**
 * Docker's network service (dockerd's daemon/network.go with libnetwork's IPAM and endpoints): networks and
 * their addresses, a container's endpoints, the `/etc/hosts` lines peers find each other by, legacy links and
 * published ports, with its `/networks` routes (`registerRoutes`). The core keeps the container lifecycle and
 * calls only this contract; one plugin provides it through `coreNetworksExtensionPoint` (the default is `networks`). Backends still do
 * the plumbing (bridges, veths, NAT) through their `network` power, which only the core's gateway calls: the
 * service asks for it through `NetworkContainerAccess`.
 */
export interface Networks extends DockerApiRoutes {
  /** Boot: loads stored networks and makes the predefined ones (`bridge`, `host`, `none`) a fresh home lacks. */
  load(): Promise<void>;

  // The `/networks` API, with Docker's errors and wording.
  list(filters?: NetworkListFilters): Record<string, unknown>[];
  inspect(idOrName: string): Record<string, unknown>;
  create(body: NetworkCreateBody, opts?: { lenientSubnets?: boolean }): Promise<{ Id: string; Warning: string }>;
  remove(idOrName: string): Promise<void>;
  prune(filters?: { untilMs?: number; label?: string[]; notLabel?: string[] }): Promise<{ NetworksDeleted: string[] }>;
  connect(idOrName: string, body: { Container?: string; EndpointConfig?: Record<string, any> | null }): Promise<void>;
  disconnect(idOrName: string, body: { Container?: string; Force?: boolean }): Promise<void>;

  // Tenancy: each tenant has its own default bridge and sees its own networks and shared `host`/`none`.
  /** Makes the calling tenant's default bridge on its first request (no-op for the operator). */
  ensureTenantBridge(): Promise<void>;
  /** Whether a caller acting for `tenant` (undefined: the operator) may see a network event with these attributes. */
  eventVisibleTo(attributes: Record<string, string>, tenant: string | undefined): boolean;

  // What a container's create checks and stores.
  /** Checks `HostConfig.PortBindings` at create, as dockerd's verifyContainerSettings does. */
  validatePortBindings(hostConfig: Record<string, unknown>): void;
  /** Checks `HostConfig.Links` (each target must exist) and rewrites it to the form inspect shows. */
  normalizeLinks(hostConfig: Record<string, unknown>, containerName: string): void;
  /**
   * The endpoints a new container gets for its NetworkMode and EndpointsConfig, with addresses reserved until
   * its record is stored; `legacyMacAddress` is a pre-1.44 client's `Config.MacAddress`.
   */
  attachOnCreate(req: AttachRequest): Record<string, EndpointSettings>;
  /** The record is going away: its reservations are freed and its peers' hosts lines refreshed. */
  removed(container: NetworkedContainer): Promise<void>;
  /** The record was stored (create, rename): peers on its networks get fresh hosts lines. */
  changed(container: NetworkedContainer): Promise<void>;
  /** `DELETE /containers/{parent}/{alias}?link=true`: drops the link (404 when there is none). */
  removeLink(parent: NetworkedContainer, alias: string): void;

  // What a container's start and stop use.
  /** The network a backend gives the workload; `starting` refuses a shared namespace whose owner is not running. */
  workloadNetwork(c: NetworkedContainer, starting: boolean): WorkloadNetwork;
  /** `ALIAS_*` variables of the container's links (moby's links.Link.ToEnv); refuses a link to a stopped container. */
  linkEnv(c: NetworkedContainer): string[];
  /** The container started with these hosts lines; later changes are pushed to it while it runs. */
  started(c: NetworkedContainer, hosts: HostEntry[]): void;
  /** The container stopped: nothing more is pushed to it. */
  stopped(containerId: string): void;
  /** Docker emits `connect` when a container's endpoints come up (start) and `disconnect` when they go (its `die`). */
  emitEndpointEvents(c: NetworkedContainer, action: 'connect' | 'disconnect'): void;
}

export interface AttachRequest {
  /** `HostConfig.NetworkMode`: `default`, `bridge`, `host`, `none`, `container:<id>` or a network. */
  networkMode: string;
  /** `NetworkingConfig.EndpointsConfig` as the client sent it. */
  endpointsConfig: Record<string, any>;
  /** A pre-1.44 client's `Config.MacAddress`, meant for the NetworkMode network's endpoint. */
  legacyMacAddress?: unknown;
  containerName: string;
  containerId: string;
}

/** What the service reads of a container record (the core's record has more). */
export interface NetworkedContainer {
  id: string;
  /** With the leading slash, as Docker stores it. */
  name: string;
  config: { Hostname: string; Domainname: string; Env: string[]; ExposedPorts?: Record<string, object> };
  hostConfig: Record<string, unknown> & { NetworkMode?: string };
  networks: Record<string, EndpointSettings>;
  state: { Status: string; Running: boolean; Paused: boolean; Restarting: boolean; Dead: boolean };
}

/** What the core hands the service: the containers, and the backend powers it may not call itself. */
export interface NetworkContainerAccess {
  all(): NetworkedContainer[];
  /** By full id, unique id prefix, or name (with or without slash); NotFound `No such container: X` otherwise. */
  find(idOrName: string): NetworkedContainer;
  tryFind(idOrName: string): NetworkedContainer | undefined;
  /** Whether the current caller may see the container (tenant scoping); inspect lists only those. */
  canSee(c: NetworkedContainer): boolean;
  /** The tenant the current caller acts for; undefined for the operator. */
  tenant(): string | undefined;
  saveNetworks(id: string, networks: Record<string, EndpointSettings>): Promise<void>;
  /** A running container gains an endpoint: its backend plugs it in (before the change is saved). */
  connectEndpoint(c: NetworkedContainer, endpoint: WorkloadEndpoint): Promise<void>;
  disconnectEndpoint(c: NetworkedContainer, networkId: string): Promise<void>;
  /** The network is gone: backends free what they made for it. */
  networkRemoved(networkId: string): Promise<void>;
  /** Rewrites a running container's `/etc/hosts`; undefined when its backend has no network power. */
  hostsWriter(c: NetworkedContainer): ((hosts: HostEntry[]) => Promise<void>) | undefined;
}

/** Where the daemon takes network addresses from, as dockerd's `bip` and `default-address-pools`. */
export interface NetworkAddressing {
  /** The default bridge: its gateway address with the prefix, e.g. `172.17.0.1/16`. */
  bip: string;
  /** Ranges user-defined networks are cut from: `base` split into subnets of `/size`. */
  defaultAddressPools: { base: string; size: number }[];
}

/** What the core hands the service when it creates it, once the state store is there. */
export interface NetworksContext {
  /** The durable state; the service keeps its records under kind `network`. */
  store: StateStore;
  events: EventsBus;
  logger: Logger;
  /** The config's and the command line's `bip` and pools; Docker's ranges for what is not given. */
  addressing?: Partial<NetworkAddressing>;
  containers: NetworkContainerAccess;
}

/** Cardinality one: the core creates the configured service's instance once the state store is ready. */
export interface NetworksRegistry {
  setNetworks(create: (ctx: NetworksContext) => Networks): void;
}

/** One entry of `NetworkSettings.Networks`, as Docker's EndpointSettings. */
export interface EndpointSettings {
  IPAMConfig: Record<string, unknown> | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DriverOpts: Record<string, string> | null;
  DNSNames: string[] | null;
}

export interface NetworkListFilters {
  id?: string[]; name?: string[]; label?: string[]; driver?: string[]; type?: string[]; scope?: string[]; dangling?: string[];
}

export interface IpamConfigEntry {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** The body of `POST /networks/create`. */
export interface NetworkCreateBody {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  IPAM?: { Driver?: string; Config?: IpamConfigEntry[] | null; Options?: Record<string, string> | null } | null;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}
