import type Router from '@koa/router';
import type { Context } from 'koa';
import { ConflictError, guarded, InvalidArgumentError, NotFoundError } from '@sockerless/sdk';
import { matchesLabelFilters, parseDockerTimestamp } from '@sockerless/sdk/images';
import type { ContainerEngine } from '../engine/container-engine';
import type { RunController } from '../engine/container-runs';
import type { WaitCondition } from '../engine/waiters';
import { CONTAINER_FILTERS, filterContainers } from '../engine/container-filters';
import type { ContainerRecord } from '../engine/container-record';
import type { CreateBody } from '../engine/create-spec';
import { inspectContainer, summarizeContainer } from '../engine/docker-shapes';
import { guard } from '../engine/lifecycle/container-state';
import { registerStatsRoute } from './container-stats';
import { parseFilters, queryBool, queryInt, queryString, readDockerJson, requestLog, startJsonStream } from '@sockerless/sdk/api';

export interface ContainerRouteDeps {
  engine: ContainerEngine;
  runs: RunController;
  /** Whether image reference `ref` names the image a container was created from (`ancestor` filter). */
  imageMatches(ref: string, imageId: string): boolean;
  /** The size of an image's layers (0 for one removed by force), for SizeRootFs. */
  imageSize(imageId: string): number;
}

function optionalSeconds(ctx: Context, name: string): number | undefined {
  const s = queryString(ctx, name);
  return s === undefined || s === '' ? undefined : queryInt(ctx, name, 0);
}

/** dockerd's answer to `DELETE /containers/{name}?link=true` without an alias (its 500; a 409 here). */
const DEFAULT_LINK_NAME_CONFLICT = 'Conflict, cannot remove the default link name of the container';

export function registerContainerRoutes(router: Router, deps: ContainerRouteDeps): void {
  const { engine, runs } = deps;
  // The engine's lookups answer as the caller sees them: another tenant's container is a 404.
  const find = (ctx: Context) => engine.find(ctx.params.id);
  /** dockerd's SizeRw and SizeRootFs (the writable layer, and it plus the image's layers) when the backend measures them. */
  const sizesOf = async (c: ContainerRecord) => {
    const rw = await engine.backendOf(c).powers.diskUsage?.diskUsage(c.id);
    return rw === undefined ? undefined : { rw, rootFs: rw + deps.imageSize(c.imageId) };
  };

  router.post('/containers/create', async (ctx) => {
    const body = await readDockerJson<CreateBody>(ctx);
    const name = queryString(ctx, 'name');
    ctx.status = 201;
    ctx.body = await engine.create(body, name || undefined);
  });

  router.get('/containers/json', async (ctx) => {
    const filters = parseFilters(ctx, CONTAINER_FILTERS);
    const all = queryBool(ctx, 'all');
    const limit = queryInt(ctx, 'limit', -1);
    const withSize = queryBool(ctx, 'size');
    let list = filterContainers(engine.all(), filters, (r) => engine.find(r), (ref, c) => deps.imageMatches(ref, c.imageId))
      .filter((c) => engine.canSee(c));
    if (!all && limit <= 0 && !filters.has('status') && !filters.has('exited')) list = list.filter((c) => c.state.Running);
    list.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    if (limit > 0) list = list.slice(0, limit);
    if (!withSize) {
      // The hot path of every poller: joined from the per-container JSON the engine keeps.
      ctx.type = 'application/json';
      ctx.body = engine.summariesJson(list);
      return;
    }
    ctx.body = await Promise.all(list.map(async (c) => summarizeContainer(c, await sizesOf(c))));
  });

  router.get('/containers/:id/json', async (ctx) => {
    const c = find(ctx);
    const body = inspectContainer(c, { path: engine.deps.logs.logPath(c.id), config: engine.deps.logs.configView(c.hostConfig.LogConfig) });
    const sizes = queryBool(ctx, 'size') ? await sizesOf(c) : undefined;
    ctx.body = sizes ? { ...body, SizeRw: sizes.rw, SizeRootFs: sizes.rootFs } : body;
  });

  router.post('/containers/:id/start', async (ctx) => {
    await runs.start(find(ctx));
    ctx.status = 204;
  });

  for (const action of ['stop', 'restart'] as const) {
    router.post(`/containers/:id/${action}`, async (ctx) => {
      await runs[action](find(ctx), optionalSeconds(ctx, 't'), queryString(ctx, 'signal'));
      ctx.status = 204;
    });
  }

  router.post('/containers/:id/kill', async (ctx) => {
    await runs.kill(ctx.params.id, queryString(ctx, 'signal') || 'SIGKILL');
    ctx.status = 204;
  });

  router.post('/containers/:id/wait', async (ctx) => {
    const c = find(ctx);
    const condition = (queryString(ctx, 'condition') || 'not-running') as WaitCondition;
    const abort = new AbortController();
    const pending = runs.wait(c, condition, abort.signal);
    // Headers go out at once: the CLI starts the container only after its wait is acknowledged.
    startJsonStream(ctx);
    ctx.res.once('close', guarded(requestLog(ctx), { container: ctx.params.id, on: 'wait close' }, () => abort.abort()));
    const result = await pending;
    if (!ctx.res.writableEnded) ctx.res.end(`${JSON.stringify(result)}\n`);
  });

  router.delete('/containers/:id', async (ctx) => {
    const c = find(ctx);
    if (queryBool(ctx, 'link')) throw new ConflictError(DEFAULT_LINK_NAME_CONFLICT);
    await runs.remove(c, { force: queryBool(ctx, 'force'), removeVolumes: queryBool(ctx, 'v') });
    ctx.status = 204;
  });

  // A legacy link is removed by its name, `/containers/{container}/{alias}?link=true`.
  router.delete('/containers/:id/:alias', async (ctx) => {
    const parent = find(ctx);
    if (!queryBool(ctx, 'link')) throw new NotFoundError(`No such container: ${ctx.params.id}/${ctx.params.alias}`);
    engine.deps.networks.removeLink(parent, ctx.params.alias);
    await engine.save(parent);
    ctx.status = 204;
  });

  router.post('/containers/:id/rename', async (ctx) => {
    find(ctx);
    const name = queryString(ctx, 'name');
    if (!name) throw new InvalidArgumentError('Neither old nor new names may be empty');
    await engine.rename(ctx.params.id, name);
    ctx.status = 204;
  });

  router.post('/containers/prune', async (ctx) => {
    const filters = parseFilters(ctx, ['until', 'label', 'label!']);
    const untilRaw = filters.get('until')?.[0];
    // dockerd's timetypes.GetTimestamp: Unix seconds, a date, or a duration back from now (`until=24h`).
    const until = untilRaw ? parseDockerTimestamp(untilRaw) / 1e6 : Infinity;
    const deleted: string[] = [];
    let spaceReclaimed = 0;
    for (const c of engine.all()) {
      // A container waiting out its restart delay counts as running, as in Docker.
      if (runs.isRunning(c.id) || c.state.Restarting || !engine.canSee(c)) continue;
      if (Date.parse(c.created) >= until) continue;
      if (!matchesLabelFilters(c.config.Labels, filters.get('label'))) continue;
      if ((filters.get('label!') ?? []).some((l) => matchesLabelFilters(c.config.Labels, [l]))) continue;
      // dockerd counts each removed container's writable layer (its SizeRw) as the space reclaimed.
      const size = await engine.backendOf(c).powers.diskUsage?.diskUsage(c.id).catch(() => 0) ?? 0;
      await runs.remove(c.id, { force: false, removeVolumes: false });
      deleted.push(c.id);
      spaceReclaimed += size;
    }
    ctx.body = { ContainersDeleted: deleted, SpaceReclaimed: spaceReclaimed };
  });

  router.get('/containers/:id/top', async (ctx) => {
    const c = find(ctx);
    guard.running(c, runs.isRunning(c.id));
    ctx.body = await engine.backendOf(c).need('top', 'top').top(c.id, queryString(ctx, 'ps_args') || '-ef');
  });

  router.post('/containers/:id/resize', async (ctx) => {
    const c = find(ctx);
    const h = queryInt(ctx, 'h', 0);
    const w = queryInt(ctx, 'w', 0);
    if (h < 0 || w < 0) throw new InvalidArgumentError('invalid resize dimensions');
    const proc = engine.ioOf(c.id).process;
    if (!proc) throw new ConflictError(`Container ${c.id} is not running`);
    proc.resize?.(h, w);
    ctx.status = 200;
    ctx.body = '';
  });

  // Without `Upgrade: websocket` (which server.ts takes before koa) there is nothing to attach over.
  router.all('/containers/:id/attach/ws', (ctx) => {
    find(ctx);
    throw new InvalidArgumentError('attach/ws needs a websocket upgrade (Upgrade: websocket)');
  });

  for (const action of ['pause', 'unpause'] as const) {
    router.post(`/containers/:id/${action}`, async (ctx) => {
      await runs.control[action](ctx.params.id);
      ctx.status = 204;
    });
  }

  router.post('/containers/:id/update', async (ctx) => {
    const body = await readDockerJson<Record<string, unknown>>(ctx);
    ctx.body = await runs.control.update(ctx.params.id, body);
  });

  registerStatsRoute(router, engine, (id) => runs.isRunning(id));
}
