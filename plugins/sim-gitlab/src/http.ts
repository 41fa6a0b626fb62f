import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeListener, listenEndpoint, readRequestBody, type Logger } from '@sockerless/sdk';

/** A parsed request as a route handler sees it. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path's captures, in order. */
  params: string[];
  query: URLSearchParams;
  raw: Buffer;
  /** The body as an object: JSON, or form fields (the runner sends either); `{}` when empty. */
  body(): Record<string, unknown>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** What a handler answers: JSON (`body`), bytes or text (`raw`), or nothing for a bare status. */
export interface Reply {
  status: number;
  body?: unknown;
  raw?: Buffer | string;
  headers?: Record<string, string>;
}

export type Handler = (call: Call) => Promise<Reply | undefined> | Reply | undefined;

export interface Route {
  method: string;
  path: RegExp;
  handle: Handler;
}

export const route = (method: string, path: string, handle: Handler): Route => ({ method, path: new RegExp(`^${path}$`), handle });

const REASONS: Record<number, string> = {
  400: 'Bad request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Request Entity Too Large', 416: 'Range Not Satisfiable', 422: 'Unprocessable Entity', 500: 'Internal Server Error',
};

/**
 * An error in GitLab's API shape: `{"message": "403 Forbidden"}` (Grape's `error!` with the status and its
 * reason), with headers such as `Job-Status` that the runner reads from a refusal.
 */
export class GitlabError extends Error {
  constructor(readonly status: number, message?: string, readonly headers: Record<string, string> = {}) {
    super(message ?? `${status} ${REASONS[status] ?? 'Error'}`);
  }
}

/** A parameter that is missing or invalid answers 400 `{"error": "token is missing"}`, as Grape's validation does. */
export class ParamError extends Error {}

export class GitlabServer {
  private server: Server | undefined;

  constructor(private readonly routes: Route[], private readonly logger: Logger) {}

  async listen(host: string, port: number): Promise<string> {
    const server = createServer((req, res) => void this.dispatch(req, res));
    server.keepAliveTimeout = 60_000;
    const endpoint = await listenEndpoint(server, host, port, 'http');
    this.server = server;
    return endpoint;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeListener(server, () => server.closeAllConnections());
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const raw = await readRequestBody(req, res);
    if (!raw) return;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      let pathMatched = false;
      for (const r of this.routes) {
        const m = r.path.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (r.method !== '*' && r.method !== method) continue;
        const call: Call = { req, res, params: m.slice(1).map((p) => p && decodeURIComponent(p)), query: url.searchParams, raw, body: () => parseBody(req, raw), signal: abort.signal };
        const reply = await r.handle(call);
        if (reply) send(res, reply);
        return;
      }
      throw new GitlabError(pathMatched ? 405 : 404, pathMatched ? '405 Method Not Allowed' : '404 Not Found');
    } catch (err) {
      if (res.headersSent || res.destroyed) { res.destroy(); return; }
      if (err instanceof GitlabError) send(res, { status: err.status, body: { message: err.message }, headers: err.headers });
      else if (err instanceof ParamError) send(res, { status: 400, body: { error: err.message } });
      else {
        this.logger.error('GitLab simulator: unexpected error', { err: (err as Error)?.stack ?? String(err) });
        send(res, { status: 500, body: { message: '500 Internal Server Error' } });
      }
    }
  }
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = { ...reply.headers };
  let payload: Buffer | string | undefined = reply.raw;
  if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] = 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function parseBody(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch { /* answered below */ }
  throw new GitlabError(400, '400 Bad request - the body is not a JSON object');
}

/** A required string parameter, or the 400 Grape answers for it. */
export function requireString(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '') throw new ParamError(`${name} is missing`);
  return v;
}
