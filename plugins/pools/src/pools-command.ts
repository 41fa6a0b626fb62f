import { callDaemon, CliUsageError, daemonMessage, resolveDaemonAddress, type CliCommand, type DaemonAddress } from '@sockerless/sdk';
import type { PoolSummary } from './pool-status';

export { resolveDaemonAddress };

/** The `pools` lines of the CLI usage; `sockerless pools --help` prints them under `Usage:`. */
export const POOLS_USAGE = `  sockerless pools ls [--json]
      Lists the daemon's pools (the default pool marked *), or prints them as JSON.
  sockerless pools inspect NAME
      Prints one pool's status as JSON.
  sockerless pools create NAME --backends B1,B2 [--max-concurrency N] [--queue-size N]
      [--queue-timeout-ms N] [--scheduler S] [--max-containers N] [--max-memory SIZE] [--default-memory SIZE]
      Adds a pool at runtime.
  sockerless pools set NAME [--max-concurrency N|unlimited] [--queue-size N] [--queue-timeout-ms N]
      [--scheduler S] [--max-containers N] [--max-memory SIZE] [--default-memory SIZE]
      Changes only the settings given (at least one).
  sockerless pools rm NAME [--force|-f]
      Removes a pool; --force removes it even when it still has containers.
      The pools commands talk to the daemon at --host URL (or -H URL), else $DOCKER_HOST, else
      unix://$SOCKERLESS_HOME/docker.sock, and send $SOCKERLESS_TOKEN as a bearer token when it is set.
      With DOCKER_TLS_VERIFY set, a tcp:// daemon is reached over TLS with ca.pem, cert.pem and key.pem
      from $DOCKER_CERT_PATH (else ~/.docker), as the docker CLI does.
      SIZE is bytes or a number with k, m, g, t (binary multiples, as docker's --memory: 512m, 1.5g).
`;


export type PoolsCommand =
  | { action: 'help' }
  | { action: 'ls'; json: boolean }
  | { action: 'inspect'; name: string }
  | { action: 'create'; name: string; body: Record<string, unknown> }
  | { action: 'set'; name: string; body: Record<string, unknown> }
  | { action: 'rm'; name: string; force: boolean };

/** `host` is `--host`/`-H`, when given. */
export interface ParsedPoolsArgs { host?: string; command: PoolsCommand }

/** A bad subcommand, flag or value: printed with a hint, exit code 2, and no request is made. */
export class PoolsUsageError extends CliUsageError {}

type Kind = 'count' | 'size' | 'string';
const SETTINGS: Record<string, { key: string; kind: Kind; limit?: true }> = {
  '--max-concurrency': { key: 'maxConcurrency', kind: 'count' },
  '--queue-size': { key: 'queueSize', kind: 'count' },
  '--queue-timeout-ms': { key: 'queueTimeoutMs', kind: 'count' },
  '--scheduler': { key: 'scheduler', kind: 'string' },
  '--max-containers': { key: 'maxContainers', kind: 'count', limit: true },
  '--max-memory': { key: 'maxMemoryBytes', kind: 'size', limit: true },
  '--default-memory': { key: 'defaultMemoryBytes', kind: 'size', limit: true },
};
const BOOL_FLAGS = new Set(['--json', '--force', '-f', '--help', '-h']);
const VALUE_FLAGS = new Set(['--host', '-H', '--backends', ...Object.keys(SETTINGS)]);
const ALLOWED: Record<string, string[]> = {
  ls: ['--json'], inspect: [], create: ['--backends', ...Object.keys(SETTINGS)], set: Object.keys(SETTINGS), rm: ['--force', '-f'],
};

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Bytes from `1048576`, `512m`, `1.5g`, `64k`, `2GiB`: binary multiples, like docker's `--memory`. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?(?:([kmgtp])i?)?b?$/i.exec(text.trim());
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]) : NaN;
  if (!Number.isSafeInteger(bytes)) throw new Error(`invalid size '${text}': expected bytes or a number with k, m, g or t, like 512m or 1.5g`);
  return bytes;
}

function parseCount(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new PoolsUsageError(`invalid argument "${text}" for "${flag}" flag: expected a non-negative integer`);
  return n;
}

function settingValue(flag: string, text: string, action: string): unknown {
  const { kind } = SETTINGS[flag];
  if (flag === '--max-concurrency' && action === 'set' && text === 'unlimited') return null;
  if (kind === 'count') return parseCount(flag, text);
  if (kind === 'string') {
    if (!text) throw new PoolsUsageError(`invalid argument "" for "${flag}" flag: expected a name`);
    return text;
  }
  try {
    return parseSize(text);
  } catch (e) {
    throw new PoolsUsageError(`invalid argument "${text}" for "${flag}" flag: ${(e as Error).message}`);
  }
}

/** Parses the words after `sockerless pools`. Throws PoolsUsageError; makes no request. */
export function parsePoolsArgs(argv: string[]): ParsedPoolsArgs {
  let host: string | undefined;
  const words: string[] = [];
  const flags: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { words.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { words.push(a); continue; }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    let value = eq > 0 ? a.slice(eq + 1) : undefined;
    if (BOOL_FLAGS.has(flag)) {
      if (value !== undefined) throw new PoolsUsageError(`flag ${flag} takes no value`);
      if (flag === '--help' || flag === '-h') return { command: { action: 'help' } };
    } else if (VALUE_FLAGS.has(flag)) {
      value ??= argv[++i];
      if (value === undefined) throw new PoolsUsageError(`flag needs an argument: ${flag}`);
    } else {
      throw new PoolsUsageError(`unknown flag: ${flag}`);
    }
    if (flag === '--host' || flag === '-H') host = value;
    else flags.push([flag, value ?? '']);
  }

  const [action, ...names] = words;
  if (!action) throw new PoolsUsageError('missing subcommand: ls, inspect, create, set or rm');
  const allowed = ALLOWED[action];
  if (!allowed) throw new PoolsUsageError(`unknown command "${action}" for "sockerless pools"`);
  for (const [flag] of flags) {
    if (!allowed.includes(flag)) throw new PoolsUsageError(`unknown flag for "pools ${action}": ${flag}`);
  }
  if (action === 'ls') {
    if (names.length) throw new PoolsUsageError(`"pools ls" takes no arguments, got "${names.join(' ')}"`);
    return { host, command: { action, json: flags.length > 0 } };
  }
  if (names.length !== 1 || !names[0]) throw new PoolsUsageError(`"pools ${action}" needs exactly one pool NAME${names.length ? `, got "${names.join(' ')}"` : ''}`);
  const name = names[0];
  if (action === 'inspect') return { host, command: { action, name } };
  if (action === 'rm') return { host, command: { action, name, force: flags.length > 0 } };

  const body: Record<string, unknown> = {};
  const limits: Record<string, unknown> = {};
  const backends: string[] = [];
  for (const [flag, text] of flags) {
    if (flag === '--backends') { backends.push(...text.split(',').map((b) => b.trim()).filter(Boolean)); continue; }
    const setting = SETTINGS[flag];
    (setting.limit ? limits : body)[setting.key] = settingValue(flag, text, action);
  }
  if (Object.keys(limits).length) body.limits = limits;
  if (action === 'create') {
    if (!backends.length) throw new PoolsUsageError('"pools create" needs --backends B1,B2 (at least one backend instance)');
    return { host, command: { action, name, body: { name, backends, ...body } } };
  }
  if (!Object.keys(body).length) throw new PoolsUsageError(`"pools set" needs at least one setting: ${Object.keys(SETTINGS).join(', ')}`);
  return { host, command: { action: 'set', name, body } };
}

function toRequest(cmd: Exclude<PoolsCommand, { action: 'help' }>): { method: string; path: string; body?: unknown } {
  const one = `/internal/pools/${cmd.action === 'ls' ? '' : encodeURIComponent(cmd.name)}`;
  switch (cmd.action) {
    case 'ls': return { method: 'GET', path: '/internal/pools' };
    case 'inspect': return { method: 'GET', path: one };
    case 'create': return { method: 'POST', path: '/internal/pools', body: cmd.body };
    case 'set': return { method: 'PATCH', path: one, body: cmd.body };
    case 'rm': return { method: 'DELETE', path: cmd.force ? `${one}?force=true` : one };
  }
}

/** Docker-style table: columns at least 10 wide, 3 spaces of padding, the last one unpadded. */
export function formatPoolsTable(pools: PoolSummary[]): string {
  const rows = [['NAME', 'BACKENDS', 'RUNNING', 'QUEUED', 'MAX', 'CONTAINERS', 'ORIGIN']];
  for (const p of pools) {
    rows.push([p.default ? `${p.name} *` : p.name, p.backends.join(','), String(p.running), String(p.queued),
      p.maxConcurrency == null ? '-' : String(p.maxConcurrency), String(p.containers), p.origin]);
  }
  const widths = rows[0].map((_, c) => Math.max(10, ...rows.map((r) => r[c].length + 3)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('')).join('\n') + '\n';
}

/** `sockerless pools ...`: 0 on success, 1 for a daemon or connection error, 2 for bad usage. */
export async function runPoolsCommand(
  argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void,
  err: (s: string) => void = (s) => { process.stderr.write(s); },
): Promise<number> {
  let parsed: ParsedPoolsArgs;
  let addr: DaemonAddress;
  try {
    parsed = parsePoolsArgs(argv);
    if (parsed.command.action === 'help') { out(`Usage:\n${POOLS_USAGE}`); return 0; }
    addr = resolveDaemonAddress(parsed.host, env);
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    err(`sockerless pools: ${e.message}\nSee 'sockerless pools --help'.\n`);
    return 2;
  }
  const cmd = parsed.command;
  const { method, path, body } = toRequest(cmd);
  let res: { status: number; text: string };
  try {
    res = await callDaemon(addr, env.SOCKERLESS_TOKEN, method, path, body);
  } catch (e) {
    err(`Cannot connect to the Sockerless daemon at ${addr.url}: ${(e as Error).message}\n`);
    return 1;
  }
  if (res.status < 200 || res.status >= 300) {
    err(`Error response from daemon: ${daemonMessage(res.status, res.text)}\n`);
    return 1;
  }
  if (cmd.action !== 'ls' && cmd.action !== 'inspect') { out(`${cmd.name}\n`); return 0; }
  let data: unknown;
  try {
    data = JSON.parse(res.text);
  } catch {
    err(`sockerless pools: the daemon sent a response that is not JSON (HTTP ${res.status})\n`);
    return 1;
  }
  if (cmd.action === 'ls' && !cmd.json) {
    if (!Array.isArray(data)) { err('sockerless pools: the daemon sent a pool list that is not an array\n'); return 1; }
    out(formatPoolsTable(data as PoolSummary[]));
  } else {
    out(`${JSON.stringify(data, null, 2)}\n`);
  }
  return 0;
}

/** `sockerless pools`, contributed to the CLI by this plugin. */
export const poolsCommand: CliCommand = {
  name: 'pools',
  usage: POOLS_USAGE,
  run: (argv, io) => runPoolsCommand(argv, io.env, io.out, io.err),
};
