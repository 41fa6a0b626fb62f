import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeListener, listenEndpoint, readRequestBody, type Logger, type SimulatorCall } from '@sockerless/sdk';
import { GitHubError, sendGitHubError, sendJson } from './errors';

/** A parsed request, as every simulator's route handler sees it. */
export type Call = SimulatorCall;

/** A handler answers `{ status, body }` (200 when no status), or undefined when it wrote the response itself. */
export type Handler = (call: Call) => Promise<{ status?: number; body?: unknown } | undefined> | { status?: number; body?: unknown } | undefined;

export interface Route { method: string; path: RegExp; handle: Handler }

export const route = (method: string, path: string, handle: Handler): Route => ({ method, path: new RegExp(`^${path}$`), handle });

/** One port for the REST API (`/app/...`, `/repos/...`, `/orgs/...`), the stand-in runners and the admin routes. */
export class GitHubServer {
  private server: Server | undefined;

  constructor(private readonly routes: Route[], private readonly logger: Logger) {}

  async listen(host: string, port: number): Promise<string> {
    const server = createServer((req, res) => void this.dispatch(req, res));
    server.keepAliveTimeout = 60_000;
    // A stand-in runner's long poll holds its request open for up to a minute.
    server.requestTimeout = 0;
    this.server = server;
    return listenEndpoint(server, host, port, 'http');
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeListener(server, () => server.closeAllConnections());
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readRequestBody(req, res);
    if (!raw) return;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      // Octokit with a GitHub Enterprise style baseUrl sends `/api/v3/...`: both spellings are served.
      const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '');
      const method = req.method ?? 'GET';
      const found = this.routes.find((r) => r.method === method && r.path.test(path));
      if (!found) throw new GitHubError(404, 'Not Found');
      const params = found.path.exec(path)!.slice(1).map((p) => decodeURIComponent(p));
      const answer = await found.handle({ req, res, params, query: url.searchParams, raw, json: () => parseBody(raw) });
      if (answer === undefined) return;
      sendJson(res, answer.status ?? 200, answer.body ?? {});
    } catch (err) {
      if (res.headersSent) { res.destroy(); return; }
      if (err instanceof GitHubError) { sendGitHubError(res, err); return; }
      this.logger.error('GitHub simulator: unexpected error', { err: (err as Error)?.stack ?? String(err) });
      sendGitHubError(res, new GitHubError(500, `Internal error: ${(err as Error)?.message ?? String(err)}`));
    }
  }
}

function parseBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch { /* answered below */ }
  throw new GitHubError(400, 'Problems parsing JSON');
}
