import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext } from '../context';
import { AwsError, awsRequestId } from '../errors';
import { configurationOf, FunctionStore, type LambdaFunction } from './functions';
import { Invocation, type InvocationResult } from './invocation';

/**
 * The Lambda REST-JSON API as @aws-sdk/client-lambda calls it: functions under `/2015-03-31/functions`, tags under
 * `/2017-03-31/tags/{arn}`. Image functions only, `$LATEST` only (no versions, aliases, layers or event sources).
 */
export interface LambdaService {
  /** Answers the request, or rejects (an AwsError, or anything as a 500) for the server to answer it with REST-JSON's error shape. */
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL): Promise<void>;
  stop(): Promise<void>;
}

/** Lambda's payload limits: 6 MB for a synchronous invocation, 1 MB for an asynchronous one. */
const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
const MAX_ASYNC_PAYLOAD = 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL, params: string[]) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

// Every Lambda answer carries a request id (x-amzn-RequestId), as AWS's; Invoke's is the invocation's own.
function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': awsRequestId(), ...headers });
  res.end(text);
}

function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': 0, 'x-amzn-requestid': awsRequestId(), ...headers });
  res.end();
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json: the body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json: the body is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Lambda requires an invocation payload to be JSON; an empty one is delivered as `{}`. */
function checkPayload(body: Buffer): Buffer {
  if (body.length === 0) return Buffer.from('{}');
  try {
    JSON.parse(body.toString('utf8'));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AwsError('InvalidRequestContentException', `Could not parse request body into json: Could not parse payload into json: ${reason}`);
  }
  return body;
}

export function createLambdaService(ctx: SimContext): LambdaService {
  const store = new FunctionStore(ctx);
  /** In-flight invocations per function name: DeleteFunction and stop() end them. */
  const inFlight = new Map<string, Set<Invocation>>();
  /** Every invocation's promise, so that stop() returns once their processes are gone. */
  const running = new Set<Promise<unknown>>();
  let stopping = false;

  const getFunction = (params: string[], url: URL): LambdaFunction => store.get(params[0], url.searchParams.get('Qualifier'));

  async function invokeFunction(fn: LambdaFunction, payload: Buffer, clientContext?: string): Promise<InvocationResult> {
    if (stopping) throw new AwsError('ServiceException', 'The simulator is stopping', 503);
    const invocation = new Invocation(ctx, fn, payload, clientContext);
    let set = inFlight.get(fn.name);
    if (!set) inFlight.set(fn.name, (set = new Set()));
    set.add(invocation);
    const run = invocation.run();
    const settled = run.then(() => undefined, () => undefined);
    running.add(settled);
    try {
      return await run;
    } finally {
      running.delete(settled);
      set.delete(invocation);
      if (set.size === 0 && inFlight.get(fn.name) === set) inFlight.delete(fn.name);
    }
  }

  function abortAll(name: string, reason: string): void {
    for (const invocation of inFlight.get(name) ?? []) invocation.abort(reason);
  }

  async function invoke(req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL, params: string[]): Promise<void> {
    const fn = getFunction(params, url);
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) {
      throw new AwsError('ValidationException', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`);
    }
    const limit = type === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD;
    if (body.length > limit) {
      throw new AwsError('RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`, 413);
    }
    const payload = checkPayload(body);
    if (store.isPending(fn)) {
      throw new AwsError('ResourceConflictException', 'The operation cannot be performed at this time. The function is currently in the following state: Pending', 409);
    }
    const requestId = randomUUID();
    if (type === 'DryRun') return sendEmpty(res, 204, { 'x-amzn-requestid': requestId });
    const rawContext = req.headers['x-amz-client-context'];
    const clientContext = typeof rawContext === 'string' ? Buffer.from(rawContext, 'base64').toString('utf8') : undefined;
    if (type === 'Event') {
      // Real Lambda queues the event and retries a failed one twice; here it runs once, right away.
      void invokeFunction(fn, payload, clientContext).catch((err: unknown) => {
        ctx.logger.warn('lambda: asynchronous invocation failed', { function: fn.name, error: err instanceof Error ? err.message : String(err) });
      });
      return sendEmpty(res, 202, { 'x-amzn-requestid': requestId });
    }
    const result = await invokeFunction(fn, payload, clientContext);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(result.payload.length),
      'x-amzn-requestid': result.requestId,
      'x-amz-executed-version': '$LATEST',
    };
    if (result.functionError) headers['x-amz-function-error'] = result.functionError;
    if (req.headers['x-amz-log-type'] === 'Tail') headers['x-amz-log-result'] = Invocation.tail(result.log);
    res.writeHead(200, headers);
    res.end(result.payload);
  }

  const config = (fn: LambdaFunction): Record<string, unknown> => configurationOf(fn, store.isPending(fn));

  const routes: Route[] = [
    {
      method: 'POST', pattern: /^\/2015-03-31\/functions\/?$/,
      handler: (_req, res, body) => sendJson(res, 201, config(store.create(parseBody(body)))),
    },
    {
      method: 'GET', pattern: /^\/2015-03-31\/functions\/?$/,
      handler: (_req, res, _body, url) => listFunctions(res, url),
    },
    {
      method: 'GET', pattern: /^\/2015-03-31\/functions\/([^/]+)\/?$/,
      handler: (_req, res, _body, url, params) => {
        const fn = getFunction(params, url);
        sendJson(res, 200, {
          Configuration: config(fn),
          Code: { RepositoryType: 'ECR', ImageUri: fn.imageUri, ResolvedImageUri: fn.imageUri },
          Tags: { ...fn.tags },
        });
      },
    },
    {
      method: 'GET', pattern: /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/,
      handler: (_req, res, _body, url, params) => sendJson(res, 200, config(getFunction(params, url))),
    },
    {
      method: 'PUT', pattern: /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/,
      handler: (_req, res, body, url, params) => sendJson(res, 200, config(store.updateConfiguration(getFunction(params, url), parseBody(body)))),
    },
    {
      method: 'PUT', pattern: /^\/2015-03-31\/functions\/([^/]+)\/code\/?$/,
      handler: (_req, res, body, url, params) => sendJson(res, 200, config(store.updateCode(getFunction(params, url), parseBody(body)))),
    },
    {
      method: 'DELETE', pattern: /^\/2015-03-31\/functions\/([^/]+)\/?$/,
      handler: (_req, res, _body, url, params) => {
        const fn = getFunction(params, url);
        store.delete(fn);
        abortAll(fn.name, 'the function was deleted');
        sendEmpty(res, 204);
      },
    },
    { method: 'POST', pattern: /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/, handler: invoke },
    {
      method: 'GET', pattern: /^\/2017-03-31\/tags\/(.+)$/,
      handler: (_req, res, _body, _url, params) => sendJson(res, 200, { Tags: { ...store.getByArn(params[0]).tags } }),
    },
    {
      method: 'POST', pattern: /^\/2017-03-31\/tags\/(.+)$/,
      handler: (_req, res, body, _url, params) => {
        const fn = store.getByArn(params[0]);
        const tags = parseBody(body).Tags;
        if (!tags || typeof tags !== 'object' || Array.isArray(tags) || Object.values(tags).some((v) => typeof v !== 'string')) {
          throw new AwsError('InvalidParameterValueException', 'Tags must be a map of strings');
        }
        store.tag(fn, tags as Record<string, string>);
        sendEmpty(res, 204);
      },
    },
    {
      method: 'DELETE', pattern: /^\/2017-03-31\/tags\/(.+)$/,
      handler: (_req, res, _body, url, params) => {
        const fn = store.getByArn(params[0]);
        const keys = url.searchParams.getAll('tagKeys');
        if (keys.length === 0) throw new AwsError('InvalidParameterValueException', 'tagKeys is required');
        store.untag(fn, keys);
        sendEmpty(res, 204);
      },
    },
  ];

  function listFunctions(res: ServerResponse, url: URL): void {
    const rawMax = url.searchParams.get('MaxItems');
    const maxItems = rawMax === null ? 50 : Number(rawMax);
    if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10000) {
      const bound = Number(rawMax) < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000';
      throw new AwsError('ValidationException', `1 validation error detected: Value '${rawMax}' at 'maxItems' failed to satisfy constraint: Member must have value ${bound}`);
    }
    // The marker is the (opaque, encoded) name to continue from: stable while functions come and go.
    const marker = url.searchParams.get('Marker');
    let after = '';
    if (marker) {
      after = Buffer.from(marker, 'base64url').toString('utf8');
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(after)) throw new AwsError('InvalidParameterValueException', 'Invalid marker');
    }
    const all = store.list().filter((fn) => fn.name >= after);
    const page = all.slice(0, maxItems);
    const body: Record<string, unknown> = { Functions: page.map(config) };
    if (all.length > maxItems) body.NextMarker = Buffer.from(all[maxItems].name).toString('base64url');
    sendJson(res, 200, body);
  }

  return {
    async handle(req, res, body, url) {
      const method = req.method ?? 'GET';
      for (const route of routes) {
        if (route.method !== method) continue;
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        const params = match.slice(1).map((segment) => decodeURIComponent(segment));
        await route.handler(req, res, body, url, params);
        return;
      }
      throw new AwsError('UnknownOperationException', `The Lambda simulator does not implement ${method} ${url.pathname} (only image functions at $LATEST: create, get, update, list, delete, invoke, tags)`, 404);
    },

    async stop() {
      stopping = true;
      for (const name of inFlight.keys()) abortAll(name, 'the simulator is stopping');
      await Promise.allSettled([...running]);
    },
  };
}
