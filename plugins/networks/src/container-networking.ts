import type {
  EndpointSettings, HostEntry, Logger, NetworkContainerAccess, NetworkedContainer as ContainerRecord, WorkloadEndpoint, WorkloadNetwork,
} from '@sockerless/sdk';
import { ConflictError } from '@sockerless/sdk';
import { cidrContains, ipToInt, parseCidr } from './network-ipam';
import type { NetworkService } from './networks';
import { publishedPorts } from './port-bindings';
import { linkHosts } from './legacy-links';

/**
 * What a backend needs to give a container Docker's network: its mode, its endpoints with the addresses the
 * network service allocated, the ports to publish, and the `/etc/hosts` lines by which peers on user-defined
 * networks find each other (name, aliases, compose service names, short id). This keeps those lines current
 * for running containers as peers are created, connected, disconnected, renamed and removed.
 */
export class ContainerNetworking {
  /** The hosts lines last pushed to each running container, so unchanged ones are not rewritten. */
  private readonly pushed = new Map<string, string>();

  constructor(
    private readonly containers: Pick<NetworkContainerAccess, 'all' | 'find' | 'tryFind' | 'hostsWriter'>,
    private readonly networks: Pick<NetworkService, 'byId' | 'isUserDefined'>,
    private readonly logger: Logger,
  ) {}

  spec(c: ContainerRecord, starting: boolean): WorkloadNetwork {
    const mode = String(c.hostConfig.NetworkMode || 'default');
    if (mode === 'host') return { mode: 'host', endpoints: [], ports: [], hosts: this.extraHosts(c, '') };
    if (mode === 'none') return { mode: 'none', endpoints: [], ports: [], hosts: this.ownHosts(c, []) };
    if (mode.startsWith('container:')) {
      const target = this.containers.find(mode.slice('container:'.length));
      if (starting && !target.state.Running) throw new ConflictError(`cannot join network of a non running container: ${target.id}`);
      return { mode: 'container', container: target.id, endpoints: [], ports: [], hosts: this.hostsOf(target) };
    }
    const endpoints = this.endpointsOf(c);
    return { mode: 'bridge', endpoints, ports: publishedPorts(c.hostConfig, c.config.ExposedPorts), hosts: this.hostsOf(c) };
  }

  /** Endpoints with an address, the primary (NetworkMode's) network first: it carries the default route. */
  endpointsOf(c: ContainerRecord): WorkloadEndpoint[] {
    const mode = String(c.hostConfig.NetworkMode || 'default');
    const primary = mode === 'default' ? 'bridge' : mode;
    const entries = Object.entries(c.networks).sort(([a, x], [b, y]) =>
      Number(b === primary || y.NetworkID === primary) - Number(a === primary || x.NetworkID === primary));
    return entries.map(([name, ep]) => this.endpoint(name, ep)).filter((e): e is WorkloadEndpoint => e !== undefined);
  }

  endpoint(name: string, ep: EndpointSettings): WorkloadEndpoint | undefined {
    const n = this.networks.byId(ep.NetworkID);
    const ip = ipToInt(ep.IPAddress);
    if (!n || ip === undefined) return undefined;
    const pool = n.pools.find((p) => cidrContains(parseCidr(p.subnet)!, ip)) ?? n.pools[0];
    return {
      networkId: n.id, networkName: name, internal: n.internal, subnet: pool?.subnet ?? `${ep.IPAddress}/${ep.IPPrefixLen}`,
      gateway: ep.Gateway, ip: ep.IPAddress, prefixLen: ep.IPPrefixLen, mac: ep.MacAddress,
    };
  }

  /** The container's own lines, its peers' on every user-defined network it is on, and `--add-host`. */
  hostsOf(c: ContainerRecord): HostEntry[] {
    const own = Object.values(c.networks).map((ep) => ep.IPAddress).filter(Boolean);
    const lines = this.ownHosts(c, own.slice(0, 1));
    const seen = new Set<string>();
    for (const ep of Object.values(c.networks)) {
      if (!this.networks.isUserDefined(ep.NetworkID)) continue;
      // Docker's DNS answers a container's own name and aliases too.
      if (ep.IPAddress && ep.DNSNames?.length) lines.push({ ip: ep.IPAddress, names: ep.DNSNames });
      for (const peer of this.containers.all()) {
        if (peer.id === c.id || peer.state.Status === 'removing') continue;
        const pep = Object.values(peer.networks).find((x) => x.NetworkID === ep.NetworkID);
        if (!pep?.IPAddress) continue;
        const names = pep.DNSNames ?? [peer.name.slice(1)];
        const key = `${pep.IPAddress} ${names.join(' ')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        lines.push({ ip: pep.IPAddress, names });
      }
    }
    const links = linkHosts(c, (ref) => this.containers.tryFind(ref));
    return [...links, ...lines, ...this.extraHosts(c, c.networks[Object.keys(c.networks)[0]]?.Gateway ?? '')];
  }

  private ownHosts(c: ContainerRecord, ips: string[]): HostEntry[] {
    const names = [c.config.Hostname, ...(c.config.Domainname ? [`${c.config.Hostname}.${c.config.Domainname}`] : [])];
    return ips.map((ip) => ({ ip, names }));
  }

  /** `HostConfig.ExtraHosts` (`name:ip`, `host-gateway` being the bridge's address on the host). */
  private extraHosts(c: ContainerRecord, gateway: string): HostEntry[] {
    const extra = Array.isArray(c.hostConfig.ExtraHosts) ? (c.hostConfig.ExtraHosts as unknown[]) : [];
    return extra.map(String).map((e) => {
      const i = e.indexOf(':');
      const ip = e.slice(i + 1);
      return { ip: ip === 'host-gateway' ? gateway : ip, names: [e.slice(0, i)] };
    }).filter((h) => h.ip && h.names[0]);
  }

  /** A started container's hosts file holds what spec() computed; later pushes compare against it. */
  started(c: ContainerRecord, hosts: HostEntry[]): void {
    this.pushed.set(c.id, JSON.stringify(hosts));
  }

  stopped(id: string): void {
    this.pushed.delete(id);
  }

  /**
   * Pushes current hosts lines to every running container on these networks (and to `also`, which may just
   * have left one) whose lines changed.
   */
  async refresh(networkIds: Iterable<string>, also?: string): Promise<void> {
    const ids = new Set(networkIds);
    for (const c of this.containers.all()) {
      if (!c.state.Running || !this.pushed.has(c.id)) continue;
      if (c.id !== also && !Object.values(c.networks).some((ep) => ids.has(ep.NetworkID))) continue;
      const mode = String(c.hostConfig.NetworkMode || 'default');
      if (mode === 'host' || mode.startsWith('container:')) continue;
      const hosts = this.hostsOf(c);
      const json = JSON.stringify(hosts);
      if (this.pushed.get(c.id) === json) continue;
      const writeHosts = this.containers.hostsWriter(c);
      if (!writeHosts) continue;
      this.pushed.set(c.id, json);
      await writeHosts(hosts).catch((err: Error) => this.logger.warn('could not update /etc/hosts', { id: c.id, err: err.message }));
    }
  }

  /** Networks the container has an endpoint on: what a create, rename or remove of it changes for peers. */
  networkIdsOf(c: ContainerRecord): string[] {
    return Object.values(c.networks).map((ep) => ep.NetworkID).filter(Boolean);
  }
}
