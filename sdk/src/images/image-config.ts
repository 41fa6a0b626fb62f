import { InvalidArgumentError } from '../errors';
import { parseGoDuration } from './docker-filters';

/** The OCI image config JSON (the document whose sha256 is the image id), as far as Docker reads it. */
export interface ImageConfig {
  architecture?: string;
  variant?: string;
  os?: string;
  created?: string;
  author?: string;
  comment?: string;
  docker_version?: string;
  config?: ContainerDefaults;
  rootfs?: { type: string; diff_ids: string[] };
  history?: HistoryEntry[];
  [field: string]: unknown;
}

export interface ContainerDefaults {
  User?: string;
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  StopSignal?: string;
  OnBuild?: string[];
  Shell?: string[];
  ArgsEscaped?: boolean;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** GOARCH names as Docker reports them, from Node's `process.arch`. */
export function hostPlatform(): { os: string; architecture: string; variant?: string } {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

/** Parses the `platform` query (`linux/amd64`, `linux/arm64/v8`); empty is the host's platform. */
export function parsePlatform(s: string | undefined): { os: string; architecture: string; variant?: string } {
  if (!s) return hostPlatform();
  const [os, architecture, variant] = s.toLowerCase().split('/');
  if (!os || !architecture) throw new InvalidArgumentError(`invalid platform ${JSON.stringify(s)}: expected os/arch[/variant]`);
  return { os, architecture, variant };
}

/** The config Docker writes for `docker import`: one layer, the given changes, a history line. */
export function importConfig(opts: { diffId: string; changes: string[]; comment: string; platform?: string }): ImageConfig {
  const created = new Date().toISOString();
  const platform = parsePlatform(opts.platform);
  return {
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    created,
    comment: opts.comment,
    config: applyChanges({}, opts.changes),
    rootfs: { type: 'layers', diff_ids: [opts.diffId] },
    history: [{ created, comment: opts.comment }],
  };
}

/**
 * Applies Dockerfile-style `changes` (what `docker import --change` and `docker commit --change` send):
 * CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR, HEALTHCHECK (NONE or CMD).
 */
export function applyChanges(base: ContainerDefaults, changes: string[]): ContainerDefaults {
  const c: ContainerDefaults = structuredClone(base);
  for (const raw of changes) {
    const line = raw.trim();
    if (!line) continue;
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const rest = space < 0 ? '' : line.slice(space + 1).trim();
    switch (keyword) {
      case 'CMD': c.Cmd = execOrShellForm(rest); break;
      case 'ENTRYPOINT': c.Entrypoint = execOrShellForm(rest); break;
      case 'ENV': c.Env = mergeEnv(c.Env ?? [], keyValuePairs(rest, 'ENV').map(([k, v]) => `${k}=${v}`)); break;
      case 'LABEL': c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValuePairs(rest, 'LABEL')) }; break;
      case 'EXPOSE':
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of rest.split(/\s+/).filter(Boolean)) c.ExposedPorts[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        break;
      case 'VOLUME':
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of rest.startsWith('[') ? jsonArray(rest, 'VOLUME') : rest.split(/\s+/).filter(Boolean)) c.Volumes[v] = {};
        break;
      case 'USER': c.User = rest; break;
      case 'WORKDIR': c.WorkingDir = rest.startsWith('/') || !c.WorkingDir ? rest : `${c.WorkingDir.replace(/\/$/, '')}/${rest}`; break;
      case 'STOPSIGNAL': c.StopSignal = rest; break;
      case 'ONBUILD': c.OnBuild = [...(c.OnBuild ?? []), rest]; break;
      case 'HEALTHCHECK': c.Healthcheck = healthcheck(rest); break;
      default:
        throw new InvalidArgumentError(`${keyword.toLowerCase()} is not a valid change command`);
    }
  }
  return c;
}

/** `["a","b"]` is the exec form; anything else runs through `/bin/sh -c`, as in a Dockerfile. */
function execOrShellForm(rest: string): string[] {
  if (rest.startsWith('[')) {
    try {
      return jsonArray(rest, 'CMD');
    } catch {
      // Docker falls back to the shell form when the JSON does not parse.
    }
  }
  return ['/bin/sh', '-c', rest];
}

function jsonArray(s: string, what: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    throw new InvalidArgumentError(`${what}: invalid JSON array ${s}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) throw new InvalidArgumentError(`${what}: expected a JSON array of strings`);
  return parsed as string[];
}

/** `A=b C="d e"` pairs, or the legacy single `KEY value with spaces` form. */
function keyValuePairs(rest: string, what: string): [string, string][] {
  const first = rest.match(/^("(?:[^"\\]|\\.)*"|[^\s=]+)/)?.[0] ?? '';
  if (!first) throw new InvalidArgumentError(`${what} requires at least one argument`);
  if (rest[first.length] !== '=') return [[first, rest.slice(first.length).trim()]];
  const pairs: [string, string][] = [];
  const re = /("(?:[^"\\]|\\.)*"|[^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s\\]|\\.)*)/g;
  for (const m of rest.matchAll(re)) pairs.push([unquote(m[1]), unquote(m[2])]);
  return pairs;
}

function unquote(v: string): string {
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) return v.slice(1, -1);
  return v.replace(/\\(.)/g, '$1');
}

function mergeEnv(env: string[], add: string[]): string[] {
  const out = [...env];
  for (const kv of add) {
    const key = kv.slice(0, kv.indexOf('='));
    const i = out.findIndex((e) => e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')) === key);
    if (i >= 0) out[i] = kv;
    else out.push(kv);
  }
  return out;
}

const HEALTHCHECK_DURATIONS: Record<string, 'Interval' | 'Timeout' | 'StartPeriod' | 'StartInterval'> = {
  interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod', 'start-interval': 'StartInterval',
};

/** `HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD ...` or `NONE`. */
function healthcheck(rest: string): ContainerDefaults['Healthcheck'] {
  if (rest.toUpperCase() === 'NONE') return { Test: ['NONE'] };
  const options: NonNullable<ContainerDefaults['Healthcheck']> = {};
  let remaining = rest;
  for (let flag = /^--([a-z-]+)=(\S*)\s+/i.exec(remaining); flag; flag = /^--([a-z-]+)=(\S*)\s+/i.exec(remaining)) {
    remaining = remaining.slice(flag[0].length);
    const [, name, value] = flag;
    if (name === 'retries') {
      if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`HEALTHCHECK: invalid --retries value ${JSON.stringify(value)}`);
      if (Number(value) < 0) throw new InvalidArgumentError(`--retries cannot be negative (${value})`);
      options.Retries = Number(value);
    } else if (HEALTHCHECK_DURATIONS[name]) {
      const ns = parseGoDuration(value);
      if (ns !== 0 && ns < 1_000_000) throw new InvalidArgumentError(`Interval "${name}" cannot be less than 1ms`);
      options[HEALTHCHECK_DURATIONS[name]] = ns;
    } else {
      throw new InvalidArgumentError(`HEALTHCHECK: unknown flag: --${name}`);
    }
  }
  const m = /^CMD\s+(.*)$/i.exec(remaining);
  if (!m) throw new InvalidArgumentError('HEALTHCHECK: expected NONE or [OPTIONS] CMD <command>');
  const cmd = m[1].trim();
  if (cmd.startsWith('[')) return { Test: ['CMD', ...jsonArray(cmd, 'HEALTHCHECK')], ...options };
  return { Test: ['CMD-SHELL', cmd], ...options };
}

/** An image config's bytes as JSON; anything but an object is Docker's 400. */
export function parseConfig(bytes: Buffer): ImageConfig {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as ImageConfig;
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    return parsed;
  } catch (err) {
    throw new InvalidArgumentError(`invalid image config: ${(err as Error).message}`);
  }
}

const COMMIT_STRING_LISTS = ['Env', 'Cmd', 'Entrypoint', 'OnBuild', 'Shell'] as const;

/**
 * `POST /commit`'s body: the config fields the new image keeps (dockerd's CreateImageConfig.Config), each
 * checked for its type, so a wrong one is the client's 400 before the container is paused.
 */
export function commitBodyConfig(body: Record<string, unknown>): ContainerDefaults {
  if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('invalid commit body: expected a container config object');
  const out: Record<string, unknown> = {};
  for (const key of COMMIT_STRING_LISTS) {
    const v = body[key];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new InvalidArgumentError(`invalid ${key}: expected a list of strings`);
    if (v.length) out[key] = v;
  }
  for (const key of ['User', 'WorkingDir', 'StopSignal'] as const) {
    const v = body[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw new InvalidArgumentError(`invalid ${key}: expected a string`);
    out[key] = v;
  }
  for (const key of ['Labels', 'ExposedPorts', 'Volumes', 'Healthcheck'] as const) {
    const v = body[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError(`invalid ${key}: expected an object`);
    if (Object.keys(v).length) out[key] = v;
  }
  return out as ContainerDefaults;
}
