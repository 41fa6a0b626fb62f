import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { TokenBucket } from './throttle';

/**
 * What every cloud simulator's listener does the same way: listen and name its endpoint, close with its
 * connections, read a request's body, find a route, parse a JSON object body, and throttle per service. The
 * wire (paths, error shapes, signatures) stays each simulator's own.
 */

/** Listens on host:port; resolves with the endpoint URL (`http://127.0.0.1:PORT`, IPv6 in brackets). */
export async function listenEndpoint(server: Server, host: string, port: number, scheme: 'http' | 'https'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  return `${scheme}://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
}

/** Stops listening and resolves once closed; `dropConnections` ends the kept-alive ones, which would hold the close. */
export function closeListener(server: Server, dropConnections: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    dropConnections();
  });
}

/** An HTTP listener of a simulator: where it is, and how to stop it. */
export interface HttpListener {
  endpoint: string;
  /** Stops listening and ends the kept-alive connections. */
  close(): Promise<void>;
}

/** Serves `handle` over plain HTTP on host:port, keeping connections alive a minute (the SDKs reuse them). */
export async function serveHttp(handle: (req: IncomingMessage, res: ServerResponse) => void, host: string, port: number): Promise<HttpListener> {
  const server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  const endpoint = await listenEndpoint(server, host, port, 'http');
  return { endpoint, close: () => closeListener(server, () => server.closeAllConnections()) };
}

/** A simulator's plain-HTTP server: it listens and closes the same way; each cloud's `dispatch` is its wire. */
export abstract class SimulatorHttpServer {
  private listener: HttpListener | undefined;

  async listen(host: string, port: number): Promise<string> {
    this.listener = await serveHttp((req, res) => void this.dispatch(req, res), host, port);
    return this.listener.endpoint;
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }

  /** Answers one request; never rejects (a failure is the cloud's error answer). */
  protected abstract dispatch(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** A parsed request as a simulator's route handler sees it. */
export interface SimulatorCall {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path's captures, in order. */
  params: string[];
  query: URLSearchParams;
  /** The raw body. */
  raw: Buffer;
  /** The body as JSON (`{}` when empty); the cloud's 400 when it is not a JSON object. */
  json(): Record<string, unknown>;
}

/** The whole request body; undefined (the connection destroyed) when the client went away while sending it. */
export async function readRequestBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of req) chunks.push(c as Buffer);
  } catch {
    res.destroy();
    return undefined;
  }
  return Buffer.concat(chunks);
}

/** The percent-decoded path of a request URL; `malformed` (the cloud's 400) when it does not decode. */
export function decodedPath(url: URL, malformed: (message: string) => Error): string {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    throw malformed(`Malformed path: ${url.pathname}`);
  }
}

/** A route table entry: an HTTP method (`*` for any) and a path pattern whose captures are the params. */
export interface RouteLike {
  method: string;
  path: RegExp;
}

/** The route serving method + path with its captures; `methodNotAllowed` when only the path matched; undefined when nothing did. */
export function findRoute<R extends RouteLike>(routes: R[], method: string, path: string): { route: R; params: string[] } | 'methodNotAllowed' | undefined {
  let pathMatched = false;
  for (const route of routes) {
    const m = route.path.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method === '*' || route.method === method) return { route, params: m.slice(1) };
  }
  return pathMatched ? 'methodNotAllowed' : undefined;
}

/** A JSON object body (`{}` when empty); `invalid` (the cloud's 400, in its words) for anything else. */
export function parseJsonObject(raw: Buffer, invalid: () => Error): Record<string, unknown> {
  if (raw.length === 0) return {};
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch { /* answered below */ }
  throw invalid();
}

/** A token bucket per service, when a rate is configured: what a simulator's throttle or quota option sets. */
export class ServiceThrottle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limit: { ratePerSecond: number; burst: number } | undefined) {}

  /** False when the service's bucket is empty (a limit configured and exceeded). */
  admit(service: string): boolean {
    if (!this.limit) return true;
    let bucket = this.buckets.get(service);
    if (!bucket) this.buckets.set(service, (bucket = new TokenBucket(this.limit.ratePerSecond, this.limit.burst)));
    return bucket.take();
  }
}
