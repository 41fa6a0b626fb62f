import { isAbsolute, posix } from 'node:path';
import { InvalidArgumentError, objectList, type MountPoint, type MountRequest } from '@sockerless/sdk';

/**
 * Docker's mount specifications (dockerd's volume/mounts parser): `Binds`, `Mounts`, `Tmpfs`, `VolumesFrom`
 * and the config's `Volumes`, read into mount requests at container create, before anything is made.
 */

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

function mountOptionsOf(m: Record<string, unknown>, type: string): { propagation?: string; subpath?: string } {
  const bindOptions = (m.BindOptions ?? {}) as { Propagation?: unknown };
  const volumeOptions = (m.VolumeOptions ?? {}) as { Subpath?: unknown };
  const propagation = bindOptions.Propagation;
  if (propagation !== undefined && propagation !== '' && (type !== 'bind' || !PROPAGATIONS.includes(String(propagation)))) {
    throw new InvalidArgumentError(type !== 'bind' ? `invalid mount config for type "${type}": field BindOptions must not be specified` : `invalid propagation mode: ${String(propagation)}`);
  }
  const subpath = volumeOptions.Subpath;
  if (subpath !== undefined && subpath !== '') {
    if (type !== 'volume') throw new InvalidArgumentError(`invalid mount config for type "${type}": field VolumeOptions must not be specified`);
    // dockerd 26: relative, and never above the volume's root.
    if (typeof subpath !== 'string' || isAbsolute(subpath) || posix.normalize(subpath).split('/')[0] === '..') {
      throw new InvalidArgumentError(`invalid mount config for type "volume": subpath must be a relative path within the volume`);
    }
  }
  return { propagation: propagation ? String(propagation) : undefined, subpath: subpath ? String(subpath) : undefined };
}

/**
 * Reads Binds (`src:dst[:ro]`), Mounts, Tmpfs and the Volumes map into one list of mount requests.
 * `inherited` (from VolumesFrom) fills targets the container's own mounts leave free, as in Docker.
 */
export function parseMounts(hostConfig: Record<string, unknown>, volumes: Record<string, object> | null, inherited: MountRequest[] = []): MountRequest[] {
  const out: MountRequest[] = [];
  const binds = hostConfig.Binds;
  if (binds !== undefined && binds !== null && !Array.isArray(binds)) throw new InvalidArgumentError('invalid HostConfig.Binds: expected a list');
  for (const bind of (binds as unknown[] | undefined) ?? []) {
    if (typeof bind !== 'string') throw new InvalidArgumentError('invalid HostConfig.Binds entry');
    const parts = bind.split(':');
    if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) throw new InvalidArgumentError(`invalid volume specification: '${bind}'`);
    const [src, dst, opts = ''] = parts;
    if (!isAbsolute(dst)) throw new InvalidArgumentError(`invalid volume specification: '${bind}': invalid mount config: mount path must be absolute`);
    if (isRoot(dst)) throw new InvalidArgumentError(`invalid volume specification: '${bind}': ${rootTargetRefused(isAbsolute(src) ? 'bind' : 'volume')}`);
    const readOnly = opts.split(',').includes('ro');
    const type = isAbsolute(src) ? 'bind' : 'volume';
    if (type === 'volume' && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(src)) {
      throw new InvalidArgumentError(`create ${src}: "${src}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    const propagation = opts.split(',').find((o) => PROPAGATIONS.includes(o));
    out.push({ type, source: src, target: dst, readOnly, createSource: true, mode: opts, propagation });
  }
  for (const m of objectList<Record<string, unknown>>(hostConfig.Mounts, 'HostConfig.Mounts')) {
    const type = m.Type;
    const target = m.Target;
    if (typeof target !== 'string' || !isAbsolute(target)) throw new InvalidArgumentError('invalid mount config: mount path must be absolute');
    if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') {
      throw new InvalidArgumentError(`invalid mount config for type "${String(type)}": mount type unknown`);
    }
    if (isRoot(target)) throw new InvalidArgumentError(rootTargetRefused(type));
    const source = typeof m.Source === 'string' ? m.Source : '';
    if (type === 'bind' && !isAbsolute(source)) throw new InvalidArgumentError(`invalid mount config for type "bind": invalid mount path: '${source}' mount path must be absolute`);
    out.push({ type, source, target, readOnly: m.ReadOnly === true, createSource: false, mode: '', ...mountOptionsOf(m, type) });
  }
  const tmpfs = hostConfig.Tmpfs;
  if (tmpfs && typeof tmpfs === 'object') {
    for (const target of Object.keys(tmpfs)) out.push({ type: 'tmpfs', source: '', target, readOnly: false, createSource: false, mode: '' });
  }
  for (const m of inherited) {
    if (!out.some((o) => o.target === m.target)) out.push(m);
  }
  // Image and config VOLUMEs not covered by an explicit mount become anonymous volumes, as in Docker.
  for (const target of Object.keys(volumes ?? {})) {
    if (!out.some((m) => m.target === target)) out.push({ type: 'volume', source: '', target, readOnly: false, createSource: true, mode: '' });
  }
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(m.target)) throw new InvalidArgumentError(`Duplicate mount point: ${m.target}`);
    seen.add(m.target);
  }
  return out;
}

/** A mount over the container's root would hide its whole filesystem: dockerd refuses it at create. */
function isRoot(target: string): boolean {
  return posix.normalize(target) === '/';
}

function rootTargetRefused(type: string): string {
  return `invalid mount config for type "${type}": invalid specification: destination can't be '/'`;
}

/**
 * `HostConfig.VolumesFrom` (`container[:ro|:rw]`, compose's `volumes_from`): the volume and bind mounts of
 * those containers at the same targets; `ro` makes them read-only, and a read-only one stays so.
 */
export function volumesFromMounts(hostConfig: Record<string, unknown>, mountsOf: (container: string) => MountPoint[]): MountRequest[] {
  const from = hostConfig.VolumesFrom;
  if (from === undefined || from === null) return [];
  if (!Array.isArray(from)) throw new InvalidArgumentError('invalid HostConfig.VolumesFrom: expected a list');
  const out: MountRequest[] = [];
  for (const spec of from as unknown[]) {
    if (typeof spec !== 'string' || spec === '') throw new InvalidArgumentError('invalid HostConfig.VolumesFrom entry');
    const colon = spec.indexOf(':');
    const container = colon < 0 ? spec : spec.slice(0, colon);
    const modes = colon < 0 ? ['rw'] : spec.slice(colon + 1).split(',');
    if (!modes.every((m) => ['ro', 'rw', 'z', 'Z'].includes(m))) throw new InvalidArgumentError(`invalid mode: ${spec.slice(colon + 1)}`);
    for (const m of mountsOf(container)) {
      if (m.Type === 'tmpfs' || out.some((o) => o.target === m.Destination)) continue;
      const source = m.Type === 'volume' ? m.Name ?? '' : m.Source;
      out.push({ type: m.Type, source, target: m.Destination, readOnly: !m.RW || modes.includes('ro'), createSource: false, mode: '' });
    }
  }
  return out;
}

export function mountPointOf(m: MountRequest, resolvedSource: string): MountPoint {
  return {
    Type: m.type,
    ...(m.type === 'volume' ? { Name: m.source, Driver: 'local' } : {}),
    Source: resolvedSource,
    Destination: m.target,
    Mode: m.type === 'volume' ? (m.mode || 'z') : m.mode,
    RW: !m.readOnly,
    Propagation: m.type === 'bind' ? (m.propagation || 'rprivate') : '',
  };
}
