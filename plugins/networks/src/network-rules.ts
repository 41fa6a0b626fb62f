import { ForbiddenError, matchesPattern, NotFoundError, NotImplementedError, type NetworkCreateBody } from '@sockerless/sdk';

/** The networks every daemon has, and names that cannot be given to a user network. */
export const PREDEFINED = new Set(['bridge', 'host', 'none', 'default']);
/** The options Docker shows on its default bridge. */
export const BRIDGE_OPTIONS = {
  'com.docker.network.bridge.default_bridge': 'true',
  'com.docker.network.bridge.enable_icc': 'true',
  'com.docker.network.bridge.enable_ip_masquerade': 'true',
  'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
  'com.docker.network.bridge.name': 'docker0',
  'com.docker.network.driver.mtu': '1500',
};

/** Docker's `filters.Match`: exact, else the value as an unanchored regular expression. */
export function filterMatch(values: string[] | undefined, source: string): boolean {
  if (!values) return true;
  return values.some((v) => v === source || matchesPattern(v, source));
}

/** Only the bridge driver is backed here; the wording of the refusals follows Docker's where it has one. */
export function checkDriver(driver: string, body: NetworkCreateBody): void {
  if (driver === 'overlay' || body.Ingress) {
    throw new ForbiddenError('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
  }
  if (driver === 'host' || driver === 'null') throw new ForbiddenError(`only one instance of "${driver}" network is allowed`);
  if (driver === 'macvlan' || driver === 'ipvlan') throw new NotImplementedError(`network driver "${driver}" is not supported by Sockerless; only "bridge" networks can be created`);
  if (driver !== 'bridge') throw new NotFoundError(`plugin "${driver}" not found`);
  if (body.ConfigOnly || body.ConfigFrom?.Network) throw new NotImplementedError('config-only networks are not supported by Sockerless');
  if (body.Scope && body.Scope !== 'local') throw new NotImplementedError(`network scope "${body.Scope}" is not supported by Sockerless; only "local" is`);
}
