import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  decodedPath, FaultInjector, faultRulesSchema, findRoute, parseJsonObject, readRequestBody, ServiceThrottle, SimulatorHttpServer,
  type FaultRule, type Logger,
} from '@sockerless/sdk';
import type { SimOptions } from './context';
import { CANONICAL_CODES, GcpError, invalid, sendGcpError, type CanonicalCode } from './errors';
import type { Call, Route } from './routes';

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
export class GcpServer extends SimulatorHttpServer {
  private readonly quota: ServiceThrottle;
  private readonly faults: FaultInjector;

  constructor(private readonly routes: Route[], private readonly options: SimOptions, private readonly logger: Logger) {
    super();
    this.quota = new ServiceThrottle(options.quota);
    this.faults = new FaultInjector(options.faults);
  }

  protected async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readRequestBody(req, res);
    if (!raw) return;
    try {
      // gcloud reaches the simulator as its HTTP proxy: the request line then has the absolute URL, whose
      // host (`us-central1-127.0.0.1:PORT`, gcloud's regional form) is not one WHATWG URL parsing accepts.
      const url = new URL((req.url ?? '/').replace(/^https?:\/\/([^/]*)/i, (_, host: string) => { req.headers.host = host; return ''; }) || '/', 'http://localhost');
      const path = decodedPath(url, invalid);
      const method = req.method ?? 'GET';
      if (path === FAULTS_PATH) return this.serveFaults(method, raw, res);
      const found = findRoute(this.routes, method, path);
      if (found === 'methodNotAllowed') throw new GcpError('UNIMPLEMENTED', `Method ${method} is not allowed on ${path}`);
      if (!found) throw new GcpError('NOT_FOUND', `The Sockerless Google Cloud simulator does not serve ${method} ${path}`);
      const { route, params } = found;
      const request = { service: route.service, method, path };
      const fault = this.faults.fault(request);
      if (fault) throw faultError(fault, method, path);
      if (!this.quota.admit(route.service)) {
        throw new GcpError('RESOURCE_EXHAUSTED', `Quota exceeded for quota metric 'Requests' and limit 'Requests per second' of service '${route.service}.googleapis.com' (Sockerless simulator quota: ${this.options.quota!.ratePerSecond}/s, burst ${this.options.quota!.burst}).`);
      }
      const call: Call = { req, res, params, query: url.searchParams, raw, json: () => parseBody(raw) };
      const result = await route.handle(call);
      if (result === undefined) return;
      // A lost answer: what the request asked for is done, and the caller gets an error instead.
      const lost = this.faults.fault(request, 'after');
      if (lost) throw faultError(lost, method, path);
      sendJson(res, result);
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
    sendJson(res, { faults: this.faults.list() });
  }
}

function faultError(rule: FaultRule, method: string, path: string): GcpError {
  return new GcpError(rule.error as CanonicalCode, rule.message ?? `The service is currently unavailable (Sockerless simulator fault injection: ${rule.error} for ${method} ${path}).`);
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function parseBody(raw: Buffer): Record<string, unknown> {
  return parseJsonObject(raw, () => invalid('Invalid JSON payload received: the body is not a JSON object.'));
}

function asGcpError(err: unknown, logger: Logger): GcpError {
  if (err instanceof GcpError) return err;
  logger.error('GCP simulator: unexpected error', { err: (err as Error)?.stack ?? String(err) });
  return new GcpError('INTERNAL', `Internal error: ${(err as Error)?.message ?? String(err)}`);
}
