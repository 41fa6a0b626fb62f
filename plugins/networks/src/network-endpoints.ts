import { ForbiddenError, InvalidArgumentError, newObjectId, type EndpointSettings, type NetworkedContainer } from '@sockerless/sdk';
import { cidrContains, intToIp, ipToInt, macFromIp, nextFree, parseCidr, type NetworkPool } from './network-ipam';
import { PREDEFINED } from './network-rules';
import type { NetworkRecord } from './networks';

/**
 * One container's endpoint on one network, apart from the network service: the service owns the working set
 * (which networks exist, which addresses are taken and reserved); this owns what a single endpoint looks like.
 */

/** The container's endpoint on the network: by network id, or by name for a config saved before the id was known. */
export function endpointOn(c: NetworkedContainer, n: NetworkRecord): EndpointSettings | undefined {
  for (const [name, ep] of Object.entries(c.networks ?? {})) {
    if (ep.NetworkID === n.id || (!ep.NetworkID && name === n.name)) return ep;
  }
  return undefined;
}

/**
 * The settings an EndpointConfig gives on network `n`. Every complaint about the config is reported in one
 * error, as Docker does; only then is an address picked. `takenIn` is asked for a pool's used addresses only
 * when one is about to be picked, since the caller's answer also ages out stale reservations.
 */
/**
 * An endpoint config is stored and shown back in inspect and lists: a field of the wrong JSON type (an
 * `IPAMConfig` that is a string) would break every client that decodes them (the docker CLI's `ps` fails
 * on it), so it is refused here, as Go's decoder refuses it in dockerd.
 */
function checkEndpointShape(cfg: unknown): void {
  if (cfg === null || cfg === undefined) return;
  if (typeof cfg !== 'object' || Array.isArray(cfg)) throw new InvalidArgumentError('expected an endpoint config object');
  const c = cfg as Record<string, unknown>;
  const isObject = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v));
  const isStringList = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  for (const field of ['IPAMConfig', 'DriverOpts']) if (!isObject(c[field])) throw new InvalidArgumentError(`${field} must be an object`);
  for (const field of ['Aliases', 'Links']) if (!isStringList(c[field])) throw new InvalidArgumentError(`${field} must be a list of strings`);
  for (const field of ['MacAddress', 'NetworkID', 'EndpointID', 'IPAddress']) {
    if (c[field] !== undefined && c[field] !== null && typeof c[field] !== 'string') throw new InvalidArgumentError(`${field} must be a string`);
  }
  const ipam = (c.IPAMConfig ?? {}) as Record<string, unknown>;
  for (const field of ['IPv4Address', 'IPv6Address']) {
    if (ipam[field] !== undefined && ipam[field] !== null && typeof ipam[field] !== 'string') throw new InvalidArgumentError(`IPAMConfig.${field} must be a string`);
  }
}

export function buildEndpoint(n: NetworkRecord, cfg: Record<string, any>, containerName: string, containerId: string,
  takenIn: (pool: NetworkPool) => Set<number>): EndpointSettings {
  checkEndpointShape(cfg);
  const userDefined = !PREDEFINED.has(n.name);
  const ipam = (cfg.IPAMConfig ?? null) as { IPv4Address?: string } | null;
  // An empty list stays an empty list, as dockerd keeps what the client sent (clients compare it).
  const aliases: string[] | null = Array.isArray(cfg.Aliases) ? cfg.Aliases.map(String) : null;
  const staticIp = ipam?.IPv4Address || '';
  const errs: string[] = [];
  if (!userDefined && staticIp) errs.push('user specified IP address is supported on user defined networks only');
  if (!userDefined && aliases?.length) errs.push('network-scoped alias is supported only for containers in user defined networks');
  const staticN = staticIp ? ipToInt(staticIp) : undefined;
  if (staticIp && staticN === undefined) errs.push(`invalid IPv4 address: ${staticIp}`);
  let pool = n.pools[0];
  if (userDefined && staticN !== undefined) {
    const configured = n.pools.filter((p) => p.userConfigured);
    pool = configured.find((p) => cidrContains(parseCidr(p.ipRange ?? p.subnet)!, staticN))!;
    if (!configured.length) errs.push('user specified IP address is supported only when connecting to networks with user configured subnets');
    else if (!pool) errs.push(`no configured subnet or ip-range contain the IP address ${staticIp}`);
  }
  if (cfg.MacAddress && !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(String(cfg.MacAddress))) errs.push(`invalid MAC address ${cfg.MacAddress}`);
  if (errs.length) throw new InvalidArgumentError(`invalid endpoint settings:\n${errs.join('\n')}`);

  let ip = '';
  let prefix = 0;
  let gateway = '';
  if (pool && n.enableIPv4) {
    const subnet = parseCidr(pool.subnet)!;
    const used = takenIn(pool);
    let addr = staticN;
    if (addr !== undefined && used.has(addr)) throw new ForbiddenError('Address already in use');
    addr ??= nextFree(subnet, parseCidr(pool.ipRange ?? pool.subnet)!, used);
    if (addr === undefined) throw new ForbiddenError(`no available IPv4 addresses on this network's address pools: ${n.name} (${n.id})`);
    ip = intToIp(addr);
    prefix = subnet.prefix;
    gateway = n.internal ? '' : pool.gateway;
  }
  const shortId = containerId.slice(0, 12);
  return {
    IPAMConfig: ipam && Object.keys(ipam).length ? ipam : null,
    Links: Array.isArray(cfg.Links) && cfg.Links.length ? cfg.Links : null,
    Aliases: aliases,
    MacAddress: cfg.MacAddress ? String(cfg.MacAddress) : macFromIp(ip),
    NetworkID: n.id,
    EndpointID: newObjectId(),
    Gateway: gateway, IPAddress: ip, IPPrefixLen: prefix,
    IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    DriverOpts: cfg.DriverOpts && Object.keys(cfg.DriverOpts).length ? cfg.DriverOpts : null,
    // Docker's buildEndpointDNSNames: name, aliases, short id; only user-defined networks resolve names.
    DNSNames: userDefined ? [...new Set([containerName, ...(aliases ?? []), shortId])] : null,
  };
}

/**
 * Before API 1.44 `--mac-address` came as the container's `Config.MacAddress`, meant for the endpoint on its
 * NetworkMode network (dockerd applies it there); an endpoint that names its own MAC keeps that one.
 */
export function withLegacyMacAddress(networkMode: string, endpoints: Record<string, any>, mac: unknown): Record<string, any> {
  if (typeof mac !== 'string' || mac === '') return endpoints;
  const mode = !networkMode || networkMode === 'default' ? 'bridge' : networkMode;
  if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) return endpoints;
  const key = Object.keys(endpoints).find((k) => k === mode || (mode === 'bridge' && k === 'default')) ?? mode;
  const current = (endpoints[key] ?? {}) as Record<string, unknown>;
  return current.MacAddress ? endpoints : { ...endpoints, [key]: { ...current, MacAddress: mac } };
}
