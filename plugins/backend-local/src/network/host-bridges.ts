import { promises as fs } from 'node:fs';
import type { Logger, WorkloadEndpoint } from '@sockerless/sdk';
import { Iptables, bridgeRules, type Rule } from './isolation';
import { NETNS_DIR, NetworkNames } from './names';
import { NOTHING_KEPT, liveNetworks, type KeptNetworks } from './live-networks';
import { IpTool, bridgeLines } from './netns';
import { netnsUnavailable } from './probe';

export interface NetworkingTools {
  ip?: string;
  /** Runs the `ip` helper shell (see IpHelper); without it every batch is a spawn of its own. */
  staticBusybox?: string;
  nsenter?: string;
  iptablesRestore?: string;
  iptablesSave?: string;
}

/** A container that runs, as another container joining its network (`container:` mode) needs it. */
export interface RunningMember {
  pid: number;
  /** Its /etc/hosts, which the joining container shares. */
  hostsFile?: string;
}

/** One instance's side: whether a container runs there. */
export interface NetworkMember {
  running(id: string): Promise<RunningMember | undefined>;
}

interface Bridge {
  name: string;
  rules: Rule[];
}

/**
 * The kernel side of a daemon's networks that its `local` instances share: one Linux bridge (and one set of
 * isolation rules) per Docker network, as dockerd has one `br-<id>` per network however many containers
 * use it. Two instances (one per pool) plug their containers into the same bridge, so containers of
 * different pools on one network reach each other, and the default network has one bridge, not one per
 * instance with the same gateway. A bridge is made by whichever container needs it first and removed when
 * its network is removed or the last instance closes; the leftovers of a crashed daemon of the same home are
 * removed once, before any instance makes anything, so no instance's boot tears down another's live bridge.
 */
export class HostBridges {
  readonly names: NetworkNames;
  readonly ip?: IpTool;
  readonly iptables?: Iptables;
  private readonly bridges = new Map<string, Promise<Bridge>>();
  private readonly members = new Set<NetworkMember>();
  private users = 0;
  private booted?: Promise<string | undefined>;

  /**
   * `seed` names the daemon (its home): every object name carries a tag derived from it (see NetworkNames).
   * `containerRoots` lists where its containers' run files are, to find those that outlive a daemon.
   */
  constructor(seed: string, readonly tools: NetworkingTools, private readonly logger: Logger, private readonly containerRoots: () => string[] = () => []) {
    this.names = new NetworkNames(seed);
    this.ip = tools.ip ? new IpTool(tools.ip, tools.staticBusybox) : undefined;
    if (tools.iptablesRestore && tools.iptablesSave) this.iptables = new Iptables(tools.iptablesRestore, tools.iptablesSave, this.names.ruleComment);
  }

  /** One more instance uses these bridges; each calls `release` once when it closes. */
  acquire(): void {
    this.users++;
  }

  join(member: NetworkMember): void {
    this.members.add(member);
  }

  leave(member: NetworkMember): void {
    this.members.delete(member);
  }

  /** The container, running in any instance of the daemon: `--network container:X` works across pools. */
  async running(id: string): Promise<RunningMember | undefined> {
    for (const m of this.members) {
      const found = await m.running(id);
      if (found) return found;
    }
    return undefined;
  }

  get inUse(): boolean {
    return this.users > 0;
  }

  /**
   * Once per daemon: a predecessor's leftovers go, but for what the containers that outlived it still use
   * (their namespaces, veths, bridges and rules: taken back as this daemon's own), then a throwaway namespace
   * tells whether namespaces can be made. Answers why not, or undefined when they can.
   */
  boot(): Promise<string | undefined> {
    this.booted ??= (async () => {
      if (process.getuid?.() === 0 && this.ip) {
        const kept = liveNetworks(this.containerRoots());
        await this.purge(this.names, this.iptables, 'always', kept);
        this.adopt(kept);
      }
      const reason = await netnsUnavailable(this.tools, this.ip, this.names);
      if (reason) this.logger.warn(`network namespaces unavailable (${reason}): containers will use the host network (no isolation, no published ports)`);
      else if (!this.iptables) this.logger.warn('iptables not installed: containers on different networks are NOT isolated from each other');
      return reason;
    })();
    return this.booted;
  }

  /** The bridges live containers are on, as if this daemon had made them (they and their rules exist). */
  private adopt(kept: KeptNetworks): void {
    for (const [bridge, ep] of kept.bridges) {
      if (this.bridges.has(ep.networkId)) continue;
      this.bridges.set(ep.networkId, Promise.resolve({ name: bridge, rules: this.rulesOf(bridge, ep) }));
    }
  }

  private rulesOf(bridge: string, ep: WorkloadEndpoint): Rule[] {
    return this.iptables ? bridgeRules(bridge, ep.internal ? '' : ep.subnet, ep.internal, this.names.ruleComment) : [];
  }

  /**
   * Every namespace, interface and rule with this daemon's tag (or `names`' tag) but those `kept`; rules only
   * when asked.
   */
  private async purge(names = this.names, iptables = this.iptables, rules: 'always' | 'with-links' = 'always', kept = NOTHING_KEPT): Promise<void> {
    const own = async (dir: string) => (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => names.owns(n) && !kept.links.has(n) && !kept.netns.has(n));
    const [links, namespaces] = await Promise.all([own('/sys/class/net'), own(NETNS_DIR)]);
    const lines = [...links.map((l) => `link del dev ${l}`), ...namespaces.map((n) => `netns del ${n}`)];
    if (rules === 'with-links' && lines.length === 0) return;
    await Promise.all([
      this.ip?.batch(lines, { force: true }).catch((err) => this.logger.warn('could not remove leftover network objects', { error: String(err) })),
      iptables?.purge([...kept.bridges].flatMap(([bridge, ep]) => this.rulesOf(bridge, ep))).catch((err) => this.logger.warn('could not remove leftover iptables rules', { error: String(err) })),
    ]);
  }

  /**
   * Before instances shared bridges, each tagged its objects with its own state dir; a daemon that crashed
   * before an upgrade left those, and a bridge among them would hold its network's gateway address. No live
   * object carries that tag now, so it is safe to remove at any instance's start-up. iptables is read only
   * when such interfaces or namespaces are found, so a normal start-up costs two directory reads.
   */
  async purgeInstanceTag(stateDir: string): Promise<void> {
    const names = new NetworkNames(stateDir);
    if (names.prefix === this.names.prefix || process.getuid?.() !== 0 || !this.ip) return;
    const { iptablesRestore, iptablesSave } = this.tools;
    const iptables = iptablesRestore && iptablesSave ? new Iptables(iptablesRestore, iptablesSave, names.ruleComment) : undefined;
    await this.purge(names, iptables, 'with-links');
  }

  /** The network's bridge and its isolation rules, made once, by whichever container needs it first. */
  ensure(ep: WorkloadEndpoint): Promise<Bridge> {
    let b = this.bridges.get(ep.networkId);
    if (!b) {
      const made = this.make(ep);
      this.bridges.set(ep.networkId, made);
      made.catch(() => { if (this.bridges.get(ep.networkId) === made) this.bridges.delete(ep.networkId); });
      b = made;
    }
    return b;
  }

  private async make(ep: WorkloadEndpoint): Promise<Bridge> {
    const name = this.names.bridge(ep.networkId);
    const rules = this.rulesOf(name, ep);
    const done = await Promise.allSettled([this.ip!.batch(bridgeLines(name, ep)), this.iptables?.add(rules)]);
    const failed = done.find((d): d is PromiseRejectedResult => d.status === 'rejected');
    if (failed) {
      await this.delete({ name, rules });
      throw new Error(`cannot make the bridge of network ${ep.networkName}: ${String(failed.reason?.message ?? failed.reason)}`);
    }
    return { name, rules };
  }

  private async delete(b: Bridge): Promise<void> {
    await Promise.all([
      this.ip?.batch([`link del dev ${b.name}`], { force: true }).catch(() => undefined),
      this.iptables?.remove(b.rules).catch((err) => this.logger.warn('could not remove iptables rules', { bridge: b.name, error: String(err) })),
    ]);
  }

  /**
   * The network is gone (the core removes a network only when no container is on it, and asks every instance):
   * the first call deletes its bridge and rules, the others find nothing left to do.
   */
  async remove(networkId: string): Promise<void> {
    const b = this.bridges.get(networkId);
    if (!b) return;
    this.bridges.delete(networkId);
    const bridge = await b.catch(() => undefined);
    if (bridge) await this.delete(bridge);
  }

  /**
   * An instance closed; the last one removes every bridge and rule, and whatever else carries the tag, but for
   * what containers that outlive the daemon use (a live-restoring daemon's next boot takes those back).
   */
  async release(): Promise<void> {
    if (--this.users > 0) return;
    const kept = liveNetworks(this.containerRoots());
    const keptNetworks = new Set([...kept.bridges.values()].map((ep) => ep.networkId));
    await Promise.all([...this.bridges.keys()].filter((id) => !keptNetworks.has(id)).map((id) => this.remove(id)));
    if (this.booted && !(await this.booted)) await this.purge(this.names, this.iptables, 'always', kept);
    this.ip?.close();
  }
}

/**
 * Hands the daemon's `local` instances one HostBridges: made by the first instance (with its tools and
 * logger), made anew if an instance opens after the last one closed.
 */
export class SharedHostBridges {
  private current?: HostBridges;

  constructor(private readonly seed: string, private readonly containerRoots: () => string[] = () => []) {}

  open(tools: NetworkingTools, logger: Logger): HostBridges {
    if (!this.current?.inUse) this.current = new HostBridges(this.seed, tools, logger, this.containerRoots);
    this.current.acquire();
    return this.current;
  }
}
