import type { NetworkCreateBody, NetworkListFilters, Networks } from '@sockerless/sdk';
import { apiBefore, expectFieldType, parseFilters, pruneFilters, readDockerJson, type DockerApiRouter } from '@sockerless/sdk/api';

const LIST_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'] as const;
const PRUNE_FILTERS = ['until', 'label', 'label!'];

/** The part of the networks contract the `/networks` routes call. */
type NetworkApi = Pick<Networks, 'list' | 'inspect' | 'create' | 'prune' | 'connect' | 'disconnect' | 'remove'>;

export function registerNetworkRoutes(router: DockerApiRouter, networks: NetworkApi): void {
  router.get('/networks', (ctx) => {
    const f = parseFilters(ctx, LIST_FILTERS);
    ctx.body = networks.list(Object.fromEntries(f) as NetworkListFilters);
  });

  // `verbose` and `scope` only matter for swarm networks, which we do not have.
  router.get('/networks/:id', (ctx) => {
    ctx.body = networks.inspect(ctx.params.id);
  });

  router.post('/networks/create', async (ctx) => {
    const body = await readDockerJson<NetworkCreateBody>(ctx);
    ctx.status = 201;
    // dockerd checks that a subnet has no host bits only from API 1.44; older clients (bollard's tests send
    // 10.10.10.10/24) get their subnet kept as given, as dockerd 20.10 keeps it.
    ctx.body = await networks.create(body, { lenientSubnets: apiBefore(ctx.state.apiVersion, '1.44') });
  });

  router.post('/networks/prune', async (ctx) => {
    const { untilMs, label, notLabel } = pruneFilters(ctx, PRUNE_FILTERS);
    ctx.body = await networks.prune({ untilMs, label, notLabel });
  });

  router.post('/networks/:id/connect', async (ctx) => {
    const body = await readDockerJson(ctx);
    expectFieldType(body, 'NetworkConnect', 'Container', 'string');
    await networks.connect(ctx.params.id, body);
    ctx.status = 200;
    ctx.body = '';
  });

  router.post('/networks/:id/disconnect', async (ctx) => {
    const body = await readDockerJson(ctx);
    expectFieldType(body, 'NetworkDisconnect', 'Container', 'string');
    expectFieldType(body, 'NetworkDisconnect', 'Force', 'bool');
    await networks.disconnect(ctx.params.id, body);
    ctx.status = 200;
    ctx.body = '';
  });

  router.delete('/networks/:id', async (ctx) => {
    await networks.remove(ctx.params.id);
    ctx.status = 204;
  });
}
