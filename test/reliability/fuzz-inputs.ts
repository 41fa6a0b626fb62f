/**
 * What the fuzzer sends, derived by seed: every operation of Docker Engine API v1.56 (read from the spec's
 * paths), with path parameters that hit the fixtures or miss on purpose, declared query parameters given
 * absurd values, and bodies that are bad JSON, mistyped, huge, truncated or of the wrong content type; plus
 * unknown endpoints, bad API versions, archive paths that climb out of the container, and upgrades with junk.
 * Request `i` of seed `s` is always the same request, whatever ran before it.
 */
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import type { WireRequest } from './fuzz-wire';

export const SPEC_FILE = process.env.DOCKER_API_SPEC ?? '/work/shared/reference/docker-engine-api-v1.56.yaml';

export interface Operation {
  method: string;
  /** The spec's path template, e.g. `/containers/{id}/logs`. */
  path: string;
  query: string[];
  hasBody: boolean;
}

/** Every (method, path) of the spec with its declared query parameters and whether it takes a body. */
export function loadOperations(specFile = SPEC_FILE): Operation[] {
  const spec = load(readFileSync(specFile, 'utf8')) as { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'delete', 'head'].includes(method)) continue;
      const params = op.parameters ?? [];
      ops.push({ method: method.toUpperCase(), path, query: params.filter((p) => p.in === 'query').map((p) => p.name), hasBody: params.some((p) => p.in === 'body') || method === 'put' });
    }
  }
  return ops;
}

/** Names of real objects, so that lookups hit and the handlers behind them run. */
export interface Fixtures {
  containers: string[];
  images: string[];
  volumes: string[];
  networks: string[];
  execs: string[];
}

/** A small deterministic PRNG (mulberry32), seeded per request. */
export class Rng {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]!; }
  chance(p: number): boolean { return this.next() < p; }
}

export const requestRng = (seed: number, index: number) => new Rng(Math.imul(seed ^ 0x9e3779b9, 2654435761) ^ Math.imul(index + 1, 0x85ebca6b));

const ABSURD_NUMBERS = ['-1', '0', '99999999999999999999', '1e309', 'NaN', '-0', '1.5', '0x10', '', ' ', '9007199254740993', '-9223372036854775809', 'abc'];
const BAD_NAMES = ['', '.', '..', '/', '%2e%2e', '..%2f..%2fetc', 'UPPER', 'a b', '-flag', 'name:tag:more', '@sha256:zz', 'x'.repeat(300), '%00', '%ff%fe', 'é', '*', '(', '\\', 'a/../../b', '%2F'];
const BAD_FILTERS = ['{', '[]', '"x"', '{"name":["("]}', '{"name":["[a-"]}', '{"label":["=","a=b=c"]}', '{"until":["abc"]}', '{"unknown":["x"]}', '{"status":["nope"]}', '{"name":{"a":true}}', '{"dangling":["maybe"]}', '{"reference":["(("]}', '{"before":["nope"]}', '{"exited":["x"]}', 'null', '{"name":[1]}'];
const CONTENT_TYPES = ['application/json', 'application/json', 'text/plain', 'application/x-tar', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''];
/** Archive paths that try to leave the container's root, or are not paths at all. */
export const TRAVERSALS = ['/../../../../etc', '../../..', '/proc/self/root/etc', '/..%2f..', '/etc/../../../../tmp', '', 'relative/path', '/dev/null', '/proc/1/environ', '/tmp/' + 'x'.repeat(300), '/\0', '/sys/kernel'];

/** Routes that reach a registry or a remote URL: their names are forced onto a closed local port (only 127.0.0.1 traffic). */
const REMOTE_ROUTES = /^\/(images\/create|images\/\{name\}\/push|images\/search|auth|plugins\/(pull|privileges|\{name\}\/(upgrade|push))|distribution\/|build$|swarm\/join)/;
export const LOCAL_REGISTRY = '127.0.0.1:9';

function fuzzValue(rng: Rng): string {
  switch (rng.int(6)) {
    case 0: return rng.pick(ABSURD_NUMBERS);
    case 1: return rng.pick(['true', 'false', '1', '0', 'yes', 'TRUE', '2', '']);
    case 2: return rng.pick(BAD_FILTERS);
    case 3: return rng.pick(BAD_NAMES);
    case 4: return rng.pick(TRAVERSALS);
    default: return randomText(rng, rng.int(40));
  }
}

function randomText(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(rng.chance(0.9) ? 32 + rng.int(95) : rng.int(0x3000));
  return s;
}

function pathParam(rng: Rng, template: string, fixtures: Fixtures): string {
  const pool = template.startsWith('/containers') ? fixtures.containers : template.startsWith('/images') ? fixtures.images
    : template.startsWith('/volumes') ? fixtures.volumes : template.startsWith('/networks') ? fixtures.networks : template.startsWith('/exec') ? fixtures.execs : [];
  if (pool.length && rng.chance(0.6)) return encodeURIComponent(rng.pick(pool));
  const bad = rng.pick(BAD_NAMES);
  return bad.includes('%') ? bad : encodeURIComponent(bad);
}

/** A JSON value of a random shape, to stand where an object, string or number was expected. */
function wrongJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 5 : 8)) {
    case 0: return null;
    case 1: return rng.pick([-1, 0, 1e308, -1e308, 2 ** 63, 0.5]);
    case 2: return rng.pick(BAD_NAMES);
    case 3: return rng.chance(0.5);
    case 4: return rng.pick(TRAVERSALS);
    case 5: return Array.from({ length: rng.int(4) }, () => wrongJson(rng, depth + 1));
    default: return Object.fromEntries(Array.from({ length: 1 + rng.int(4) }, () => [rng.pick(BODY_KEYS), wrongJson(rng, depth + 1)]));
  }
}

/** Keys the API's bodies use, so that mistyped values reach the fields handlers read. */
const BODY_KEYS = ['Image', 'Cmd', 'Entrypoint', 'Env', 'Labels', 'HostConfig', 'Binds', 'PortBindings', 'ExposedPorts', 'Mounts', 'Name', 'Driver',
  'DriverOpts', 'Container', 'EndpointConfig', 'Memory', 'NanoCpus', 'Ulimits', 'RestartPolicy', 'NetworkMode', 'WorkingDir', 'User', 'Tty',
  'AttachStdin', 'AttachStdout', 'Detach', 'IPAM', 'Config', 'Subnet', 'Healthcheck', 'StopSignal', 'StopTimeout', 'Hostname', 'Domainname',
  'Volumes', 'OpenStdin', 'Privileged', 'CapAdd', 'Devices', 'Dns', 'ExtraHosts', 'Sysctls', 'Tmpfs', 'ShmSize', 'Aliases', 'Force', 'Internal'];

/** A request body: bad JSON, mistyped JSON, a huge or truncated one, or bytes of no format at all. */
function fuzzBody(rng: Rng): { body: Buffer; contentLength?: number } {
  const json = Buffer.from(JSON.stringify(wrongJson(rng)));
  switch (rng.int(10)) {
    case 0: return { body: Buffer.from(rng.pick(['{', '{"Image":', '[1,', 'nul', '{"a":1}}', '\u0000\u0001', '{"Image":"busybox",}', '"\\ud800"', ''])) };
    case 1: return { body: json.subarray(0, Math.max(1, json.length >> 1)) };
    // Announced longer than sent: the body stalls and the daemon's body-idle timeout must end it.
    case 2: return { body: json, contentLength: json.length + 1 + rng.int(1000) };
    case 3: return { body: Buffer.alloc(rng.pick([64 * 1024, 1024 * 1024, 9 * 1024 * 1024]), rng.pick(['{', 'a', '\0', '['])) };
    case 4: return { body: Buffer.from(randomText(rng, rng.int(200))) };
    case 5: return { body: Buffer.from(`{"Image":"busybox:latest","Cmd":["true"],"${rng.pick(BODY_KEYS)}":${JSON.stringify(wrongJson(rng))}}`) };
    default: return { body: json };
  }
}

function query(rng: Rng, names: string[]): string {
  const pairs: string[] = [];
  for (const name of names) if (rng.chance(0.4)) pairs.push(`${name}=${encodeURIComponent(fuzzValue(rng))}`);
  if (rng.chance(0.1)) pairs.push(`${encodeURIComponent(randomText(rng, 5))}=${encodeURIComponent(fuzzValue(rng))}`);
  if (rng.chance(0.03)) pairs.push('%zz=%zz');
  return pairs.length ? `?${pairs.join('&')}` : '';
}

/** Forces the names, URLs and bodies of routes that would reach the network onto a closed local port. */
function keepLocal(path: string): string {
  return path.replace(/([?&])(fromImage|fromSrc|remote|term|url)=[^&]*/g, (_m, sep, key) => `${sep}${key}=${encodeURIComponent(key === 'fromSrc' || key === 'remote' || key === 'url' ? `http://${LOCAL_REGISTRY}/x` : `${LOCAL_REGISTRY}/fuzz/x`)}`);
}

export interface FuzzCase extends WireRequest {
  /** The class of input, for the figures and for failure reports. */
  kind: string;
  /** The spec operation it exercised, when there was one. */
  op?: string;
}

export function generateCase(seed: number, index: number, ops: Operation[], fixtures: Fixtures): FuzzCase {
  const rng = requestRng(seed, index);
  const version = rng.chance(0.9) ? '/v1.50' : rng.pick(['', '/v1.56', '/v0.1', '/v99.99', '/vabc', '/v1.', '/v1.24']);
  const roll = rng.int(100);
  if (roll < 4) {
    const method = rng.pick(['GET', 'POST', 'PATCH', 'OPTIONS', 'TRACE', 'PUT', 'DELETE', 'BREW']);
    return { kind: 'unknown endpoint', method, path: `${version}/${rng.pick(['nope', 'containers/x/y/z', 'images/../../etc', '%', '..', 'v1.50', '_ping/x'])}${query(rng, ['a'])}` };
  }
  if (roll < 10) return archiveTraversal(rng, version, fixtures);
  if (roll < 14) return upgradeWithJunk(rng, version, fixtures);
  if (roll < 16) return slowConnection(rng, version);
  const op = rng.pick(ops);
  const remote = REMOTE_ROUTES.test(op.path);
  let path = op.path.replace(/\{(id|name)\}/g, () => (remote ? encodeURIComponent(`${LOCAL_REGISTRY}/fuzz/x`) : pathParam(rng, op.path, fixtures)));
  path = `${version}${path}${query(rng, op.query)}`;
  if (remote) path = keepLocal(path);
  const headers: Record<string, string> = {};
  if (op.hasBody || rng.chance(0.15)) {
    const { body, contentLength } = op.path === '/auth' ? { body: Buffer.from(JSON.stringify({ serveraddress: LOCAL_REGISTRY, username: fuzzValue(rng) })), contentLength: undefined } : fuzzBody(rng);
    const ct = rng.pick(CONTENT_TYPES);
    if (ct) headers['Content-Type'] = ct;
    if (rng.chance(0.05)) headers['X-Registry-Auth'] = rng.pick(['!!!', 'e30=', Buffer.from('{"serveraddress":"' + LOCAL_REGISTRY + '"}').toString('base64')]);
    return { kind: contentLength !== undefined ? 'stalled body' : 'route', op: `${op.method} ${op.path}`, method: op.method, path, headers, body, contentLength };
  }
  return { kind: 'route', op: `${op.method} ${op.path}`, method: op.method, path, headers };
}

function archiveTraversal(rng: Rng, version: string, fixtures: Fixtures): FuzzCase {
  const id = encodeURIComponent(rng.pick(fixtures.containers.length ? fixtures.containers : ['none']));
  const method = rng.pick(['GET', 'HEAD', 'PUT']);
  const path = `${version}/containers/${id}/archive?path=${encodeURIComponent(rng.pick(TRAVERSALS))}${rng.chance(0.3) ? '&noOverwriteDirNonDir=maybe' : ''}`;
  if (method !== 'PUT') return { kind: 'archive traversal', op: `${method} /containers/{id}/archive`, method, path };
  return { kind: 'archive traversal', op: 'PUT /containers/{id}/archive', method, path, headers: { 'Content-Type': 'application/x-tar' }, body: traversalTar(rng) };
}

/** Where a tar entry that escaped the container would land on the host (fuzz.ts checks that it never exists). */
export const ESCAPE_MARKER = '/tmp/sockerless-fuzz-escape';
const CLIMB = '../'.repeat(12) + ESCAPE_MARKER.slice(1);

/**
 * A tar that tries to write outside the extraction point: entries named with `..`, a symlink planted and then
 * written through, hard links to directories or to nothing, empty link targets; sometimes cut short.
 */
export function traversalTar(rng: Rng): Buffer {
  const name = rng.pick(['esc', 'a/../../escape', '/../escape', 'x'.repeat(120), CLIMB]);
  const entries = rng.pick([
    [tarHeader(name, '0', '', 5)],
    [tarHeader(name, '2', CLIMB, 0), tarHeader(name, '0', '', 5)],
    [tarHeader('d', '2', CLIMB.replace(/\/[^/]+$/, ''), 0), tarHeader('d/sockerless-fuzz-escape', '0', '', 5)],
    [tarHeader(name, '1', rng.pick(['', '.', '..', '../../../../etc/passwd', 'missing']), 0)],
    [tarHeader(name, '2', '', 0)],
    [tarHeader(name, '5', '', 0), tarHeader(`${name}/f`, '0', '', 5)],
  ]);
  const whole = Buffer.concat([...entries.flat(), Buffer.alloc(1024)]);
  return rng.chance(0.2) ? whole.subarray(0, rng.int(whole.length)) : whole;
}

/** One ustar header block (and a data block when `size` > 0) with a valid checksum. */
function tarHeader(name: string, type: string, linkname: string, size: number): Buffer[] {
  const header = Buffer.alloc(512);
  header.write(name.slice(0, 100), 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(size.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write(type, 156);
  header.write(linkname.slice(0, 100), 157);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  if (!size) return [header];
  const data = Buffer.alloc(512);
  data.write('owned'.slice(0, size));
  return [header, data];
}

function upgradeWithJunk(rng: Rng, version: string, fixtures: Fixtures): FuzzCase {
  const attach = rng.chance(0.5);
  const id = encodeURIComponent(rng.pick(attach ? fixtures.containers : fixtures.execs.length ? fixtures.execs : ['none']) ?? 'none');
  const path = attach ? `${version}/containers/${id}/attach?stream=1&stdout=1&stdin=${rng.pick(['1', '0', 'x'])}` : `${version}/exec/${id}/start`;
  const junk = Buffer.from(rng.pick(['{', '{"Detach":"yes"}', '{"Tty":5}', 'junk junk', '\u0000\u0000', '{"Detach":false,"Tty":false}']));
  const contentLength = rng.pick([junk.length, junk.length + 10, 2 ** 40, -1, 0]);
  return { kind: 'upgrade with junk', op: attach ? 'POST /containers/{id}/attach' : 'POST /exec/{id}/start', method: 'POST', path, upgrade: true, headers: { 'Content-Type': 'application/json' }, body: junk, contentLength };
}

/** Connections that stall (an unfinished head, nothing at all) or are half-closed: the daemon's timeouts must end them. */
function slowConnection(rng: Rng, version: string): FuzzCase {
  switch (rng.int(4)) {
    case 0: return { kind: 'slow header', method: 'GET', path: '', rawHead: `GET ${version}/_ping HTTP/1.1\r\nHost: docker\r\nX-Slow: ` };
    case 1: return { kind: 'silent connection', method: 'GET', path: '', rawHead: '' };
    case 2: return { kind: 'half-open', method: 'GET', path: `${version}/containers/json`, halfClose: true };
    default: return { kind: 'junk head', method: 'GET', path: '', rawHead: `${randomText(rng, 30)}\r\n\r\n` };
  }
}
