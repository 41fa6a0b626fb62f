import { InvalidArgumentError, NotImplementedError, type VolumeCreateBody, type VolumeListFilters, type VolumeStore } from '@sockerless/sdk';
import { stringMap } from '@sockerless/sdk';
import { expectFieldType, parseFilters, pruneFilters, queryBool, readDockerJson, type DockerApiRouter } from '@sockerless/sdk/api';

const LIST_FILTERS = ['dangling', 'driver', 'label', 'name'] as const;

export function registerVolumeRoutes(router: DockerApiRouter, volumes: VolumeStore): void {
  router.get('/volumes', (ctx) => {
    const f = parseFilters(ctx, LIST_FILTERS);
    ctx.body = volumes.list(Object.fromEntries(f) as VolumeListFilters);
  });

  router.post('/volumes/create', async (ctx) => {
    const body = await readDockerJson<VolumeCreateBody>(ctx);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidArgumentError('invalid volume config: expected a JSON object');
    for (const field of ['Name', 'Driver']) expectFieldType(body as Record<string, unknown>, 'VolumeCreateBody', field, 'string');
    const shaped = { ...body, Labels: stringMap(body.Labels, 'Labels'), DriverOpts: stringMap(body.DriverOpts, 'DriverOpts') };
    ctx.status = 201;
    ctx.body = await volumes.create(shaped);
  });

  router.post('/volumes/prune', async (ctx) => {
    const { label, notLabel, all } = pruneFilters(ctx, ['label', 'label!', 'all']);
    const v = all?.[all.length - 1];
    if (v !== undefined && !['1', 'true', '0', 'false'].includes(v.toLowerCase())) throw new InvalidArgumentError(`invalid filter 'all=${v}'`);
    ctx.body = await volumes.prune({ all: v === '1' || v?.toLowerCase() === 'true', label, notLabel });
  });

  router.get('/volumes/:name', (ctx) => {
    ctx.body = volumes.inspect(ctx.params.name);
  });

  // Cluster (CSI) volumes are a swarm feature.
  router.put('/volumes/:name', () => {
    throw new NotImplementedError('cluster volumes are not supported by Sockerless');
  });

  router.delete('/volumes/:name', async (ctx) => {
    await volumes.remove(ctx.params.name, queryBool(ctx, 'force'));
    ctx.status = 204;
  });
}
