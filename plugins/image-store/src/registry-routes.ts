import { NotImplementedError, type AuthConfigBody, type ImageStore } from '@sockerless/sdk';
import { decodeRegistryAuth } from '@sockerless/sdk/images';
import { readJson, type DockerApiRouter } from '@sockerless/sdk/api';

/** The routes that talk to a registry without touching the stored images: `POST /auth`, `GET /distribution`. */
export function registerRegistryRoutes(router: DockerApiRouter, images: ImageStore): void {
  router.post('/auth', async (ctx) => {
    ctx.body = await images.login(await readJson<AuthConfigBody>(ctx));
  });

  // Names contain slashes (`127.0.0.1:5000/tools/bb:1`): one wildcard, its trailing `/json` split here.
  router.get('/distribution/*rest', async (ctx) => {
    const rest = String(ctx.params.rest ?? '');
    if (!rest.endsWith('/json')) throw new NotImplementedError(`sockerless does not implement GET ${ctx.path}`);
    ctx.body = await images.inspectDistribution(rest.slice(0, -'/json'.length), decodeRegistryAuth(ctx.get('X-Registry-Auth') || undefined));
  });
}
