import type { HostEntry } from '@sockerless/sdk';
import { ConflictError, InvalidArgumentError, NotFoundError } from '@sockerless/sdk';
import type { NetworkedContainer as ContainerRecord } from '@sockerless/sdk';

/**
 * Docker's legacy links (`--link name[:alias]`, `HostConfig.Links`): the linked container's address under the
 * alias in `/etc/hosts` and its ports and env as `ALIAS_*` variables (moby's daemon/links), computed when the
 * container starts. Links are stored as dockerd shows them in inspect: `/target:/container/alias`.
 */
type Find = (idOrName: string) => ContainerRecord | undefined;

interface Link { target: string; alias: string }

/** `name[:alias]` as the client sends it; dockerd's parser refuses anything else (`bad format for links`). */
function parseLinkSpec(spec: string): Link {
  const parts = spec.split(':');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new InvalidArgumentError(`bad format for links: ${spec}`);
  const target = parts[0].replace(/^\//, '');
  return { target, alias: (parts[1] ?? target).replace(/^.*\//, '') };
}

/** The stored form `/target:/container/alias` back into its parts (a link given at create is always in it). */
function parseStoredLink(stored: string): Link {
  const [target, path] = stored.split(':');
  return { target: target.replace(/^\//, ''), alias: path.slice(path.lastIndexOf('/') + 1) };
}

/** At create: each link's target must exist (dockerd's 400 wording); the list is stored in its inspect form. */
export function normalizeLinks(hostConfig: Record<string, unknown>, containerName: string, find: Find): void {
  const links = hostConfig.Links;
  if (links === undefined || links === null) return;
  if (!Array.isArray(links) || links.some((l) => typeof l !== 'string')) throw new InvalidArgumentError('invalid HostConfig.Links: expected a list of strings');
  hostConfig.Links = links.length ? (links as string[]).map((spec) => {
    const { target, alias } = parseLinkSpec(spec);
    const found = find(target);
    if (!found) throw new InvalidArgumentError(`could not get container for ${target}: No such container: ${target}`);
    return `${found.name}:${containerName}/${alias}`;
  }) : null;
}

function linksOf(c: ContainerRecord): Link[] {
  return Array.isArray(c.hostConfig.Links) ? (c.hostConfig.Links as string[]).map(parseStoredLink) : [];
}

/** The linked containers with their addresses; at a start each must run (dockerd refuses it otherwise). */
function resolvedLinks(c: ContainerRecord, find: Find, starting: boolean): { alias: string; peer: ContainerRecord; ip: string }[] {
  const out = [];
  for (const link of linksOf(c)) {
    const peer = find(link.target);
    const running = peer?.state.Running && !peer.state.Restarting;
    if (!peer || !running) {
      if (starting) throw new ConflictError(`Cannot link to a non running container: /${link.target} AS ${c.name}/${link.alias}`);
      continue;
    }
    const ip = (peer.networks.bridge ?? Object.values(peer.networks).find((ep) => ep.IPAddress))?.IPAddress ?? '';
    out.push({ alias: link.alias, peer, ip });
  }
  return out;
}

const envName = (alias: string) => alias.toUpperCase().replace(/[^A-Z0-9_]/g, '_');

/** moby's links.Link.ToEnv: NAME, ENV_* (but PATH and HOME), and per exposed port PORT_* with the lowest as PORT. */
export function linkEnv(c: ContainerRecord, find: Find): string[] {
  const env: string[] = [];
  for (const { alias, peer, ip } of resolvedLinks(c, find, true)) {
    const prefix = envName(alias);
    const ports = Object.keys(peer.config.ExposedPorts ?? {}).map((p) => {
      const [port, proto = 'tcp'] = p.split('/');
      return { port: Number(port), proto };
    }).sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
    if (ports.length) env.push(`${prefix}_PORT=${ports[0].proto}://${ip}:${ports[0].port}`);
    for (const { port, proto } of ports) {
      const key = `${prefix}_PORT_${port}_${proto.toUpperCase()}`;
      env.push(`${key}=${proto}://${ip}:${port}`, `${key}_ADDR=${ip}`, `${key}_PORT=${port}`, `${key}_PROTO=${proto}`);
    }
    env.push(`${prefix}_NAME=${c.name}/${alias}`);
    for (const kv of peer.config.Env) {
      const key = kv.split('=')[0];
      if (key === 'PATH' || key === 'HOME') continue;
      env.push(`${prefix}_ENV_${kv}`);
    }
  }
  return env;
}

/** The `/etc/hosts` line of each link: its address, the alias, the peer's short id and its name. */
export function linkHosts(c: ContainerRecord, find: Find): HostEntry[] {
  return resolvedLinks(c, find, false).filter((l) => l.ip).map(({ alias, peer, ip }) => ({
    ip, names: [...new Set([alias, peer.id.slice(0, 12), peer.name.slice(1)])],
  }));
}

/**
 * `DELETE /containers/{parent}/{alias}?link=true`: drops the link from the parent's list. dockerd looks the
 * link up by its name first, so a link that is not there is its 404 for `parent/alias`.
 */
export function removeLink(parent: ContainerRecord, alias: string): void {
  const stored = Array.isArray(parent.hostConfig.Links) ? (parent.hostConfig.Links as string[]) : [];
  const kept = stored.filter((s) => parseStoredLink(s).alias !== alias);
  if (kept.length === stored.length) throw new NotFoundError(`No such container: ${parent.name.slice(1)}/${alias}`);
  parent.hostConfig.Links = kept.length ? kept : null;
}
