import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { closeListener, decodedPath, findRoute, listenEndpoint, parseJsonObject, readRequestBody, ServiceThrottle, type Logger } from '@sockerless/sdk';
import { checkApiVersion } from './api-version';
import type { SimOptions } from './context';
import { ArmError, invalidContent, sendArmError } from './errors';
import type { Call, Route } from './routes';
import type { TlsMaterial } from './tls';

/** The first byte of a TLS ClientHello record (content type 22, handshake). */
const TLS_HANDSHAKE = 0x16;

/**
 * One HTTPS port for ARM, Log Analytics, the token endpoint and function invocations. Plain HTTP on the same
 * port gets a 400 that says to use https (the official clients refuse bearer tokens over http, so the simulator
 * is only useful over TLS), instead of the TLS layer's silent close. Credentials are not checked.
 */
export class AzureServer {
  private server: Server | undefined;
  private https: HttpsServer | undefined;
  private readonly sockets = new Set<Socket>();
  /** ARM's one subscription-wide bucket. */
  private readonly quota: ServiceThrottle;

  constructor(private readonly routes: Route[], private readonly tls: TlsMaterial, private readonly options: SimOptions, private readonly logger: Logger) {
    this.quota = new ServiceThrottle(options.quota);
  }

  async listen(host: string, port: number): Promise<string> {
    const https = createHttpsServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) => void this.dispatch(req, res));
    https.keepAliveTimeout = 60_000;
    https.on('tlsClientError', (_err, socket) => socket.destroy());
    const server = createNetServer((socket) => this.accept(socket, https));
    const endpoint = await listenEndpoint(server, host, port, 'https');
    this.server = server;
    this.https = https;
    return endpoint;
  }

  /**
   * Hands a TLS connection to the HTTPS server; answers anything else (plain HTTP) with a clear refusal. The
   * first bytes are read to tell them apart and put back (unshift): the TLS socket made on this socket reads
   * its handle directly, and first takes in what the socket holds buffered (Node's `initRead`, as for a
   * STARTTLS upgrade). A stream copying every chunk through JavaScript cost a few ms of CPU per `docker run`.
   */
  private accept(socket: Socket, https: HttpsServer): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // A connection that never says anything is not kept (the TLS server's handshake timeout starts later).
    socket.setTimeout(60_000, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      if (first[0] === TLS_HANDSHAKE) {
        socket.pause();
        socket.unshift(first);
        https.emit('connection', socket);
        return;
      }
      const body = JSON.stringify({ error: { code: 'HttpsRequired', message: 'The Sockerless Azure simulator serves HTTPS only (as Azure does): use https:// and trust its CA file (printed at start, tls/ca.pem in its state dir).' } });
      socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await closeListener(server, () => {
      this.https?.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readRequestBody(req, res);
    if (!raw) return;
    // ARM answers every request with its own id and echoes the client's (x-ms-request-id, x-ms-correlation-request-id).
    res.setHeader('x-ms-request-id', randomUUID());
    const clientRequestId = req.headers['x-ms-client-request-id'];
    if (typeof clientRequestId === 'string') res.setHeader('x-ms-client-request-id', clientRequestId);
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const path = decodedPath(url, invalidContent);
      const method = req.method ?? 'GET';
      const found = findRoute(this.routes, method, path);
      if (found === 'methodNotAllowed') throw new ArmError(405, 'MethodNotAllowed', `The requested method ${method} is not allowed on ${path}.`);
      if (!found) throw new ArmError(404, 'NoRegisteredProviderFound', `The Sockerless Azure simulator does not serve ${method} ${path}.`);
      const { route, params } = found;
      if (route.arm) {
        checkApiVersion(path, url.searchParams.get('api-version'));
        this.admit();
      }
      const call: Call = { req, res, params, query: url.searchParams, raw, base: `https://${req.headers.host ?? 'localhost'}`, json: () => parseBody(raw) };
      const reply = await route.handle(call);
      if (reply === undefined) return;
      const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, { ...(reply.headers ?? {}), ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch (err) {
      if (res.headersSent) { res.destroy(); return; }
      sendArmError(res, asArmError(err, this.logger));
    }
  }

  /** ARM's subscription-wide throttle: 429 TooManyRequests with Retry-After in seconds, which the SDKs honour. */
  private admit(): void {
    if (this.quota.admit('arm')) return;
    const q = this.options.quota!;
    const retryAfter = String(Math.max(1, Math.ceil(1 / q.ratePerSecond)));
    throw new ArmError(429, 'TooManyRequests', `The request is throttled: the subscription exceeded the Sockerless simulator's quota of ${q.ratePerSecond} requests/s (burst ${q.burst}). Retry after ${retryAfter} seconds.`, { 'retry-after': retryAfter });
  }
}

function parseBody(raw: Buffer): Record<string, unknown> {
  return parseJsonObject(raw, () => invalidContent('The request content was invalid and could not be deserialized: the body is not a JSON object.'));
}

function asArmError(err: unknown, logger: Logger): ArmError {
  if (err instanceof ArmError) return err;
  logger.error('Azure simulator: unexpected error', { err: (err as Error)?.stack ?? String(err) });
  return new ArmError(500, 'InternalServerError', `Internal error: ${(err as Error)?.message ?? String(err)}`);
}
