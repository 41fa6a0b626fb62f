import type Router from '@koa/router';
import type { ExecEngine, ExecCreateBody } from '../engine/exec-engine';
import { streamExec } from './container-streams';
import { responseConnection, streamContentType } from './hijack';
import { queryInt, readJson } from './http';

export function registerExecRoutes(router: Router, execs: ExecEngine): void {
  router.post('/containers/:id/exec', async (ctx) => {
    const body = await readJson<ExecCreateBody>(ctx);
    ctx.status = 201;
    ctx.body = execs.create(ctx.params.id, body);
  });

  /** Without Upgrade (dockerode, testcontainers): a 200 whose body is the stream until the exec exits. */
  router.post('/exec/:id/start', async (ctx) => {
    const body = await readJson<{ Detach?: boolean; Tty?: boolean }>(ctx);
    const started = await execs.start(ctx.params.id, body.Tty);
    if (body.Detach) {
      started.process.stdin?.end();
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    ctx.respond = false;
    const conn = responseConnection(ctx.req, ctx.res, streamContentType(ctx.state.apiVersion, started.rec.tty));
    await streamExec(execs, ctx.params.id, conn, started);
  });

  router.get('/exec/:id/json', (ctx) => {
    ctx.body = execs.inspect(ctx.params.id);
  });

  router.post('/exec/:id/resize', (ctx) => {
    execs.resize(ctx.params.id, queryInt(ctx, 'h', 0), queryInt(ctx, 'w', 0));
    ctx.status = 201;
    ctx.body = '';
  });
}
