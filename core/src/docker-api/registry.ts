import type Router from '@koa/router';
import { NotImplementedError } from '@sockerless/sdk';
import { inspectDistribution } from '../engine/images/distribution';
import { decodeRegistryAuth } from '../engine/images/registry-client';
import { registryLogin, type AuthConfigBody } from '../engine/images/registry-login';
import { readJson } from './http';

/** The routes that talk to a registry without touching the image store: `POST /auth`, `GET /distribution`. */
export function registerRegistryRoutes(router: Router): void {
  router.post('/auth', async (ctx) => {
    ctx.body = await registryLogin(await readJson<AuthConfigBody>(ctx));
  });

  // Names contain slashes (`127.0.0.1:5000/tools/bb:1`): one wildcard, its trailing `/json` split here.
  router.get('/distribution/*rest', async (ctx) => {
    const rest = String(ctx.params.rest ?? '');
    if (!rest.endsWith('/json')) throw new NotImplementedError(`sockerless does not implement GET ${ctx.path}`);
    ctx.body = await inspectDistribution(rest.slice(0, -'/json'.length), decodeRegistryAuth(ctx.get('X-Registry-Auth') || undefined));
  });
}
