import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TlsOptions } from 'node:tls';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import Koa, { type Context } from 'koa';
import Router from '@koa/router';
import { guarded, parseJsonBody, type HttpRoute, type Logger } from '@sockerless/sdk';
import { attachContainer, attachOptionsOf, startExecStream } from './container-streams';
import { answerThenClose, ATTACH_PATH, EXEC_START_PATH, lingerThenClose, readUpgradeBody, responseConnection, streamContentType, upgradedConnection, writeSocketError } from './hijack';
import { apiBefore, bearerOf, errorStatus, readBody, requestLog, VERSION_PREFIX } from '@sockerless/sdk/api';
import { MAX_API_VERSION, MIN_API_VERSION } from './system';
import type { ContainerEngine } from '../engine/container-engine';
import type { ExecEngine } from '../engine/exec-engine';
import { callerContext } from '../engine/caller';
import { ATTACH_WS_PATH, attachWebsocket } from './attach-websocket';
import { observeRequests, observeUpgrade, type RequestObserver } from './request-observer';

export interface ApiServerDeps {
  logger: Logger;
  engine: ContainerEngine;
  execs: ExecEngine;
  /** Registers the Docker API routes (each area in its own file) on the router. */
  registerRoutes(router: Router): void;
  managementRoutes: HttpRoute[];
  /** Runs the request admission chain (tenants); throws a typed error to refuse. */
  admitRequest(method: string, path: string, bearerToken: string): Promise<void>;
  /** SOCKERLESS_HOME, which no error message may disclose. */
  home?: string;
  /** Around every request when a tracing plugin is configured (its span per request). */
  observeRequest?: RequestObserver;
}

/** Checks `/vX.Y` against the supported range, with Docker's wording. Returns the path without prefix. */
function splitVersion(path: string): { version?: string; rest: string } {
  const m = VERSION_PREFIX.exec(path);
  if (!m) return { rest: path };
  if (apiBefore(m[1], MIN_API_VERSION)) {
    throw Object.assign(new Error(`client version ${m[1]} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`), { status: 400 });
  }
  if (apiBefore(MAX_API_VERSION, m[1])) {
    throw Object.assign(new Error(`client version ${m[1]} is too new. Maximum supported API version is ${MAX_API_VERSION}`), { status: 400 });
  }
  return { version: m[1], rest: m[2] };
}

/** Maps thrown errors to Docker's status codes and `{"message"}` bodies; a broken stream is cut. */
export function dockerErrors(logger: Logger, home?: string): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const { status, message, retryAfter } = errorStatus(err, home);
      // Neither a client that went away mid-request (its body cut short) nor a 501 (a feature that is not
      // there) is a failure of the daemon worth an error line.
      const clientGone = ctx.req.destroyed || (err as { code?: string }).code === 'ECONNRESET';
      if (status >= 500 && status !== 501 && !clientGone) logger.error('request failed', { method: ctx.method, path: ctx.path, err: message });
      if (ctx.respond === false || ctx.res.headersSent) {
        ctx.res.destroy();
        return;
      }
      ctx.status = status;
      if (retryAfter !== undefined) ctx.set('Retry-After', String(retryAfter));
      if (status === 304) {
        ctx.body = '';
      } else {
        ctx.body = JSON.stringify({ message });
        ctx.set('Content-Type', 'application/json');
      }
    }
  };
}

export function createApiApp(deps: ApiServerDeps): Koa {
  const app = new Koa();
  app.silent = true;
  if (deps.observeRequest) app.use(observeRequests(deps.observeRequest, deps.engine));
  app.use(dockerErrors(deps.logger, deps.home));
  app.use(async (ctx, next) => {
    await next();
    // The Go client decodes error bodies only when the type is exactly application/json, as dockerd sends.
    if (ctx.response.type === 'application/json') ctx.set('Content-Type', 'application/json');
  });
  app.use(async (ctx, next) => {
    const { version, rest } = splitVersion(ctx.path);
    ctx.state.apiVersion = version;
    ctx.path = rest;
    const caller = { method: ctx.method, path: ctx.path, bearerToken: bearerOf(ctx.req.headers) };
    ctx.state.log = deps.logger.child({ method: caller.method, path: caller.path });
    ctx.state.home = deps.home;
    await callerContext.run(caller, async () => {
      await deps.admitRequest(caller.method, caller.path, caller.bearerToken);
      await next();
    });
  });
  const router = new Router();
  deps.registerRoutes(router);
  registerManagementRoutes(router, deps.managementRoutes);
  router.post('/containers/:id/attach', async (ctx) => {
    const c = deps.engine.find(ctx.params.id);
    ctx.respond = false;
    const conn = responseConnection(ctx.req, ctx.res, streamContentType(ctx.state.apiVersion, c.config.Tty), requestLog(ctx));
    await attachContainer(deps.engine, ctx.params.id, attachOptionsOf(ctx.query), conn);
  });
  app.use(router.routes());
  app.use((ctx: Context) => {
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.status = 501;
      ctx.body = { message: `sockerless does not implement ${ctx.method} ${ctx.path}` };
    }
  });
  return app;
}

function registerManagementRoutes(router: Router, routes: HttpRoute[]): void {
  for (const route of routes) {
    router.register(route.path, [route.method], async (ctx: Context) => {
      const raw = ['POST', 'PUT', 'PATCH'].includes(route.method) ? (await readBody(ctx)).toString('utf8') : undefined;
      // `body` is parsed when read, so a route that checks the raw bytes first (a webhook's signature) answers that first.
      const res = await route.handler({ method: ctx.method, path: ctx.path, params: ctx.params ?? {}, query: ctx.query, headers: ctx.headers, get body() { return raw === undefined ? undefined : parseJsonBody(raw); }, rawBody: raw });
      for (const [k, v] of Object.entries(res.headers ?? {})) ctx.set(k, v);
      ctx.status = res.status ?? 200;
      ctx.body = res.body ?? '';
    });
  }
}

/** Requests with `Upgrade: tcp` bypass koa: Node hands us the raw socket. */
export async function handleUpgrade(deps: ApiServerDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  socket.on('error', () => undefined);
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { version, rest } = splitVersion(url.pathname);
    const caller = { method: req.method ?? 'POST', path: rest, bearerToken: bearerOf(req.headers) };
    const log = deps.logger.child({ method: caller.method, path: rest });
    await callerContext.run(caller, () => upgradeAs(deps, log, caller, version, url, req, socket, head));
  } catch (err) {
    const { status, message } = errorStatus(err, deps.home);
    if (status >= 500) deps.logger.error('upgrade request failed', { method: req.method, path: req.url, err: message });
    writeSocketError(socket, status, message);
  }
}

async function upgradeAs(
  deps: ApiServerDeps, log: Logger, caller: { method: string; path: string; bearerToken: string }, version: string | undefined,
  url: URL, req: IncomingMessage, socket: Duplex, head: Buffer,
): Promise<void> {
  const rest = caller.path;
  await deps.admitRequest(caller.method, rest, caller.bearerToken);
  const query = Object.fromEntries(url.searchParams.entries());
  const websocketAttach = ATTACH_WS_PATH.exec(rest);
  if (websocketAttach && String(req.headers.upgrade ?? '').toLowerCase() === 'websocket') {
    return attachWebsocket(deps.engine, decodeURIComponent(websocketAttach[1]), query, version, req, socket, head, log);
  }
  const attach = ATTACH_PATH.exec(rest);
  const target = attach ?? EXEC_START_PATH.exec(rest);
  if (!target) return writeSocketError(socket, 501, `sockerless does not implement an upgrade on ${req.method} ${rest}`);
  const id = decodeURIComponent(target[1]);
  // An unknown container is a 404 before anything of the body is read.
  const tty = attach ? deps.engine.find(id).config.Tty : false;
  // dockerode sends its attach options as a request body, exec start `{"Detach","Tty"}`; what follows the body is stdin.
  const { body, rest: stdin } = await readUpgradeBody(socket, head, Number(req.headers['content-length'] ?? 0), BODY_IDLE_TIMEOUT_MS);
  const open = (withTty: boolean) => upgradedConnection(socket, stdin, streamContentType(version, withTty), log);
  if (attach) return attachContainer(deps.engine, id, attachOptionsOf(query), open(tty));
  let parsed: { Detach?: boolean; Tty?: boolean } = {};
  try {
    parsed = body.length ? JSON.parse(body.toString('utf8')) ?? {} : {};
  } catch (err) {
    return writeSocketError(socket, 400, `invalid JSON: ${(err as Error).message}`);
  }
  await startExecStream(deps.execs, id, parsed.Tty, open);
}

/** Timeouts that end slow or stalled clients; the environment overrides them (tests use short ones). */
const HEADERS_TIMEOUT_MS = Number(process.env.SOCKERLESS_HEADERS_TIMEOUT_MS ?? 60_000);
const REQUEST_TIMEOUT_MS = Number(process.env.SOCKERLESS_REQUEST_TIMEOUT_MS ?? 30 * 60_000);
const BODY_IDLE_TIMEOUT_MS = Number(process.env.SOCKERLESS_BODY_IDLE_TIMEOUT_MS ?? 60_000);

/** The first byte of a TLS ClientHello record (content type 22, handshake). */
const TLS_HANDSHAKE_RECORD = 0x16;
/** How long a connection may stay silent before its first byte, as Node's TLS handshake timeout. */
const FIRST_BYTE_TIMEOUT_MS = 120_000;

/**
 * dockerd (Go's net/http) answers plain HTTP on a TLS port with `400 Client sent an HTTP request to an HTTPS
 * server.`, which the docker CLI prints; Node's TLS server would only drop the connection (the CLI says `EOF`).
 * So the first bytes are looked at before the TLS server takes the socket: a handshake goes on to it (the TLS
 * socket reads what was put back), anything else gets dockerd's answer.
 */
function answerPlainHttpOnTls(server: Server): void {
  const handshake = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    // Until the TLS socket wraps it, nobody else listens for this socket's errors (a reset must not crash the daemon).
    socket.on('error', () => socket.destroy());
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      if (first[0] === TLS_HANDSHAKE_RECORD) {
        socket.unshift(first);
        for (const listener of handshake) listener.call(server, socket);
        return;
      }
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
    });
  });
}

/** An HTTP server, or an HTTPS one with `tls` (a tcp:// listener with --tls/--tlsverify); hijacks work on both. */
export function createApiServer(deps: ApiServerDeps, tls?: TlsOptions): Server {
  const app = createApiApp(deps);
  // Node checks the header and request timeouts on this interval (30 s by default, too coarse for a 1 s test).
  const connectionsCheckingInterval = Math.min(30_000, Math.max(250, HEADERS_TIMEOUT_MS / 4));
  // Half-open as the plain server's sockets are: the docker CLI half-closes a hijacked stream when stdin ends
  // (over TLS a close_notify) and still reads the output; an auto-ended socket would cut that output.
  const server: Server = tls
    ? createTlsServer({ ...tls, allowHalfOpen: true, connectionsCheckingInterval }, app.callback())
    : createServer({ connectionsCheckingInterval }, app.callback());
  if (tls) {
    // A failed handshake (no client certificate, a wrong CA) only ends that socket.
    server.on('tlsClientError', (err: Error) => deps.logger.debug('TLS handshake refused', { err: err.message }));
    answerPlainHttpOnTls(server);
  }
  // Node's requestTimeout bounds receiving a request (headers and body), never the response: attach, logs -f,
  // events and wait stay open for as long as the container runs. Upgraded sockets leave the HTTP parser and
  // with it these timeouts. The limit is generous because `docker cp` of a large file is one long body.
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = 5_000;
  endStalledBodies(server, BODY_IDLE_TIMEOUT_MS);
  server.on('upgrade', guarded(deps.logger, { on: 'upgrade' }, (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    observeUpgrade(deps.observeRequest, deps.engine, req, () => handleUpgrade(deps, req, socket, head))));
  server.on('clientError', guarded(deps.logger, { on: 'clientError' }, (err: Error & { code?: string }, socket: Duplex) => {
    // Node's own answer to a header timeout; anything else it could not parse is Docker's 400.
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    writeSocketError(socket, status, `bad request: ${err.message}`);
  }));
  return server;
}

/**
 * A request body that stops arriving for `idleMs` is answered 408 and its connection closed, so a stalled
 * upload cannot hold a connection (and the handler waiting on it) for ever. The watch runs only while a body
 * is being received, and it reads the socket's byte count rather than setting a socket timeout, which would
 * also cut streams that are quiet for hours (logs -f, events, attach) and replace Node's keep-alive timeout.
 */
function endStalledBodies(server: Server, idleMs: number): void {
  if (!(idleMs > 0)) return;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (req.complete || (!(length > 0) && !req.headers['transfer-encoding'])) return;
    const socket = req.socket;
    let bytes = socket.bytesRead;
    let lastProgress = Date.now();
    const watch = setInterval(() => {
      if (socket.bytesRead !== bytes) {
        bytes = socket.bytesRead;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress >= idleMs) {
        stop();
        answerStalled(res, idleMs);
      }
    }, Math.max(50, idleMs / 4));
    watch.unref();
    const stop = () => clearInterval(watch);
    req.once('end', stop);
    req.once('close', stop);
    res.once('finish', stop);
    res.once('close', stop);
  });
}

function answerStalled(res: ServerResponse, idleMs: number): void {
  const socket = res.socket;
  answerThenClose(res, 408, `no request body received for ${idleMs / 1000}s`, () => { if (socket) lingerThenClose(socket); });
}
