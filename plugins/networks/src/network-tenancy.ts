import { InvalidArgumentError, newObjectId, TENANT_LABEL } from '@sockerless/sdk';
import { BRIDGE_OPTIONS } from './network-rules';
import type { NetworkPool } from './network-ipam';
import type { NetworkRecord } from './networks';

/**
 * Tenants kept apart on the network. Docker has no tenants; the faithful picture is that each tenant has a
 * daemon of its own: its own default `bridge` and the networks it created, nobody else's. So a network a
 * tenant creates carries TENANT_LABEL and exists for that tenant (and the operator) only, another tenant's
 * network answers 404 like a missing one, and two tenants may each have a network of the same name. Their
 * containers never share a bridge, so the isolation the backends keep between networks (FORWARD drops between
 * bridges) keeps tenants apart too. `host` and `none` are shared: neither puts containers on a common segment.
 * The operator (no tenant) sees every network, and a name several networks share means its own first.
 */

const SHARED_BY_TENANTS = new Set(['host', 'none']);

/** The tenant that owns the network; undefined for the operator's (and the predefined) networks. */
export const ownerOf = (n: Pick<NetworkRecord, 'labels'>): string | undefined => n.labels[TENANT_LABEL];

/** Whether a caller acting for `tenant` (undefined: the operator) may see and use `n`. */
export function networkVisibleTo(n: NetworkRecord, tenant: string | undefined): boolean {
  if (tenant === undefined) return true;
  const owner = ownerOf(n);
  return owner === undefined ? SHARED_BY_TENANTS.has(n.name) : owner === tenant;
}

/**
 * Whether a caller acting for `tenant` may see a network event: the network's events carry its owner (see
 * NetworkService.emit), since a destroyed network can no longer be looked up.
 */
export function networkEventVisibleTo(attributes: Record<string, string>, tenant: string | undefined): boolean {
  if (tenant === undefined) return true;
  const owner = attributes[TENANT_LABEL];
  return owner === undefined ? SHARED_BY_TENANTS.has(attributes.name) : owner === tenant;
}

/** Several visible networks of one name: the caller's own (the operator's are those no tenant owns) win. */
export function ownFirst(matches: NetworkRecord[], tenant: string | undefined): NetworkRecord[] {
  if (matches.length <= 1) return matches;
  const own = matches.filter((n) => ownerOf(n) === tenant);
  return own.length > 0 ? own : matches;
}

/**
 * The labels of a network the caller creates: a tenant's carry its name. The operator may set the label
 * itself, to make a network for a tenant; a tenant may not name another.
 */
export function withOwner(labels: Record<string, string>, tenant: string | undefined): Record<string, string> {
  if (tenant === undefined) return { ...labels };
  const claimed = labels[TENANT_LABEL];
  if (claimed !== undefined && claimed !== tenant) throw new InvalidArgumentError(`label ${TENANT_LABEL} is reserved: it names the tenant that owns the network`);
  return { ...labels, [TENANT_LABEL]: tenant };
}

/**
 * A tenant's default `bridge`: predefined (no names resolve on it, it cannot be removed), with a subnet of
 * its own from the default address pools, so it routes on the host beside the operator's and the others'.
 */
export function tenantBridge(tenant: string, subnet: NetworkPool): NetworkRecord {
  const { 'com.docker.network.bridge.name': _docker0, ...options } = BRIDGE_OPTIONS;
  return {
    id: newObjectId(), name: 'bridge', created: new Date().toISOString(), driver: 'bridge',
    internal: false, attachable: false, enableIPv4: true, enableIPv6: false, options,
    ipam: { Driver: 'default', Options: {}, Config: [{ Subnet: subnet.subnet, Gateway: subnet.gateway }] },
    pools: [subnet], labels: { [TENANT_LABEL]: tenant },
  };
}
