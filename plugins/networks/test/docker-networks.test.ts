import type { HostEntry, NetworkContainerAccess, NetworkedContainer, WorkloadEndpoint } from '@sockerless/sdk';
import { DockerNetworks } from '../src/docker-networks';
import { FakeContainers, MemoryStore, RecordingBus, makeContainer, silentLogger } from '../../../core/test/networks-volumes/fakes';

/**
 * The Networks contract as the core calls it: a container's create, start, stop and removal, with the
 * containers and the backends' network powers as callbacks (here a table and a record of what was called).
 */
async function setup(addressing = {}) {
  const table = new FakeContainers();
  const written = new Map<string, HostEntry[][]>();
  const plugged: { id: string; endpoint: WorkloadEndpoint }[] = [];
  const access: NetworkContainerAccess = {
    all: () => table.all(),
    find: (ref) => table.find(ref),
    tryFind: (ref) => { try { return table.find(ref); } catch { return undefined; } },
    canSee: () => true,
    tenant: () => undefined,
    saveNetworks: (id, networks) => table.saveNetworks(id, networks),
    connectEndpoint: async (c, endpoint) => { plugged.push({ id: c.id, endpoint }); },
    disconnectEndpoint: async () => undefined,
    networkRemoved: async () => undefined,
    hostsWriter: (c) => async (hosts) => { written.set(c.id, [...(written.get(c.id) ?? []), hosts]); },
  };
  const bus = new RecordingBus();
  const nets = new DockerNetworks({ store: new MemoryStore(), events: bus, logger: silentLogger, addressing, containers: access });
  await nets.load();
  /** As the core's create does: endpoints, then the record stored, then peers told. */
  const create = async (name: string, networkMode = 'default', extra: Partial<NetworkedContainer> = {}) => {
    const c = makeContainer(name, { hostConfig: { NetworkMode: networkMode }, ...extra } as never);
    c.config = { Hostname: c.id.slice(0, 12), Domainname: '', Env: [], ...(extra.config ?? {}) } as never;
    c.networks = nets.attachOnCreate({ networkMode, endpointsConfig: {}, containerName: name, containerId: c.id });
    table.add(c);
    await nets.changed(c);
    return table.find(c.id);
  };
  /** As the core's start does: the workload's network, then the hosts it started with remembered. */
  const start = (c: NetworkedContainer) => {
    const running = { ...c, state: { ...c.state, Status: 'running', Running: true } };
    table.add(running as never);
    const network = nets.workloadNetwork(running, true);
    nets.started(running, network.hosts);
    return network;
  };
  return { nets, bus, table, written, plugged, create, start };
}

test('an address from the configured bip, and Docker ranges for what the config leaves out', async () => {
  const env = await setup({ bip: '10.201.0.1/24' });
  const a = await env.create('a');
  expect(a.networks.bridge.IPAddress).toBe('10.201.0.2');
  const user = await env.nets.create({ Name: 'app' });
  expect((env.nets.inspect(user.Id) as { IPAM: { Config: { Subnet: string }[] } }).IPAM.Config[0].Subnet).toBe('172.17.0.0/16');
});

test('a running peer on a user-defined network gets the newcomer in its /etc/hosts; a removal takes it out', async () => {
  const env = await setup({ bip: '10.202.0.1/24' });
  await env.nets.create({ Name: 'app' });
  const web = await env.create('web', 'app');
  const network = env.start(web);
  expect(network.mode).toBe('bridge');
  expect(network.endpoints.map((e) => e.networkName)).toEqual(['app']);
  const db = await env.create('db', 'app');
  const pushed = env.written.get(web.id) ?? [];
  expect(pushed).toHaveLength(1);
  expect(pushed[0]).toContainEqual({ ip: db.networks.app.IPAddress, names: ['db', db.id.slice(0, 12)] });
  env.table.byId.delete(db.id);
  await env.nets.removed(db);
  expect(env.written.get(web.id)).toHaveLength(2);
  expect(env.written.get(web.id)![1].some((h) => h.names.includes('db'))).toBe(false);
  // A stopped container is told nothing more.
  env.nets.stopped(web.id);
  await env.create('cache', 'app');
  expect(env.written.get(web.id)).toHaveLength(2);
});

test('connecting a running container plugs the endpoint in through the core, then emits connect', async () => {
  const env = await setup({ bip: '10.203.0.1/24' });
  const { Id } = await env.nets.create({ Name: 'side' });
  const c = await env.create('c');
  env.start(c);
  await env.nets.connect('side', { Container: 'c' });
  expect(env.plugged).toEqual([{ id: c.id, endpoint: expect.objectContaining({ networkId: Id, networkName: 'side' }) }]);
  expect(env.bus.emitted.filter((e) => e.Action === 'connect').map((e) => e.Actor.ID)).toEqual([Id]);
});

test('links: env of a running target, refusal of a stopped one, and the link removed by its alias', async () => {
  const env = await setup({ bip: '10.204.0.1/24' });
  const db = await env.create('db', 'default', { config: { ExposedPorts: { '5432/tcp': {} } } } as never);
  const hostConfig: Record<string, unknown> = { NetworkMode: 'default', Links: ['db:database'] };
  env.nets.normalizeLinks(hostConfig, '/app');
  expect(hostConfig.Links).toEqual(['/db:/app/database']);
  const app = await env.create('app', 'default', { hostConfig } as never);
  expect(() => env.nets.linkEnv(app)).toThrow('Cannot link to a non running container: /db AS /app/database');
  env.start(db);
  const ip = db.networks.bridge.IPAddress;
  expect(env.nets.linkEnv(app)).toEqual(expect.arrayContaining([`DATABASE_PORT=tcp://${ip}:5432`, 'DATABASE_NAME=/app/database']));
  env.nets.removeLink(app, 'database');
  expect(app.hostConfig.Links).toBeNull();
  expect(() => env.nets.removeLink(app, 'database')).toThrow('No such container: app/database');
});
