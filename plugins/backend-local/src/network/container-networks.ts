import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  ConflictError, NotFoundError, type BoundPort, type HostEntry, type Logger, type WorkloadEndpoint, type WorkloadSpec,
} from '@sockerless/sdk';
import { HostBridges, type NetworkMember, type NetworkingTools, type RunningMember } from './host-bridges';
import { writeHostsInPlace } from './hosts-file';
import { NETNS_DIR, type NetworkNames } from './names';
import { type IpTool, vethHostLines, vethInsideLines, type VethPlan } from './netns';
import { PortProxies } from './port-proxy';

export type { NetworkingTools } from './host-bridges';

export interface NetworkingOptions {
  stateDir: string;
  logger: Logger;
  /** `host` turns networking off: every container uses the host's network, as without namespaces. */
  mode: 'auto' | 'host';
  tools: NetworkingTools;
  /** The daemon's bridges, shared with its other `local` instances; without it this instance has its own. */
  bridges?: HostBridges;
  /** The workload pid of a running container of this instance, for `container` mode. */
  runningPid(id: string): Promise<number | undefined>;
  /** True for a container whose workload outlives the daemon (its monitor holds it): close leaves its network up. */
  outlivesDaemon?(id: string): boolean;
}

/** An Attachment as the run file keeps it, for a restarted daemon to take the network of a live container back. */
export interface SavedAttachment {
  mode: Attachment['mode'];
  netns?: string;
  endpoints: VethPlan[];
  hostsFile?: string;
  ports: BoundPort[];
}

/** How the sandbox of one start is wired to its network. */
export interface SandboxNetwork {
  /** argv to put before the sandbox command: nsenter into the container's namespace; empty for the host's. */
  enter: string[];
  /** `none`: the sandbox makes a namespace of its own with only `lo`. */
  unshareNet: boolean;
  /** The host file the sandbox binds at /etc/hosts; undefined keeps the image's. */
  hostsFile?: string;
  ports: BoundPort[];
}

/** What one running container has on the host. */
interface Attachment {
  mode: 'bridge' | 'host' | 'none' | 'container';
  netns?: string;
  /** By network id. */
  endpoints: Map<string, VethPlan>;
  proxies?: PortProxies;
  /** Its own /etc/hosts (none in `container` mode, which shares its target's). */
  hostsFile?: string;
}

export const HOSTS_FILE = 'hosts';

/**
 * The network side of one local instance: namespaces, veth pairs into the daemon's per-network bridges
 * (HostBridges, shared by its instances), published ports and /etc/hosts. A container's namespace, veths
 * and proxies live as long as its workload runs.
 */
export class ContainerNetworks implements NetworkMember {
  private readonly bridges: HostBridges;
  private readonly names: NetworkNames;
  private readonly ip?: IpTool;
  private readonly logger: Logger;
  private readonly attached = new Map<string, Attachment>();
  /** Teardowns still running after their workload exited; a restart, remove and close wait for them. */
  private readonly teardowns = new Map<string, Promise<void>>();
  private readonly ready: Promise<void>;
  private available = false;

  constructor(private readonly o: NetworkingOptions) {
    this.logger = o.logger;
    this.bridges = o.bridges ?? new HostBridges(o.stateDir, o.tools, o.logger, () => [join(o.stateDir, 'containers')]);
    if (!o.bridges) this.bridges.acquire();
    this.bridges.join(this);
    this.names = this.bridges.names;
    this.ip = this.bridges.ip;
    this.ready = this.boot();
  }

  private async boot(): Promise<void> {
    if (this.o.mode === 'host') {
      this.logger.info('network option "host": containers use the host network');
      return;
    }
    const [reason] = await Promise.all([this.bridges.boot(), this.bridges.purgeInstanceTag(this.o.stateDir)]);
    this.available = !reason;
  }

  /**
   * Everything the container's network needs before its sandbox starts. On failure nothing of it is left
   * (a port that cannot be bound, a namespace that cannot be made). In `container` mode the target may run in
   * any instance of the daemon.
   */
  async attach(spec: WorkloadSpec): Promise<SandboxNetwork> {
    await this.ready;
    await this.teardowns.get(spec.id);
    const net = spec.network;
    const none: SandboxNetwork = { enter: [], unshareNet: false, ports: [] };
    if (!net) return none;
    const mode = this.available ? net.mode : 'host';
    if (mode === 'container') {
      const target = net.container ?? '';
      const joined = await this.bridges.running(target);
      if (!joined) throw new ConflictError(`cannot join network of a non running container: ${target}`);
      this.attached.set(spec.id, { mode, endpoints: new Map() });
      return { ...none, enter: [this.o.tools.nsenter!, `--net=/proc/${joined.pid}/ns/net`, '--'], hostsFile: joined.hostsFile };
    }
    const hostsFile = join(spec.stateDir, HOSTS_FILE);
    await writeHostsInPlace(hostsFile, net.hosts);
    const a: Attachment = { mode, endpoints: new Map(), hostsFile };
    this.attached.set(spec.id, a);
    if (mode !== 'bridge') return { ...none, unshareNet: mode === 'none', hostsFile };
    try {
      // Side by side: the listeners bind in this process while `ip` makes the namespace.
      const primary = net.endpoints[0];
      const [ports, ns] = await Promise.allSettled([
        primary && net.ports.length > 0 ? PortProxies.publish(net.ports, primary.ip, { containerId: spec.id, containerName: spec.name, logger: this.logger }) : undefined,
        this.makeNamespace(spec.id, a, net.endpoints),
      ]);
      if (ports.status === 'fulfilled') a.proxies = ports.value;
      for (const done of [ports, ns]) if (done.status === 'rejected') throw done.reason;
    } catch (err) {
      this.detach(spec.id, true);
      await this.teardowns.get(spec.id);
      throw err;
    }
    return { ...none, enter: [this.o.tools.nsenter!, `--net=${NETNS_DIR}/${a.netns}`, '--'], hostsFile, ports: a.proxies?.bound ?? [] };
  }

  /** The running container's workload pid and /etc/hosts, when it runs in this instance. */
  async running(id: string): Promise<RunningMember | undefined> {
    const pid = await this.o.runningPid(id);
    return pid ? { pid, hostsFile: this.attached.get(id)?.hostsFile } : undefined;
  }

  /** What the run file keeps of the container's network (see SavedAttachment). */
  saved(id: string): SavedAttachment | undefined {
    const a = this.attached.get(id);
    if (!a) return undefined;
    return { mode: a.mode, netns: a.netns, endpoints: [...a.endpoints.values()], hostsFile: a.hostsFile, ports: a.proxies?.bound ?? [] };
  }

  /**
   * A live container of an earlier daemon: its namespace and veths were kept at boot (HostBridges.boot keeps
   * what live monitors use), its published ports are bound again, on the same host ports, as docker-proxy is
   * restarted by a live-restoring dockerd. A port taken meanwhile is logged and left unpublished.
   */
  async reattach(spec: WorkloadSpec, saved: SavedAttachment): Promise<BoundPort[]> {
    await this.ready;
    const a: Attachment = { mode: saved.mode, netns: saved.netns, endpoints: new Map(saved.endpoints.map((p) => [p.endpoint.networkId, p])), hostsFile: saved.hostsFile };
    this.attached.set(spec.id, a);
    const primary = saved.endpoints[0];
    if (!primary || saved.ports.length === 0) return [];
    try {
      a.proxies = await PortProxies.publish(saved.ports, primary.endpoint.ip, { containerId: spec.id, containerName: spec.name, logger: this.logger });
    } catch (err) {
      this.logger.warn('a live container\'s published ports could not be bound again', { id: spec.id, err: (err as Error).message });
    }
    return a.proxies?.bound ?? [];
  }

  /**
   * The network a dead or killed container of an earlier daemon left (kept at boot while its monitor lived):
   * its veths and namespace go now. Nothing of it is attached in this daemon.
   */
  async discard(id: string, saved: SavedAttachment): Promise<void> {
    if (this.attached.has(id) || !saved.netns || !this.ip) return;
    const lines = [...saved.endpoints.map((p) => `link del dev ${p.hostName}`), `netns del ${saved.netns}`];
    await this.ip.batch(lines, { force: true }).catch((err) => this.logger.debug('network teardown', { id, error: String(err) }));
  }

  /** Two processes: the namespace and the veths' host ends, then what is inside (lo, addresses, route). */
  private async makeNamespace(id: string, a: Attachment, endpoints: WorkloadEndpoint[]): Promise<void> {
    const ns = this.names.netns(id);
    const plans = endpoints.map((ep, i) => this.plan(id, ep, `eth${i}`));
    await Promise.all(endpoints.map((ep) => this.bridges.ensure(ep)));
    a.netns = ns;
    for (const p of plans) a.endpoints.set(p.endpoint.networkId, p);
    const hostSide = [`netns add ${ns}`, ...plans.flatMap((p) => vethHostLines(ns, p))];
    await this.ip!.batch(hostSide).catch(async (err) => {
      // The previous run's veth, which the kernel destroys in the background (see detach), may still hold
      // the name when a container restarts at once: it goes now, and the setup is tried once more.
      const stale = plans.filter((p) => existsSync(`/sys/class/net/${p.hostName}`));
      // It may also have gone between the failure and this look: then the second try finds the name free.
      if (stale.length === 0 && !/File exists/.test(String(err))) throw err;
      await this.ip!.batch([...stale.map((p) => `link del dev ${p.hostName}`), `netns del ${ns}`], { force: true }).catch(() => undefined);
      await this.ip!.batch(hostSide);
    });
    await this.ip!.batch(['link set dev lo up', ...plans.flatMap((p, i) => vethInsideLines(p, i === 0))], { netns: ns });
  }

  private plan(id: string, ep: WorkloadEndpoint, ifname: string): VethPlan {
    return { hostName: this.names.veth(id, ep.networkId), bridge: this.names.bridge(ep.networkId), ifname, endpoint: ep };
  }

  /**
   * The workload exited: its ports close now, so they are free at once; its namespace goes in the background,
   * after the exit has been reported. Deleting a veth makes `ip` wait for the kernel (20-30 ms of RCU grace
   * periods), so after an exit only the namespace is unmounted: its last process gone, the kernel destroys
   * it and the veth pairs in it on its own. A failed start deletes its veths itself (`deleteVeths`), so
   * nothing of it is seen afterwards.
   */
  detach(id: string, deleteVeths = false): void {
    const a = this.attached.get(id);
    if (!a) return;
    this.attached.delete(id);
    a.proxies?.close();
    if (!a.netns) return;
    const veths = deleteVeths ? [...a.endpoints.values()].map((p) => `link del dev ${p.hostName}`) : [];
    const lines = [...veths, `netns del ${a.netns}`];
    const t = this.ip!.batch(lines, { force: true })
      .catch((err) => this.logger.debug('network teardown', { id, error: String(err) }))
      .finally(() => { if (this.teardowns.get(id) === t) this.teardowns.delete(id); });
    this.teardowns.set(id, t);
  }

  /** detach, and wait until the container's namespace is gone. Idempotent. */
  async release(id: string): Promise<void> {
    this.detach(id);
    await this.teardowns.get(id);
  }

  /** The running bridge-mode container, or the error Docker would answer. */
  private bridged(id: string): Attachment & { netns: string } {
    const a = this.attached.get(id);
    if (!a) throw new ConflictError(`Container ${id} is not running`);
    if (!a.netns) throw new ConflictError(`container ${id} is not on a bridge network (network mode ${a.mode})`);
    return a as Attachment & { netns: string };
  }

  /** `docker network connect`: one more interface, the smallest free ethN, on that network's bridge. */
  async connect(id: string, ep: WorkloadEndpoint): Promise<void> {
    await this.ready;
    if (!this.available) return;
    const a = this.bridged(id);
    if (a.endpoints.has(ep.networkId)) throw new ConflictError(`container ${id} is already connected to network ${ep.networkName}`);
    const used = new Set([...a.endpoints.values()].map((p) => p.ifname));
    let n = 0;
    while (used.has(`eth${n}`)) n++;
    const plan = this.plan(id, ep, `eth${n}`);
    await this.bridges.ensure(ep);
    a.endpoints.set(ep.networkId, plan);
    try {
      await this.ip!.batch(vethHostLines(a.netns, plan));
      await this.ip!.batch(vethInsideLines(plan, a.endpoints.size === 1), { netns: a.netns });
    } catch (err) {
      a.endpoints.delete(ep.networkId);
      await this.ip!.batch([`link del dev ${plan.hostName}`], { force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** `docker network disconnect`: deleting the host end takes the container's end with it. */
  async disconnect(id: string, networkId: string): Promise<void> {
    await this.ready;
    if (!this.available) return;
    const a = this.bridged(id);
    const plan = a.endpoints.get(networkId);
    if (!plan) throw new NotFoundError(`container ${id} is not connected to network ${networkId}`);
    a.endpoints.delete(networkId);
    await this.ip!.batch([`link del dev ${plan.hostName}`]);
  }

  /** New /etc/hosts lines for a container with a hosts file of its own (one that joined another's shares it). */
  async updateHosts(id: string, stateDir: string, hosts: HostEntry[]): Promise<void> {
    if (this.attached.get(id)?.mode === 'container') return;
    const file = join(stateDir, HOSTS_FILE);
    // Not started yet (or removed): its next start writes the file from its spec.
    if (!(await fs.stat(file).catch(() => undefined))) return;
    await writeHostsInPlace(file, hosts);
  }

  /** The network is gone: its bridge and rules go too (once, whichever instance is asked first). */
  async removeNetwork(networkId: string): Promise<void> {
    await this.bridges.remove(networkId);
  }

  /**
   * Shutdown: every proxy, namespace and veth of this instance is removed but those of containers that outlive
   * the daemon; the last instance of the daemon to close removes the bridges and rules that no such container uses.
   */
  async close(): Promise<void> {
    await this.ready;
    for (const [id, a] of [...this.attached]) {
      // Its namespace and veths stay for the workload, which lives on; the proxies end with this process.
      if (this.o.outlivesDaemon?.(id)) a.proxies?.close();
      else this.detach(id);
    }
    await Promise.all([...this.teardowns.values()]);
    this.bridges.leave(this);
    await this.bridges.release();
  }
}
