import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { InvalidArgumentError, NotImplementedError } from '@sockerless/sdk';
import type { ImageStore } from '@sockerless/sdk';
import { decodeRegistryAuth, referenceWithTag, type RegistryCredentials } from '@sockerless/sdk/images';
import {
  apiBefore, parseFilters, progressStream, queryBool, queryList, queryString, readBody, startJsonStream, type DockerApiContext as Context, type DockerApiRouter,
} from '@sockerless/sdk/api';

/**
 * Docker's image endpoints. Names may contain slashes (`127.0.0.1:5000/bb/json`), so per-image routes are
 * one wildcard per method whose trailing `/json`, `/history`, `/get`, `/tag`, `/push` we split ourselves.
 */
/** The filters `GET /images/json` takes (dockerd's image list), checked before the store filters. */
const IMAGE_LIST_FILTERS = ['before', 'dangling', 'label', 'label!', 'reference', 'since', 'until'];

export function registerImageRoutes(router: DockerApiRouter, images: ImageStore): void {
  router.get('/images/json', (ctx) => {
    ctx.body = images.list({ filters: parseFilters(ctx, IMAGE_LIST_FILTERS), all: queryBool(ctx, 'all') });
  });

  router.post('/images/create', async (ctx) => {
    const fromImage = queryString(ctx, 'fromImage');
    const fromSrc = queryString(ctx, 'fromSrc');
    if (fromImage) return pull(ctx, images, fromImage);
    if (fromSrc) return importImage(ctx, images, fromSrc);
    throw new InvalidArgumentError('either fromImage or fromSrc is required');
  });

  router.post('/images/load', async (ctx) => {
    // dockerd answers 200 for any body and reports an archive it cannot read in the JSON stream.
    await progressStream(ctx, (write) => images.loadArchive(ctx.req as AsyncIterable<Buffer>, write), { errorsInStream: true });
  });

  router.get('/images/get', (ctx) => {
    const names = queryList(ctx, 'names').flatMap((n) => n.split(',')).filter(Boolean);
    if (names.length === 0) throw new InvalidArgumentError('no image names given: use ?names=NAME');
    sendArchive(ctx, images, names);
  });

  router.post('/images/prune', async (ctx) => {
    ctx.body = await images.prune(parseFilters(ctx, ['dangling', 'label', 'label!', 'until']));
  });

  router.get('/images/*rest', (ctx) => {
    const { name, action } = splitName(ctx.params.rest, ['json', 'history', 'get']);
    if (action === 'json') ctx.body = withLegacyContainerFields(images, name, images.inspect(name), ctx.state.apiVersion);
    else if (action === 'history') ctx.body = images.history(name);
    else if (action === 'get') sendArchive(ctx, images, [name]);
    else throw new NotImplementedError(`sockerless does not implement GET ${ctx.path}`);
  });

  router.post('/images/*rest', async (ctx) => {
    const { name, action } = splitName(ctx.params.rest, ['tag', 'push']);
    if (action === 'tag') {
      const repo = queryString(ctx, 'repo');
      if (!repo) throw new InvalidArgumentError('repository name must have at least one component (use ?repo=NAME)');
      await images.tag(name, repo, queryString(ctx, 'tag') || undefined);
      ctx.status = 201;
      ctx.body = '';
    } else if (action === 'push') {
      await push(ctx, images, name);
    } else {
      throw new NotImplementedError(`sockerless does not implement POST ${ctx.path}`);
    }
  });

  router.delete('/images/*rest', async (ctx) => {
    ctx.body = await images.remove(ctx.params.rest, { force: queryBool(ctx, 'force'), noprune: queryBool(ctx, 'noprune') });
  });
}

/** Go's zero `container.Config`, which dockerd shows as `ContainerConfig` for images no container built. */
const EMPTY_CONTAINER_CONFIG = {
  Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false,
  OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: '', Volumes: null, WorkingDir: '', Entrypoint: null,
  OnBuild: null, Labels: null,
};

/**
 * API versions before 1.45 still carry `Container` and `ContainerConfig` in image inspect, and clients of
 * that era read them unguarded: docker-compose 1.29 fails with KeyError 'ContainerConfig' when it recreates
 * a container. An unversioned request speaks the newest API and gets neither, as from dockerd.
 */
function withLegacyContainerFields(images: ImageStore, name: string, body: Record<string, unknown>, apiVersion: string | undefined): Record<string, unknown> {
  if (!apiBefore(apiVersion, '1.45')) return body;
  const raw = images.resolve(name).record.config;
  const built = raw.container_config && typeof raw.container_config === 'object' ? raw.container_config : undefined;
  return { ...body, Container: typeof raw.container === 'string' ? raw.container : '', ContainerConfig: built ?? EMPTY_CONTAINER_CONFIG };
}

/** Splits `127.0.0.1:5000/bb/json` into name and action; a name without a known suffix has no action. */
function splitName(rest: string | undefined, actions: string[]): { name: string; action?: string } {
  const path = rest ?? '';
  const slash = path.lastIndexOf('/');
  const last = path.slice(slash + 1);
  if (slash > 0 && actions.includes(last)) return { name: path.slice(0, slash), action: last };
  return { name: path };
}

function sendArchive(ctx: Context, images: ImageStore, names: string[]): void {
  const tar = images.saveArchive(names);
  ctx.set('Content-Type', 'application/x-tar');
  ctx.body = tar;
}

async function pull(ctx: Context, images: ImageStore, fromImage: string): Promise<void> {
  await progressStream(ctx, (write) => images.pull({
    fromImage,
    tag: queryString(ctx, 'tag') || undefined,
    platform: queryString(ctx, 'platform') || undefined,
    credentials: decodeRegistryAuth(ctx.get('X-Registry-Auth') || undefined),
  }, write));
}

/** An auth config is a few hundred bytes; a larger body is not one. */
const MAX_AUTH_BODY_BYTES = 64 * 1024;

/**
 * `docker push`: credentials in X-Registry-Auth (`e30=`, `{}`, is anonymous); without the header dockerd
 * reads them from the body and answers 400 when there is none. Every failure after that is in the stream.
 */
async function push(ctx: Context, images: ImageStore, name: string): Promise<void> {
  // A name that is no reference is dockerd's 400 before the stream.
  referenceWithTag(name, queryString(ctx, 'tag') || undefined);
  const header = ctx.get('X-Registry-Auth');
  let credentials: RegistryCredentials | undefined;
  if (header) credentials = decodeRegistryAuth(header);
  else {
    const tooLarge = 'Bad parameters and missing X-Registry-Auth: the body is too large for an auth config';
    const body = (await readBody(ctx, MAX_AUTH_BODY_BYTES, tooLarge)).toString('utf8');
    try {
      credentials = decodeRegistryAuth(Buffer.from(JSON.stringify(JSON.parse(body))).toString('base64'));
    } catch (err) {
      throw new InvalidArgumentError(`Bad parameters and missing X-Registry-Auth: ${body.trim() === '' ? 'EOF' : (err as Error).message}`);
    }
  }
  await progressStream(ctx, (write) => images.push({ name, tag: queryString(ctx, 'tag') || undefined, credentials }, write), { errorsInStream: true });
}

/** `docker import`: `fromSrc=-` reads the body; an http(s) URL is downloaded. Answers `{"status":"sha256:..."}`. */
async function importImage(ctx: Context, images: ImageStore, fromSrc: string): Promise<void> {
  let source: AsyncIterable<Buffer>;
  if (fromSrc === '-') {
    source = ctx.req as AsyncIterable<Buffer>;
  } else if (/^https?:\/\//i.test(fromSrc)) {
    const res = await fetch(fromSrc).catch((err: Error) => {
      throw new Error(`cannot download ${fromSrc}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    });
    if (!res.ok || !res.body) throw new Error(`cannot download ${fromSrc}: ${res.status} ${res.statusText}`);
    source = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
  } else {
    throw new InvalidArgumentError(`fromSrc must be "-" (the request body) or an http(s) URL, not ${JSON.stringify(fromSrc)}`);
  }
  const record = await images.importRootfs(source, {
    repo: queryString(ctx, 'repo') || undefined,
    tag: queryString(ctx, 'tag') || undefined,
    message: queryString(ctx, 'message') || undefined,
    platform: queryString(ctx, 'platform') || undefined,
    changes: queryList(ctx, 'changes'),
    fromSrc,
  });
  const send = startJsonStream(ctx);
  send({ status: record.id });
  ctx.res.end();
}
