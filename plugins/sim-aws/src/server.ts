import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonObject, readRequestBody, ServiceThrottle, SIMULATOR_CREDENTIALS, SimulatorHttpServer, type Logger } from '@sockerless/sdk';
import type { SimOptions } from './context';
import { AwsError, awsRequestId, sendJson11Error, sendRestJsonError } from './errors';
import { verifySigV4, type SimulatorCredential } from './sigv4';
import type { Json, Json11Operations } from './wire';

export interface RestService {
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL): Promise<void>;
}

export interface SimServices {
  ecs: Json11Operations;
  logs: Json11Operations;
  lambda: RestService;
}

const ECS_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const LOGS_PREFIX = 'Logs_20140328.';
/** Lambda's REST paths start with an API date: `/2015-03-31/functions`, `/2017-03-31/tags`, ... */
const LAMBDA_PATH = /^\/20\d\d-\d\d-\d\d\//;

/**
 * One port for every AWS service the simulator speaks: JSON 1.1 services by their `x-amz-target` prefix,
 * Lambda's REST-JSON by its path. Every call must be signed (SigV4) with a key pair the simulator knows:
 * SIMULATOR_CREDENTIALS, which the backends use for a simulator, and those in `options.credentials`.
 */
export class AwsServer extends SimulatorHttpServer {
  private readonly throttle: ServiceThrottle;
  private readonly credentials: SimulatorCredential[];

  constructor(private readonly services: SimServices, options: SimOptions, private readonly logger: Logger) {
    super();
    this.credentials = [SIMULATOR_CREDENTIALS, ...(options.credentials ?? [])];
    this.throttle = new ServiceThrottle(options.throttle);
  }

  /** False when the service's bucket is empty (throttling configured and exceeded). */
  private admit(service: string): boolean {
    return this.throttle.admit(service);
  }

  protected async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readRequestBody(req, res);
    if (!body) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const target = req.headers['x-amz-target'];
    const ecs = typeof target === 'string' && target.startsWith(ECS_PREFIX);
    const logs = typeof target === 'string' && target.startsWith(LOGS_PREFIX);
    const lambda = target === undefined && LAMBDA_PATH.test(url.pathname);
    // Authentication comes first, as on AWS: an unsigned caller learns nothing, not even which operations exist.
    try {
      verifySigV4(req, body, this.credentials, ecs ? 'ecs' : logs ? 'logs' : lambda ? 'lambda' : undefined);
    } catch (err) {
      const refusal = asAwsError(err, 'ServiceException', this.logger);
      if (lambda) sendRestJsonError(res, refusal);
      else sendJson11Error(res, refusal);
      return;
    }
    if (ecs) return this.json11('ecs', this.services.ecs, (target as string).slice(ECS_PREFIX.length), body, res);
    if (logs) return this.json11('logs', this.services.logs, (target as string).slice(LOGS_PREFIX.length), body, res);
    if (lambda) return this.rest(req, res, body, url, this.services.lambda);
    sendJson11Error(res, new AwsError('UnknownOperationException', `The Sockerless AWS simulator does not know ${target ? `the operation ${String(target)}` : `${req.method} ${url.pathname}`}`));
  }

  private async json11(service: string, ops: Json11Operations, operation: string, raw: Buffer, res: ServerResponse): Promise<void> {
    try {
      const op = Object.prototype.hasOwnProperty.call(ops, operation) ? ops[operation] : undefined;
      if (!op) throw new AwsError('UnknownOperationException', `The Sockerless AWS simulator does not implement ${service} ${operation}`);
      if (!this.admit(service)) throw new AwsError('ThrottlingException', 'Rate exceeded');
      const body = parseJsonObject(raw, () => new AwsError('SerializationException', 'The request body is not a valid JSON object')) as Json;
      const result = await op(body);
      const text = JSON.stringify(result ?? {});
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': awsRequestId() });
      res.end(text);
    } catch (err) {
      sendJson11Error(res, asAwsError(err, service === 'ecs' ? 'ServerException' : 'ServiceUnavailableException', this.logger));
    }
  }

  private async rest(req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL, svc: RestService): Promise<void> {
    try {
      if (!this.admit('lambda')) throw new AwsError('TooManyRequestsException', 'Rate exceeded', 429);
      await svc.handle(req, res, body, url);
    } catch (err) {
      if (res.headersSent) { res.destroy(); return; }
      sendRestJsonError(res, asAwsError(err, 'ServiceException', this.logger));
    }
  }
}

function asAwsError(err: unknown, serverCode: string, logger: Logger): AwsError {
  if (err instanceof AwsError) return err;
  logger.error('AWS simulator: unexpected error', { err: (err as Error)?.stack ?? String(err) });
  return new AwsError(serverCode, `internal error: ${(err as Error)?.message ?? String(err)}`, 500);
}
