import type Router from '@koa/router';
import { registryLogin, type AuthConfigBody } from '../engine/images/registry-login';
import { readJson } from './http';

/** The routes that talk to a registry without touching the image store: `POST /auth`. */
export function registerRegistryRoutes(router: Router): void {
  router.post('/auth', async (ctx) => {
    ctx.body = await registryLogin(await readJson<AuthConfigBody>(ctx));
  });
}
