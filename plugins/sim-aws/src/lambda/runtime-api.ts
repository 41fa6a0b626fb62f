import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Lambda Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) for ONE invocation, on its
 * own 127.0.0.1 listener: the function's runtime fetches the event with `GET .../invocation/next` and reports with
 * `.../response`, `.../error` or `init/error`.
 *
 * On AWS this API is unsigned and reachable only inside the function's sandbox. Here the listener is on the host's
 * loopback, where any local user could take the event or forge the response; so its address carries a secret
 * path prefix (`AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT/SECRET`), which only the workload's environment holds.
 * Runtime clients build `http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/...` by concatenation, so they
 * reach it unchanged; anything else gets 403.
 */

export interface InvocationEvent {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  functionArn: string;
  traceId: string;
  clientContext?: string;
}

/** What the runtime reported; the first report wins (as the real API, later ones get 400). */
export type RuntimeOutcome =
  | { kind: 'response'; payload: Buffer }
  | { kind: 'error'; payload: Buffer; errorType?: string }
  | { kind: 'init-error'; payload: Buffer; errorType?: string };

export interface RuntimeApiEvents {
  /** The runtime fetched the event (the end of its init phase). */
  onNext(): void;
  onOutcome(outcome: RuntimeOutcome): void;
  /** The runtime asked for the next event after reporting: it is idle, the invocation is over. */
  onIdle(): void;
}

/** Lambda caps a synchronous response at 6 MB. */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
const PREFIX = '/2018-06-01/runtime/';

export class RuntimeApi {
  private readonly server: Server;
  private delivered = false;
  private reported = false;
  /** `next` calls after the report stay open (the real API blocks until another event); answered at close. */
  private readonly parked = new Set<ServerResponse>();
  /** `/SECRET`: the path prefix of everything answered. */
  private readonly secretRoot = `/${randomBytes(24).toString('hex')}`;

  private constructor(private readonly event: InvocationEvent, private readonly events: RuntimeApiEvents) {
    this.server = createServer((req, res) => this.route(req, res));
    this.server.keepAliveTimeout = 1000;
  }

  static async open(event: InvocationEvent, events: RuntimeApiEvents): Promise<{ api: RuntimeApi; address: string }> {
    const api = new RuntimeApi(event, events);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = api.server.address() as AddressInfo;
    return { api, address: `127.0.0.1:${port}${api.secretRoot}` };
  }

  async close(): Promise<void> {
    for (const res of this.parked) res.destroy();
    this.parked.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    if (!path.startsWith(`${this.secretRoot}/`)) {
      req.resume();
      return reply(res, 403, { errorType: 'AccessDenied', errorMessage: 'this Runtime API serves only the invocation\'s own workload (AWS_LAMBDA_RUNTIME_API)' });
    }
    const apiPath = path.slice(this.secretRoot.length);
    if (!apiPath.startsWith(PREFIX)) return reply(res, 404, { errorType: 'InvalidRequest', errorMessage: `unknown path ${apiPath}` });
    const rest = apiPath.slice(PREFIX.length);
    if (req.method === 'GET' && rest === 'invocation/next') return this.next(res);
    if (req.method === 'POST' && rest === 'init/error') return this.collect(req, res, 'init-error');
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (req.method === 'POST' && match) {
      if (decodeURIComponent(match[1]) !== this.event.requestId) {
        req.resume();
        return reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
      }
      return this.collect(req, res, match[2] === 'response' ? 'response' : 'error');
    }
    req.resume();
    reply(res, 404, { errorType: 'InvalidRequest', errorMessage: `unknown path ${req.method} ${apiPath}` });
  }

  private next(res: ServerResponse): void {
    if (this.delivered) {
      // A runtime loops back to `next` when it is done; the invocation is over and nothing else will come.
      this.parked.add(res);
      res.on('close', () => this.parked.delete(res));
      if (this.reported) this.events.onIdle();
      return;
    }
    this.delivered = true;
    this.events.onNext();
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': this.event.payload.length,
      'lambda-runtime-aws-request-id': this.event.requestId,
      'lambda-runtime-deadline-ms': this.event.deadlineMs,
      'lambda-runtime-invoked-function-arn': this.event.functionArn,
      'lambda-runtime-trace-id': this.event.traceId,
    };
    if (this.event.clientContext !== undefined) headers['lambda-runtime-client-context'] = this.event.clientContext;
    res.writeHead(200, headers);
    res.end(this.event.payload);
  }

  private collect(req: IncomingMessage, res: ServerResponse, kind: RuntimeOutcome['kind']): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (this.reported) {
        return reply(res, 400, { errorType: 'InvalidStateTransition', errorMessage: 'State transition from Ready to InvocationResponse failed for runtime. Error: State transition is not allowed' });
      }
      if (tooLarge) {
        this.report({ kind: 'error', errorType: 'Function.ResponseSizeTooLarge', payload: Buffer.from(JSON.stringify({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).` })) });
        return reply(res, 413, { errorType: 'RequestEntityTooLarge', errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).` });
      }
      const payload = Buffer.concat(chunks);
      const errorType = req.headers['lambda-runtime-function-error-type'];
      const outcome: RuntimeOutcome = kind === 'response'
        ? { kind, payload }
        : { kind, payload, ...(typeof errorType === 'string' ? { errorType } : {}) };
      this.report(outcome);
      reply(res, 202, { status: 'OK' });
    });
  }

  private report(outcome: RuntimeOutcome): void {
    this.reported = true;
    this.events.onOutcome(outcome);
    // A runtime that already waits on `next` (it posted from another connection) is idle now.
    if (this.parked.size > 0) this.events.onIdle();
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
