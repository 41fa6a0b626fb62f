import { readFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { request as tlsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SockerlessConfig } from './plugin';
import type { BootStep } from './services';

/**
 * What a plugin adds to the `sockerless` command. A plugin package exports it as `cli` beside its default
 * plugin export; the CLI reads it from the plugins of the default config's `cli` list without starting them
 * (no `register`, no `init`), so `sockerless --help` stays fast.
 */
export interface CliContribution {
  /** `sockerless NAME ...`: the words after NAME are the command's own. */
  commands?: CliCommand[];
  /** `sockerless daemon --preset NAME`: a built-in config. */
  presets?: CliPreset[];
  /** `sockerless simulator CLOUD`: a cloud's simulator alone, with no Docker API. */
  simulators?: CliSimulator[];
  /** A section of `sockerless status`, read from one of the plugin's management routes. */
  statusSections?: CliStatusSection[];
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  name: string;
  /** Lines of `sockerless --help`, each indented two spaces, ending with a newline. */
  usage: string;
  /** Resolves with the exit status: 0 done, 1 a daemon or connection error, 2 bad usage. */
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CliPreset {
  name: string;
  /** Lines of `sockerless --help` under `daemon`, indented six spaces. */
  usage?: string;
  /** The simulator the preset runs in the daemon, which `--simulator-endpoint` replaces by one elsewhere. */
  simulator?: string;
  /** `simulatorEndpoint`: a simulator already running elsewhere (`sockerless simulator CLOUD`). */
  config(opts: { simulatorEndpoint?: string }): SockerlessConfig;
}

export interface CliSimulator {
  cloud: string;
  usage: string;
  defaultListen: string;
  /** The config of a daemon that runs only this simulator (and the runtime its workloads need). */
  config(listen: string, startDelayMs: number | undefined): SockerlessConfig;
}

/** What `GET /internal/status` answers (the `status` plugin's); `sockerless status` prints it with the plugins' sections. */
export interface DaemonStatus {
  backends: Array<{ name: string; kind: string; available: boolean; default: boolean }>;
  /** Containers by Docker's state (`running`, `exited`, `created`, ...). */
  containers: { total: number; byState: Record<string, number> };
  /** The boot's steps and each plugin's init, in milliseconds; absent while the daemon is still booting. */
  boot?: BootStep;
}

export interface CliStatusSection {
  /** The key of the section in `sockerless status --json`; `null` there when the route is absent (404). */
  key: string;
  title: string;
  path: string;
  /** The section's lines, unindented, each ending with a newline. */
  format(data: unknown): string;
  /** The line printed when the daemon does not serve the route (the plugin is not loaded there). */
  absent: string;
}

export function defineCliContribution(contribution: CliContribution): CliContribution {
  return contribution;
}

/** A bad subcommand, flag, value or daemon address: printed with a hint, exit status 2, no request made. */
export class CliUsageError extends Error {}

export interface DaemonAddress {
  url: string; socketPath?: string; host?: string; port?: number;
  /** Mutual TLS with these files (the docker CLI's DOCKER_TLS_VERIFY and DOCKER_CERT_PATH). */
  tls?: { ca: string; cert: string; key: string };
}

/**
 * `--host`, else $DOCKER_HOST, else the daemon's default socket under SOCKERLESS_HOME. A tcp:// address uses TLS
 * when DOCKER_TLS_VERIFY is set, with the docker CLI's files.
 */
export function resolveDaemonAddress(flag: string | undefined, env: NodeJS.ProcessEnv): DaemonAddress {
  const url = flag ?? (env.DOCKER_HOST || `unix://${resolve(env.SOCKERLESS_HOME ?? '.sockerless', 'docker.sock')}`);
  if (url.startsWith('unix://') && url.length > 'unix://'.length) return { url, socketPath: url.slice('unix://'.length) };
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url);
  if (tcp && Number(tcp[2]) > 0 && Number(tcp[2]) < 65536) {
    const addr: DaemonAddress = { url, host: tcp[1].replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
    if (!env.DOCKER_TLS_VERIFY) return addr;
    const dir = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
    return { ...addr, tls: { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } };
  }
  throw new CliUsageError(`invalid daemon address "${url}": expected unix:///path/to.sock or tcp://HOST:PORT`);
}

/** One request to the daemon's API; rejects only when the daemon cannot be reached (or drops the connection). */
export function callDaemon(addr: DaemonAddress, token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (payload !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) });
    if (token) headers.Authorization = `Bearer ${token}`;
    const options = { socketPath: addr.socketPath, host: addr.host, port: addr.port, method, path, headers, agent: false };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    };
    let req;
    try {
      req = addr.tls
        ? tlsRequest({ ...options, ca: readFileSync(addr.tls.ca), cert: readFileSync(addr.tls.cert), key: readFileSync(addr.tls.key) }, onResponse)
        : request(options, onResponse);
    } catch (err) {
      fail(err);
      return;
    }
    req.on('error', fail);
    req.end(payload);
  });
}

/** The `message` of a Docker-shaped error body, else the raw text, else the status. */
export function daemonMessage(status: number, text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string' && message) return message;
  } catch { /* not JSON: fall through to the raw text */ }
  return text.trim() || `HTTP ${status}`;
}
