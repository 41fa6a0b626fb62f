import type {
  AttachRequest, DockerApiRouter, EndpointSettings, HostEntry, NetworkContainerAccess, NetworkCreateBody, NetworkedContainer, NetworkListFilters, Networks, NetworksContext,
  WorkloadNetwork,
} from '@sockerless/sdk';
import { ContainerNetworking } from './container-networking';
import { linkEnv, normalizeLinks, removeLink } from './legacy-links';
import { DOCKER_ADDRESSING } from './network-addressing';
import { withLegacyMacAddress } from './network-endpoints';
import { networkEventVisibleTo } from './network-tenancy';
import { NetworkService } from './networks';
import { registerNetworkRoutes } from './network-routes';
import { validatePortBindings } from './port-bindings';

/**
 * The `Networks` contract the core calls: the network service (networks, addresses, endpoints), a
 * container's networking (its workload network and `/etc/hosts`, kept current as peers come and go), legacy
 * links and published ports, over the containers and backend powers the core hands in.
 */
export class DockerNetworks implements Networks {
  readonly service: NetworkService;
  private readonly networking: ContainerNetworking;
  private readonly containers: NetworkContainerAccess;

  constructor(ctx: NetworksContext) {
    const containers = ctx.containers;
    this.containers = containers;
    // What the config and the command line leave out is Docker's (`bip` 172.17.0.1/16 and its pools).
    const addressing = {
      bip: ctx.addressing?.bip ?? DOCKER_ADDRESSING.bip,
      defaultAddressPools: ctx.addressing?.defaultAddressPools ?? DOCKER_ADDRESSING.defaultAddressPools,
    };
    this.service = new NetworkService(ctx.store, ctx.events, {
      all: () => containers.all(),
      find: (ref) => containers.find(ref),
      canSee: (c) => containers.canSee(c),
      tenant: () => containers.tenant(),
      saveNetworks: (id, networks) => containers.saveNetworks(id, networks),
      endpointAdded: async (c, name, ep) => {
        const endpoint = this.networking.endpoint(name, ep);
        if (endpoint) await containers.connectEndpoint(c, endpoint);
      },
      endpointRemoved: (c, networkId) => containers.disconnectEndpoint(c, networkId),
      changed: (networkId, containerId) => this.networking.refresh([networkId], containerId),
      networkRemoved: (networkId) => containers.networkRemoved(networkId),
    }, addressing);
    this.networking = new ContainerNetworking(containers, this.service, ctx.logger);
  }

  load(): Promise<void> { return this.service.load(); }
  registerRoutes(router: DockerApiRouter): void { registerNetworkRoutes(router, this); }
  list(filters?: NetworkListFilters) { return this.service.list(filters); }
  inspect(idOrName: string) { return this.service.inspect(idOrName); }
  create(body: NetworkCreateBody, opts?: { lenientSubnets?: boolean }) { return this.service.create(body, opts); }
  remove(idOrName: string) { return this.service.remove(idOrName); }
  prune(filters?: { untilMs?: number; label?: string[]; notLabel?: string[] }) { return this.service.prune(filters); }
  connect(idOrName: string, body: { Container?: string; EndpointConfig?: Record<string, any> | null }) { return this.service.connect(idOrName, body); }
  disconnect(idOrName: string, body: { Container?: string; Force?: boolean }) { return this.service.disconnect(idOrName, body); }
  ensureTenantBridge() { return this.service.ensureTenantBridge(); }
  eventVisibleTo(attributes: Record<string, string>, tenant: string | undefined) { return networkEventVisibleTo(attributes, tenant); }

  validatePortBindings(hostConfig: Record<string, unknown>): void { validatePortBindings(hostConfig); }
  normalizeLinks(hostConfig: Record<string, unknown>, containerName: string): void {
    normalizeLinks(hostConfig, containerName, (ref) => this.containers.tryFind(ref));
  }

  attachOnCreate(req: AttachRequest): Record<string, EndpointSettings> {
    const endpoints = withLegacyMacAddress(req.networkMode, req.endpointsConfig, req.legacyMacAddress);
    return this.service.attachOnCreate(req.networkMode, endpoints, req.containerName, req.containerId);
  }

  async changed(c: NetworkedContainer): Promise<void> {
    await this.networking.refresh(this.networking.networkIdsOf(c));
  }

  async removed(c: NetworkedContainer): Promise<void> {
    this.service.releaseOnRemove(c);
    await this.networking.refresh(this.networking.networkIdsOf(c));
  }

  removeLink(parent: NetworkedContainer, alias: string): void { removeLink(parent, alias); }

  workloadNetwork(c: NetworkedContainer, starting: boolean): WorkloadNetwork { return this.networking.spec(c, starting); }
  linkEnv(c: NetworkedContainer): string[] { return linkEnv(c, (ref) => this.containers.tryFind(ref)); }

  started(c: NetworkedContainer, hosts: HostEntry[]): void { this.networking.started(c, hosts); }
  stopped(containerId: string): void { this.networking.stopped(containerId); }
  emitEndpointEvents(c: NetworkedContainer, action: 'connect' | 'disconnect'): void { this.service.emitEndpointEvents(c, action); }
}
