import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@sockerless/sdk';
import type { SimOptions } from './context';
import { CANONICAL_CODES, GcpError, invalid, sendGcpError, type CanonicalCode } from './errors';
import type { Call, Route } from './routes';
import { FaultInjector, faultRulesSchema, TokenBucket } from '@sockerless/sdk';

/** The simulator's fault rules, each failing with one of Google's canonical codes. */
export const gcpFaultRulesSchema = faultRulesSchema(CANONICAL_CODES);

/**
 * The simulator's own endpoint (no Google API has it): GET the fault rules with their counts, PUT
 * `{"faults": [...]}` to replace them, DELETE to clear them.
 */
export const FAULTS_PATH = '/sockerless/faults';

/**
 * One port for Cloud Run, Cloud Functions and Cloud Logging, as their official clients send them in REST
 * ("fallback") mode: routes by method and path (`/v2/projects/{p}/locations/{l}/jobs/...`, `/v2/entries:list`).
 * Credentials are not checked: the clients talk to it with no Authorization header (PassThroughClient) or any token.
 */
export class GcpServer {
  private server: Server | undefined;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly faults: FaultInjector;

  constructor(private readonly routes: Route[], private readonly options: SimOptions, private readonly logger: Logger) {
    this.faults = new FaultInjector(options.faults);
  }

  async listen(host: string, port: number): Promise<string> {
    const server = createServer((req, res) => void this.dispatch(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** False when the service's quota is used up (a quota configured and exceeded). */
  private admit(service: string): boolean {
    const q = this.options.quota;
    if (!q) return true;
    let bucket = this.buckets.get(service);
    if (!bucket) this.buckets.set(service, (bucket = new TokenBucket(q.ratePerSecond, q.burst)));
    return bucket.take();
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      res.destroy();
      return;
    }
    const raw = Buffer.concat(chunks);
    try {
      // gcloud reaches the simulator as its HTTP proxy: the request line then has the absolute URL, whose
      // host (`us-central1-127.0.0.1:PORT`, gcloud's regional form) is not one WHATWG URL parsing accepts.
      const url = new URL((req.url ?? '/').replace(/^https?:\/\/([^/]*)/i, (_, host: string) => { req.headers.host = host; return ''; }) || '/', 'http://localhost');
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        throw invalid(`Malformed path: ${url.pathname}`);
      }
      const method = req.method ?? 'GET';
      if (path === FAULTS_PATH) return this.serveFaults(method, raw, res);
      let pathMatched = false;
      for (const r of this.routes) {
        const m = r.path.exec(path);
        if (!m) continue;
        pathMatched = true;
        if (r.method !== '*' && r.method !== method) continue;
        const fault = this.faults.fault({ service: r.service, method, path });
        if (fault) throw new GcpError(fault.error as CanonicalCode, fault.message ?? `The service is currently unavailable (Sockerless simulator fault injection: ${fault.error} for ${method} ${path}).`);
        if (!this.admit(r.service)) {
          throw new GcpError('RESOURCE_EXHAUSTED', `Quota exceeded for quota metric 'Requests' and limit 'Requests per second' of service '${r.service}.googleapis.com' (Sockerless simulator quota: ${this.options.quota!.ratePerSecond}/s, burst ${this.options.quota!.burst}).`);
        }
        const call: Call = { req, res, params: m.slice(1), query: url.searchParams, raw, json: () => parseBody(raw) };
        const result = await r.handle(call);
        if (result === undefined) return;
        const text = JSON.stringify(result);
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      throw pathMatched
        ? new GcpError('UNIMPLEMENTED', `Method ${method} is not allowed on ${path}`)
        : new GcpError('NOT_FOUND', `The Sockerless Google Cloud simulator does not serve ${method} ${path}`);
    } catch (err) {
      if (res.headersSent) { res.destroy(); return; }
      sendGcpError(res, asGcpError(err, this.logger));
    }
  }

  private serveFaults(method: string, raw: Buffer, res: ServerResponse): void {
    if (method === 'PUT') {
      const parsed = gcpFaultRulesSchema.safeParse(parseBody(raw).faults);
      if (!parsed.success) throw invalid(`Invalid fault rules: ${parsed.error.issues.map((i) => `faults.${i.path.join('.')}: ${i.message}`).join('; ')}`);
      this.faults.set(parsed.data);
    } else if (method === 'DELETE') {
      this.faults.set([]);
    } else if (method !== 'GET') {
      throw new GcpError('UNIMPLEMENTED', `Method ${method} is not allowed on ${FAULTS_PATH}`);
    }
    const text = JSON.stringify({ faults: this.faults.list() });
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function parseBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch { /* answered below */ }
  throw invalid('Invalid JSON payload received: the body is not a JSON object.');
}

function asGcpError(err: unknown, logger: Logger): GcpError {
  if (err instanceof GcpError) return err;
  logger.error('GCP simulator: unexpected error', { err: (err as Error)?.stack ?? String(err) });
  return new GcpError('INTERNAL', `Internal error: ${(err as Error)?.message ?? String(err)}`);
}
