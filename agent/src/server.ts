import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import type { WebSocket, WebSocketServer } from 'ws';
import {
  AGENT_ENV, guarded, InvalidArgumentError, UnavailableError, type AgentGrant, type AgentServer, type AgentSession, type Logger,
} from '@sockerless/sdk';
import { AGENT_PATH, CONTAINER_ID_HEADER } from './protocol';
import { ServerAgentSession } from './server-session';

export interface WorkloadAgentServerOptions {
  /** The daemon's home: the token secret and the remembered port live there. */
  home: string;
  logger: Logger;
  /** `tcp://host:port`; `tcp://127.0.0.1:0` by default. */
  listen?: string;
  /** The `ws://` URL workloads dial; by default the listener's own address. */
  advertise?: string;
}

const SECRET_FILE = 'agent.secret';
const LISTENER_FILE = 'agent-listener.json';
const HEARTBEAT_MS = 15_000;
/** A refused agent dials again every 2 s: say why once in a while, not every time. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * The daemon's agent server. Tokens are HMAC-SHA256(secret, containerId) with the secret kept in the home,
 * so the agent of a workload that outlived the daemon is accepted by the next one. The listener opens on
 * first use and keeps its port across restarts when it can, so such an agent dials the same URL.
 */
export class WorkloadAgentServer implements AgentServer {
  private readonly logger: Logger;
  private secret?: Buffer;
  private listening?: Promise<string>;
  private http?: Server;
  private wss?: WebSocketServer;
  private heartbeat?: NodeJS.Timeout;
  private closed = false;
  private readonly known = new Set<string>();
  private readonly sessions = new Map<string, ServerAgentSession>();
  private readonly waiters = new Map<string, Set<(s: ServerAgentSession) => void>>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly lastRefusalLog = new Map<string, number>();

  private readonly listenAt: { host: string; port: number };

  /** Checks `listen` at once (a config error stops the boot); the listener itself opens on first use. */
  constructor(private readonly opts: WorkloadAgentServerOptions) {
    this.logger = opts.logger;
    this.listenAt = parseTcpUrl(opts.listen ?? 'tcp://127.0.0.1:0');
    if (opts.advertise !== undefined && !/^wss?:\/\/[^/]+/.test(opts.advertise)) {
      throw new InvalidArgumentError(`agent.advertise must be a ws:// or wss:// URL, got ${opts.advertise}`);
    }
  }

  async grant(containerId: string): Promise<AgentGrant> {
    const url = await this.ensureListening();
    this.known.add(containerId);
    const token = this.tokenFor(containerId);
    return { url, token, env: [`${AGENT_ENV.url}=${url}`, `${AGENT_ENV.token}=${token}`, `${AGENT_ENV.containerId}=${containerId}`] };
  }

  async session(containerId: string, timeoutMs = 0): Promise<AgentSession> {
    await this.ensureListening();
    // Asking for its session says the container is ours (a backend reattaching after a restart).
    this.known.add(containerId);
    const current = this.sessions.get(containerId);
    if (current) return current;
    if (timeoutMs > 0) {
      const session = await new Promise<ServerAgentSession | undefined>((resolve) => {
        const waiters = this.waiters.get(containerId) ?? new Set();
        this.waiters.set(containerId, waiters);
        const done = (s: ServerAgentSession | undefined) => {
          clearTimeout(timer);
          waiters.delete(done);
          if (!waiters.size) this.waiters.delete(containerId);
          resolve(s);
        };
        const timer = setTimeout(() => done(undefined), timeoutMs);
        waiters.add(done);
      });
      if (session) return session;
    }
    throw new UnavailableError(`the workload agent of container ${containerId} has not connected`);
  }

  connected(containerId: string): boolean {
    return this.sessions.has(containerId);
  }

  /** Forgets a container: its agent is refused from now on and a live connection is cut. */
  revoke(containerId: string): void {
    this.known.delete(containerId);
    this.sessions.get(containerId)?.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const s of this.sessions.values()) s.terminate();
    const http = this.http;
    if (!http) return;
    this.wss?.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }

  tokenFor(containerId: string): string {
    return createHmac('sha256', this.loadSecret()).update(containerId).digest('hex');
  }

  private loadSecret(): Buffer {
    if (this.secret) return this.secret;
    const file = join(this.opts.home, SECRET_FILE);
    mkdirSync(this.opts.home, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const secret = readFileSync(file);
    if (secret.length < 32) throw new UnavailableError(`the agent secret ${file} is damaged (${secret.length} bytes)`);
    this.secret = secret;
    return secret;
  }

  private ensureListening(): Promise<string> {
    if (this.closed) return Promise.reject(new UnavailableError('the workload agent server is closed'));
    this.listening ??= this.listen().catch((err: Error) => { this.listening = undefined; throw err; });
    return this.listening;
  }

  private async listen(): Promise<string> {
    this.loadSecret();
    const { host, port } = this.listenAt;
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 8 * 1024 * 1024 });
    const http = createServer((_req, res) => { res.statusCode = 404; res.end(); });
    http.on('upgrade', guarded(this.logger, { on: 'workload agent upgrade' }, (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(wss, req, socket, head)));
    const remembered = port === 0 ? this.rememberedPort() : undefined;
    let bound: number;
    try {
      bound = await listenOn(http, host, remembered ?? port);
    } catch (err) {
      if (remembered === undefined || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      this.logger.warn('the workload agent port of the previous run is taken; agents of workloads that outlived it cannot dial back', { port: remembered });
      bound = await listenOn(http, host, 0);
    }
    // 0600 like every file in the daemon's home (the core tightens the home at boot, not files made later).
    writeFileSync(join(this.opts.home, LISTENER_FILE), JSON.stringify({ port: bound }) + '\n', { mode: 0o600 });
    this.http = http;
    this.wss = wss;
    this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS).unref();
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const url = this.opts.advertise ?? `ws://${shown}:${bound}${AGENT_PATH}`;
    this.logger.debug('workload agent server listening', { url });
    return url;
  }

  private rememberedPort(): number | undefined {
    try {
      const { port } = JSON.parse(readFileSync(join(this.opts.home, LISTENER_FILE), 'utf8')) as { port?: unknown };
      return typeof port === 'number' && port > 0 && port < 65536 ? port : undefined;
    } catch {
      return undefined;
    }
  }

  private upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (url.pathname !== AGENT_PATH) { refuse(socket, 404, 'Not Found'); return; }
    const header = req.headers[CONTAINER_ID_HEADER];
    const containerId = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('container') ?? '';
    const reason = this.refusal(containerId, req.headers.authorization);
    if (reason) {
      this.logRefusal(containerId, reason, req.socket.remoteAddress);
      refuse(socket, 401, 'Unauthorized');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => this.accept(containerId, ws));
  }

  private refusal(containerId: string, authorization: string | undefined): string | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return 'no token';
    if (!containerId) return 'no container id';
    const expected = Buffer.from(this.tokenFor(containerId), 'utf8');
    const given = Buffer.from(token, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'wrong token';
    if (!this.known.has(containerId)) return 'unknown container';
    return undefined;
  }

  private logRefusal(containerId: string, reason: string, remote: string | undefined): void {
    const key = `${containerId}\0${reason}`;
    const now = Date.now();
    if (now - (this.lastRefusalLog.get(key) ?? -Infinity) < REFUSAL_LOG_INTERVAL_MS) return;
    this.lastRefusalLog.set(key, now);
    this.logger.warn(`refused a workload agent connection: ${reason}`, { containerId, reason, remote });
  }

  private accept(containerId: string, ws: WebSocket): void {
    if (this.closed) { ws.terminate(); return; }
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('error', () => undefined);
    const session = new ServerAgentSession(containerId, ws, this.logger);
    const previous = this.sessions.get(containerId);
    // Only the newest connection of a container is its session.
    this.sessions.set(containerId, session);
    previous?.terminate();
    void session.closed.then(() => { if (this.sessions.get(containerId) === session) this.sessions.delete(containerId); });
    this.logger.debug('workload agent connected', { containerId });
    for (const wake of [...(this.waiters.get(containerId) ?? [])]) wake(session);
  }

  private ping(): void {
    for (const ws of this.wss?.clients ?? []) {
      if (!this.alive.has(ws)) { ws.terminate(); continue; }
      this.alive.delete(ws);
      ws.ping();
    }
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function parseTcpUrl(listen: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(listen);
  if (!m || Number(m[2]) > 65535) throw new InvalidArgumentError(`agent.listen must be tcp://host:port, got ${listen}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => { server.off('listening', onListening); reject(err); };
    const onListening = () => { server.off('error', onError); resolve((server.address() as AddressInfo).port); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
