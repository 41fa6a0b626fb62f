import type Router from '@koa/router';
import { ConflictError, InvalidArgumentError, type ImageStore } from '@sockerless/sdk';
import { commitBodyConfig } from '@sockerless/sdk/images';
import type { ContainerEngine } from '../engine/container-engine';
import type { ContainerControl } from '../engine/container-control';
import type { ContainerRecord } from '../engine/container-record';
import { queryBool, queryList, queryString, readJson } from '@sockerless/sdk/api';

/**
 * What a container made of its filesystem: `docker diff` (changes), `docker export` and `docker commit`.
 * Each is the backend's to compute (only it knows where the files are); a backend without the power is
 * Docker's 501, answered here once.
 */
export function registerContainerLayerRoutes(router: Router, engine: ContainerEngine, images: ImageStore, control: ContainerControl): void {
  const driverWith = (c: ContainerRecord, what: string) => engine.backendOf(c).need('layer', what);

  router.get('/containers/:id/changes', async (ctx) => {
    const c = engine.find(ctx.params.id);
    const changes = await driverWith(c, 'docker diff').changes(c.id);
    // dockerd answers null, not [], for a container that changed nothing.
    ctx.body = changes.length ? changes : 'null';
    ctx.type = 'application/json';
  });

  router.get('/containers/:id/export', async (ctx) => {
    const c = engine.find(ctx.params.id);
    const tar = await driverWith(c, 'docker export').exportFilesystem(c.id);
    engine.emit(c, 'export');
    ctx.set('Content-Type', 'application/octet-stream');
    ctx.body = tar;
  });

  router.post('/commit', async (ctx) => {
    const ref = queryString(ctx, 'container');
    if (!ref) throw new InvalidArgumentError('No such container: ');
    const c = engine.find(ref);
    if (c.state.Status === 'removing') throw new ConflictError(`You cannot commit a container ${c.id} that is being removed`);
    const driver = driverWith(c, 'docker commit');
    const bodyConfig = commitBodyConfig(await readJson<Record<string, unknown>>(ctx));
    // `pause` (default true) freezes a running container while its layer is read, as dockerd does; its
    // `commit` event comes before the `unpause` (a deferred unpause in daemon/commit.go).
    const repo = queryString(ctx, 'repo');
    const id = await control.whilePaused(c, queryBool(ctx, 'pause', true), async () => {
      const made = await images.commit({
        containerId: c.id,
        parentId: c.imageId,
        containerConfig: c.config,
        bodyConfig,
        changes: queryList(ctx, 'changes'),
        author: queryString(ctx, 'author') ?? '',
        comment: queryString(ctx, 'comment') ?? '',
        repo: repo || undefined,
        tag: queryString(ctx, 'tag') || undefined,
        layer: () => driver.layerDiff(c.id),
      });
      engine.emit(c, 'commit', { comment: queryString(ctx, 'comment') ?? '', imageID: made, imageRef: repo ? `${repo}:${queryString(ctx, 'tag') || 'latest'}` : '' });
      return made;
    });
    ctx.status = 201;
    ctx.body = { Id: id };
  });
}
