import type Router from '@koa/router';
import type { Context } from 'koa';
import { InvalidArgumentError, type PathStat } from '@sockerless/sdk';
import type { ContainerEngine } from '../engine/container-engine';
import { answerThenClose } from './hijack';
import { queryBool, queryString } from '@sockerless/sdk/api';

function statHeader(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

/** `docker cp`: HEAD stats a path, GET reads it as tar, PUT extracts a tar into a directory — also before start. */
export function registerArchiveRoutes(router: Router, engine: ContainerEngine): void {
  const target = (ctx: Context) => {
    const c = engine.find(ctx.params.id);
    const path = queryString(ctx, 'path');
    if (!path) throw new InvalidArgumentError('bad parameter: path cannot be empty');
    // No file name holds a NUL byte; Node's fs would throw a TypeError (a 500) on it.
    if (path.includes('\0')) throw new InvalidArgumentError(`invalid path: ${JSON.stringify(path)}`);
    return { c, path, driver: engine.backendOf(c).need('archive', 'archive') };
  };

  router.head('/containers/:id/archive', async (ctx) => {
    const { c, path, driver } = target(ctx);
    ctx.set('X-Docker-Container-Path-Stat', statHeader(await engine.files.run(c.id, c.name, () => driver.statPath(c.id, path))));
    ctx.status = 200;
  });

  router.get('/containers/:id/archive', async (ctx) => {
    const { c, path, driver } = target(ctx);
    const { stat, tar } = await engine.files.run(c.id, c.name, () => driver.getArchive(c.id, path), {
      streamOf: (r) => r.tar,
      // The container is going: before the answer, dockerd's 409; during the tar, the connection closes, so the
      // client sees it end short rather than wait (a destroyed body stream does not end the response).
      abort: () => answerThenClose(ctx.res, 409, `container ${c.name} was removed while files were being copied from it`, () => ctx.req.destroy()),
    });
    ctx.set('X-Docker-Container-Path-Stat', statHeader(stat));
    ctx.type = 'application/x-tar';
    ctx.body = tar;
    engine.emit(c, 'archive-path', { path });
  });

  router.put('/containers/:id/archive', async (ctx) => {
    const { c, path, driver } = target(ctx);
    await engine.files.run(c.id, c.name, () => driver.putArchive(c.id, path, ctx.req, { noOverwriteDirNonDir: queryBool(ctx, 'noOverwriteDirNonDir') }), {
      // The container is going: the upload is cut rather than hold the removal up, first answered with dockerd's
      // 409 (the route's own error after the cut finds it sent).
      abort: () => answerThenClose(ctx.res, 409, `container ${c.name} was removed while files were being copied into it`, () => ctx.req.destroy()),
    });
    engine.emit(c, 'extract-to-dir', { path });
    ctx.status = 200;
    ctx.body = '';
  });
}
