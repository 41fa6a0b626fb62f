import { cidrToString, intToIp, ipToInt, parseCidr, type Cidr } from './network-ipam';

import type { NetworkAddressing } from '@sockerless/sdk';

/**
 * Where the daemon takes network addresses from, as dockerd's `bip` and `default-address-pools`. Two daemons
 * on one host (tests, a dev daemon beside CI) each need their own ranges: their bridges share the host's
 * routing table.
 */
export type { NetworkAddressing };

export const DOCKER_ADDRESSING: NetworkAddressing = {
  bip: '172.17.0.1/16',
  defaultAddressPools: [{ base: '172.17.0.0/16', size: 16 }, { base: '172.18.0.0/15', size: 16 }, { base: '172.20.0.0/14', size: 16 },
    { base: '172.24.0.0/14', size: 16 }, { base: '172.28.0.0/14', size: 16 }, { base: '192.168.0.0/16', size: 20 }],
};

/** The default bridge's subnet and gateway from `bip`; a bad value is a boot error naming the option. */
export function bridgeOf(bip: string): { subnet: string; gateway: string } {
  const m = /^([^/]+)\/(\d+)$/.exec(bip);
  const gateway = m ? ipToInt(m[1]) : undefined;
  const subnet = m ? parseCidr(`${m[1]}/${m[2]}`) : undefined;
  if (gateway === undefined || !subnet || subnet.prefix > 30) throw new Error(`invalid bip ${JSON.stringify(bip)}: expected a gateway address with a prefix, e.g. 10.200.0.1/24`);
  return { subnet: cidrToString(subnet), gateway: intToIp(gateway) };
}

/** Every subnet the pools offer, in order: Docker walks them and takes the first that overlaps nothing. */
export function* poolSubnets(pools: NetworkAddressing['defaultAddressPools']): Generator<Cidr> {
  for (const p of pools) {
    const base = parseCidr(p.base);
    if (!base || !Number.isInteger(p.size) || p.size < base.prefix || p.size > 30) {
      throw new Error(`invalid default address pool ${JSON.stringify(p)}: expected {base: CIDR, size: prefix length from the base's to 30}`);
    }
    const step = 2 ** (32 - p.size);
    const count = 2 ** (p.size - base.prefix);
    for (let i = 0; i < count; i++) yield { base: base.base + i * step, prefix: p.size };
  }
}
