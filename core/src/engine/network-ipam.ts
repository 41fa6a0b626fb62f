import { isIPv4, isIPv6 } from 'node:net';
import { ForbiddenError, InvalidArgumentError, NotImplementedError, objectList } from '@sockerless/sdk';

/**
 * IPv4 arithmetic for the network bookkeeping: subnets, ranges and the next free address. Addresses are
 * unsigned 32-bit numbers so ranges are plain integer intervals.
 */
export interface Cidr {
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number | undefined {
  if (!isIPv4(ip)) return undefined;
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(s: string): (Cidr & { addr: number }) | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s ?? '');
  if (!m) return undefined;
  const addr = ipToInt(m[1]);
  const prefix = Number(m[2]);
  if (addr === undefined || prefix > 32) return undefined;
  return { addr, base: maskOf(addr, prefix), prefix };
}

/** Accepts an IPv6 prefix like `fd00::/64`; only recorded, never allocated from. */
export function isIPv6Cidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s ?? '');
  return !!m && isIPv6(m[1]) && Number(m[2]) <= 128;
}

export function maskOf(addr: number, prefix: number): number {
  return prefix === 0 ? 0 : (addr & (~0 << (32 - prefix))) >>> 0;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrToString(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, addr: number): boolean {
  return addr >= c.base && addr < c.base + cidrSize(c);
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

export interface IpamConfigEntry {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** An IPv4 pool addresses are handed from; `userConfigured` allows static addresses, as in Docker. */
export interface NetworkPool {
  subnet: string;
  gateway: string;
  ipRange?: string;
  reserved: string[];
  userConfigured: boolean;
}

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


/**
 * Validates the requested IPAM like Docker's ValidateIPAM (same wording), refuses pools that overlap `taken`,
 * and allocates a free default pool when no IPv4 subnet is given. `lenientSubnets` (API < 1.44) lets a subnet
 * have host bits, kept as given in the config.
 */
export function planIpam(ipam: NetworkCreateBody['IPAM'], v4: boolean, v6: boolean, taken: Cidr[], defaults: () => Iterable<Cidr>, lenientSubnets = false): { config: IpamConfigEntry[]; pools: NetworkPool[] } {
  const driver = ipam?.Driver || 'default';
  if (driver !== 'default') throw new NotImplementedError(`IPAM driver "${driver}" is not supported; only "default" is`);
  const errs: string[] = [];
  const config: IpamConfigEntry[] = [];
  const pools: NetworkPool[] = [];
  const overlaps = (c: Cidr) => taken.some((t) => cidrOverlaps(t, c)) || pools.some((p) => cidrOverlaps(parseCidr(p.subnet)!, c));
  for (const c of objectList<IpamConfigEntry>(ipam?.Config, 'IPAM.Config')) {
    if (isIPv6Cidr(c.Subnet ?? '')) {
      // IPv6 subnets are recorded for inspect; endpoints get no IPv6 address in this bookkeeping.
      if (v6) config.push(pickIpam(c));
      continue;
    }
    const subnet = parseCidr(c.Subnet ?? '');
    if (!subnet) { errs.push(`invalid subnet ${c.Subnet ?? ''}: invalid CIDR block notation`); continue; }
    const before = errs.length;
    if (subnet.addr !== subnet.base && !lenientSubnets) errs.push(`invalid subnet ${c.Subnet}: it should be ${cidrToString(subnet)}`);
    if (c.IPRange) {
      const r = parseCidr(c.IPRange);
      if (!r) errs.push(`invalid ip-range ${c.IPRange}: invalid CIDR block notation`);
      else {
        if (r.prefix < subnet.prefix) errs.push(`invalid ip-range ${c.IPRange}: CIDR block is bigger than its parent subnet ${cidrToString(subnet)}`);
        if (r.addr !== r.base) errs.push(`invalid ip-range ${c.IPRange}: it should be ${cidrToString(r)}`);
        if (!cidrOverlaps(subnet, r)) errs.push(`invalid ip-range ${c.IPRange}: parent subnet ${cidrToString(subnet)} doesn't contain ip-range`);
      }
    }
    const addrErr = (a: string) => {
      const n = ipToInt(a);
      if (n === undefined) return 'invalid address';
      return cidrContains(subnet, n) ? undefined : `parent subnet ${cidrToString(subnet)} doesn't contain this address`;
    };
    if (c.Gateway) { const e = addrErr(c.Gateway); if (e) errs.push(`invalid gateway ${c.Gateway}: ${e}`); }
    for (const [k, a] of Object.entries(c.AuxiliaryAddresses ?? {})) { const e = addrErr(a); if (e) errs.push(`invalid auxiliary address ${k}: ${e}`); }
    if (errs.length > before) continue;
    if (overlaps(subnet)) throw new ForbiddenError('Pool overlaps with other one on this address space');
    config.push(pickIpam(c));
    pools.push({ subnet: cidrToString(subnet), gateway: c.Gateway || intToIp(subnet.base + 1), ipRange: c.IPRange || undefined,
      reserved: Object.values(c.AuxiliaryAddresses ?? {}), userConfigured: true });
  }
  if (errs.length) throw new InvalidArgumentError(`invalid network config:\n${errs.join('\n')}`);
  if (v4 && pools.length === 0) {
    let free: Cidr | undefined;
    for (const p of defaults()) if (!overlaps(p)) { free = p; break; }
    if (!free) throw new ForbiddenError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    const gateway = intToIp(free.base + 1);
    config.unshift({ Subnet: cidrToString(free), Gateway: gateway });
    pools.push({ subnet: cidrToString(free), gateway, reserved: [], userConfigured: false });
  }
  return { config, pools };
}

/** Inspect shows the user's IPAM entries verbatim, without empty fields. */
function pickIpam(c: IpamConfigEntry): IpamConfigEntry {
  const out: IpamConfigEntry = { Subnet: c.Subnet };
  if (c.IPRange) out.IPRange = c.IPRange;
  if (c.Gateway) out.Gateway = c.Gateway;
  if (c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length) out.AuxiliaryAddresses = { ...c.AuxiliaryAddresses };
  return out;
}

/** Docker's legacy MAC: 02:42 followed by the four bytes of the IPv4 address. */
export function macFromIp(ip: string): string {
  const n = ipToInt(ip);
  if (n === undefined) return '';
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The lowest free address of `range` inside `subnet`, never the subnet's network or broadcast address. */
export function nextFree(subnet: Cidr, range: Cidr, used: Set<number>): number | undefined {
  const first = Math.max(range.base, subnet.base + 1);
  const last = Math.min(range.base + cidrSize(range) - 1, subnet.base + cidrSize(subnet) - 2);
  for (let a = first; a <= last; a++) if (!used.has(a)) return a;
  return undefined;
}
