import { InvalidArgumentError, NotImplementedError, type Builder } from '@sockerless/sdk';
import { parseReference, withDefaultTag } from '@sockerless/sdk/images';
import {
  parseFilters, progressStream, queryBool, queryInt, queryJson, queryList, queryString, requestLog, startJsonStream, type DockerApiContext as Context, type DockerApiRouter,
} from '@sockerless/sdk/api';

/**
 * `POST /build` (the classic builder's protocol) and `POST /build/prune`, dockerd's build router; a daemon
 * without a builder answers Docker's 501 for both from the core.
 */
export function registerBuildRoutes(router: DockerApiRouter, builder: Builder): void {
  router.post('/build', async (ctx) => {
    if (queryString(ctx, 'version') === '2') {
      throw new NotImplementedError('BuildKit (version=2, a build session) is not supported by Sockerless: use the classic builder (DOCKER_BUILDKIT=0)');
    }
    if (queryString(ctx, 'remote')) throw new NotImplementedError('building from a remote context (a git or tarball URL) is not supported by Sockerless: send the context as the request body');
    const tags = queryList(ctx, 't').map((t) => {
      const ref = withDefaultTag(parseReference(t));
      if (ref.digest) throw new InvalidArgumentError(`invalid reference format: ${t}`);
      return ref;
    });
    const opts = {
      tags,
      buildArgs: jsonMap<string | null>(ctx, 'buildargs', true),
      labels: Object.fromEntries(jsonMap<string>(ctx, 'labels')),
      target: queryString(ctx, 'target') || undefined,
      noCache: queryBool(ctx, 'nocache'),
      cacheFrom: jsonList(ctx, 'cachefrom'),
      extraHosts: queryList(ctx, 'extrahosts').flatMap((h) => h.split(',')).filter(Boolean),
      networkMode: queryString(ctx, 'networkmode') || 'default',
      shmSize: queryInt(ctx, 'shmsize', 0),
      quiet: queryBool(ctx, 'q'),
      rm: queryBool(ctx, 'rm', true),
      forceRm: queryBool(ctx, 'forcerm'),
      platform: queryString(ctx, 'platform') || undefined,
      pull: queryBool(ctx, 'pull'),
    };
    const context = await builder.receiveContext(ctx.req as AsyncIterable<Buffer>, queryString(ctx, 'dockerfile') || undefined);
    try {
      // dockerd answers an HTTP error until it has written progress; after that the error is the stream's last line.
      const isCancelled = () => ctx.res.destroyed || ctx.req.socket.destroyed;
      await progressStream(ctx, (write) => builder.build(context, { ...opts, isCancelled }, write), { open: goJsonStream });
    } finally {
      // After the answer: the context's files and the cache's use counts are the daemon's housekeeping.
      await context.dispose();
      await builder.flushUsage().catch((err: Error) => requestLog(ctx).warn('cannot record build cache use', { err: err.message }));
    }
  });

  router.post('/build/prune', async (ctx) => {
    const keep = queryInt(ctx, 'keep-storage', 0) || queryInt(ctx, 'reserved-space', 0);
    ctx.body = await builder.prune({ all: queryBool(ctx, 'all'), keepStorage: keep, filters: parseFilters(ctx) });
  });

  router.post('/session', () => {
    throw new NotImplementedError('BuildKit sessions are not supported by Sockerless: use the classic builder (DOCKER_BUILDKIT=0)');
  });
}

/**
 * The progress stream as dockerd's streamformatter writes it: each message ended by CRLF, `<`, `>` and `&`
 * escaped as \u003c, \u003e and \u0026 (json.Marshal's HTML escaping), so a client sees dockerd's bytes.
 */
function goJsonStream(ctx: Context): (obj: unknown) => void {
  startJsonStream(ctx);
  return (obj: unknown) => {
    if (ctx.res.writableEnded) return;
    ctx.res.write(`${JSON.stringify(obj).replace(/[<>&]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`)}\r\n`);
  };
}

/** `buildargs` and `labels` are JSON objects in the query. */
function jsonMap<T>(ctx: Context, name: string, allowNull = false): Map<string, T> {
  const parsed = queryJson(ctx, name, (err) => `invalid ${name}: ${err.message}`);
  if (parsed === undefined || parsed === null) return new Map();
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError(`invalid ${name}: expected a JSON object`);
  // Go decodes these into map[string]*string / map[string]string: any other value type is its 400.
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string' && !(v === null && allowNull)) throw new InvalidArgumentError(`invalid ${name}: the value of ${JSON.stringify(k)} must be a string`);
  }
  return new Map(Object.entries(parsed as Record<string, T>));
}

function jsonList(ctx: Context, name: string): string[] {
  const parsed = queryJson(ctx, name, (err) => `invalid ${name}: ${err.message}`);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}
