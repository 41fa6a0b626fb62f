import type Router from '@koa/router';
import type { ExecEngine, ExecCreateBody } from '../engine/exec-engine';
import { startExecStream } from './container-streams';
import { responseConnection, streamContentType } from './hijack';
import { expectFieldType, queryInt, readDockerJson, readJson, requestLog } from '@sockerless/sdk/api';

export function registerExecRoutes(router: Router, execs: ExecEngine): void {
  router.post('/containers/:id/exec', async (ctx) => {
    const body = await readDockerJson<ExecCreateBody>(ctx);
    for (const field of ['DetachKeys', 'User', 'WorkingDir']) expectFieldType(body as Record<string, unknown>, 'ExecConfig', field, 'string');
    ctx.status = 201;
    ctx.body = execs.create(ctx.params.id, body);
  });

  /** Without Upgrade (dockerode, testcontainers): a 200 whose body is the stream until the exec exits. */
  router.post('/exec/:id/start', async (ctx) => {
    const body = await readJson<{ Detach?: boolean; Tty?: boolean }>(ctx);
    if (body.Detach) {
      const started = await execs.start(ctx.params.id, body.Tty);
      started.process.stdin?.end();
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    await startExecStream(execs, ctx.params.id, body.Tty, (tty) => {
      ctx.respond = false;
      return responseConnection(ctx.req, ctx.res, streamContentType(ctx.state.apiVersion, tty), requestLog(ctx));
    });
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
