import { createHash } from 'node:crypto';

/**
 * Names of the kernel objects a driver makes on the host. Several daemons (parallel tests, several homes)
 * share one kernel, so every name carries a tag derived from the driver's state dir: a daemon cleans up
 * after a crashed predecessor of the same home, and never touches another daemon's objects.
 * Interface names are at most 15 characters (IFNAMSIZ - 1).
 */

/** Every object name starts with this; iptables matches "any of ours, any daemon" with `sl+`. */
export const NAME_PREFIX = 'sl';
export const NETNS_DIR = '/run/netns';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** 12 hex of the id as given when it is hex already (the core's ids), of its hash otherwise. */
function shortId(id: string): string {
  return /^[0-9a-f]{12}/.test(id) ? id.slice(0, 12) : sha256(id).slice(0, 12);
}

export class NetworkNames {
  /** `sl` + 5 hex of the state dir: 7 characters, leaving 8 for what the object is. */
  readonly prefix: string;
  /** The iptables comment on every rule of this daemon. */
  readonly ruleComment: string;

  constructor(stateDir: string) {
    const tag = sha256(stateDir).slice(0, 5);
    this.prefix = `${NAME_PREFIX}${tag}`;
    this.ruleComment = `sockerless-${tag}`;
  }

  /** The container's network namespace, bound at /run/netns/<name>. */
  netns(containerId: string): string {
    return `${this.prefix}-${shortId(containerId)}`;
  }

  netnsPath(containerId: string): string {
    return `${NETNS_DIR}/${this.netns(containerId)}`;
  }

  /** A namespace made only to learn whether namespaces can be made. */
  get probeNetns(): string {
    return `${this.prefix}-probe`;
  }

  /** `sl<tag>b<7 hex of the network id>`: 15 characters. */
  bridge(networkId: string): string {
    return `${this.prefix}b${shortId(networkId).slice(0, 7)}`;
  }

  /** The host end of a container's veth on one network: `sl<tag>v<7 hex>`, 15 characters. */
  veth(containerId: string, networkId: string): string {
    return `${this.prefix}v${sha256(`${this.prefix}\0${containerId}\0${networkId}`).slice(0, 7)}`;
  }

  /** True for a namespace or interface this daemon's home made (now or before a crash). */
  owns(name: string): boolean {
    return name.startsWith(this.prefix) && name.length > this.prefix.length && '-bv'.includes(name[this.prefix.length]);
  }
}
