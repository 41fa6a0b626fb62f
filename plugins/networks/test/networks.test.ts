import { NetworkService } from '../src/networks';
import { FakeContainers, MemoryStore, RecordingBus, makeContainer } from '../../../core/test/networks-volumes/fakes';
import { formatErrors, validateAgainstSpec } from '../../../core/test/support/spec-schema';

async function setup() {
  const store = new MemoryStore();
  const bus = new RecordingBus();
  const containers = new FakeContainers();
  const nets = new NetworkService(store, bus, containers);
  await nets.load();
  return { store, bus, containers, nets };
}

/** Creates a container record the way the engine does: endpoints from attachOnCreate, then stored. */
function createContainer(env: Awaited<ReturnType<typeof setup>>, name: string, mode = 'default', endpoints: Record<string, any> = {}, running = false) {
  const c = makeContainer(name, { running, hostConfig: { NetworkMode: mode } });
  c.networks = env.nets.attachOnCreate(mode, endpoints, name, c.id);
  return env.containers.add(c);
}

const code = async (p: Promise<unknown> | (() => unknown)) => {
  try { await (typeof p === 'function' ? p() : p); } catch (err) { return { code: (err as { code?: string }).code ?? 'plain', message: (err as Error).message }; }
  throw new Error('expected a failure');
};

describe('NetworkService', () => {
  test('load creates bridge, host and none once, with stable ids across restarts', async () => {
    const env = await setup();
    const names = env.nets.all().map((n) => n.name).sort();
    expect(names).toEqual(['bridge', 'host', 'none']);
    const bridge = env.nets.inspect('bridge') as any;
    expect(bridge.Driver).toBe('bridge');
    expect(bridge.IPAM.Config).toEqual([{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }]);
    expect(bridge.Options['com.docker.network.bridge.default_bridge']).toBe('true');
    expect((env.nets.inspect('none') as any).Driver).toBe('null');
    const again = new NetworkService(env.store, env.bus, env.containers);
    await again.load();
    expect(again.all().map((n) => n.id).sort()).toEqual(env.nets.all().map((n) => n.id).sort());
    expect(formatErrors(validateAgainstSpec('NetworkInspect', bridge))).toBe('');
  });

  test('create allocates /16 pools from 172.18 upwards and honours a given IPAM config', async () => {
    const env = await setup();
    const a = await env.nets.create({ Name: 'a', Labels: { team: 'x' }, Options: { 'com.docker.network.driver.mtu': '1400' } });
    const b = await env.nets.create({ Name: 'b', Internal: true, Attachable: true });
    const c = await env.nets.create({ Name: 'c', IPAM: { Config: [{ Subnet: '10.9.0.0/24', IPRange: '10.9.0.128/25', Gateway: '10.9.0.254' }] } });
    expect(a).toEqual({ Id: expect.stringMatching(/^[0-9a-f]{64}$/), Warning: '' });
    expect(formatErrors(validateAgainstSpec('NetworkCreateResponse', a))).toBe('');
    const ia = env.nets.inspect(a.Id) as any;
    expect(ia.IPAM.Config).toEqual([{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }]);
    expect(ia.Labels).toEqual({ team: 'x' });
    expect(ia.Options).toEqual({ 'com.docker.network.driver.mtu': '1400' });
    const ib = env.nets.inspect('b') as any;
    expect(ib.IPAM.Config[0].Subnet).toBe('172.19.0.0/16');
    expect([ib.Internal, ib.Attachable]).toEqual([true, true]);
    expect((env.nets.inspect(c.Id.slice(0, 5)) as any).IPAM.Config).toEqual([{ Subnet: '10.9.0.0/24', IPRange: '10.9.0.128/25', Gateway: '10.9.0.254' }]);
    expect(env.bus.emitted.filter((e) => e.Action === 'create').map((e) => e.Actor)).toEqual([
      { ID: a.Id, Attributes: { name: 'a', type: 'bridge' } },
      { ID: b.Id, Attributes: { name: 'b', type: 'bridge' } },
      { ID: c.Id, Attributes: { name: 'c', type: 'bridge' } },
    ]);
    // Freed pools are reused.
    await env.nets.remove('a');
    expect((env.nets.inspect((await env.nets.create({ Name: 'd' })).Id) as any).IPAM.Config[0].Subnet).toBe('172.18.0.0/16');
  });

  test('create refusals use Docker wording and codes', async () => {
    const env = await setup();
    await env.nets.create({ Name: 'dup' });
    expect(await code(env.nets.create({ Name: 'dup', CheckDuplicate: false }))).toEqual({ code: 'Conflict', message: 'network with name dup already exists' });
    expect(await code(env.nets.create({ Name: 'bridge' }))).toEqual({ code: 'Forbidden', message: 'operation is not permitted on predefined bridge network ' });
    expect(await code(env.nets.create({}))).toMatchObject({ code: 'InvalidArgument' });
    expect(await code(env.nets.create({ Name: 'o', Driver: 'overlay' }))).toMatchObject({ code: 'Forbidden', message: expect.stringContaining('swarm manager') });
    expect(await code(env.nets.create({ Name: 'm', Driver: 'macvlan' }))).toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('macvlan') });
    expect(await code(env.nets.create({ Name: 'x', Driver: 'weird' }))).toEqual({ code: 'NotFound', message: 'plugin "weird" not found' });
    expect(await code(env.nets.create({ Name: 's', IPAM: { Config: [{ Subnet: '10.1.2.3/16', Gateway: '10.2.0.1' }] } }))).toEqual({
      code: 'InvalidArgument',
      message: 'invalid network config:\ninvalid subnet 10.1.2.3/16: it should be 10.1.0.0/16\ninvalid gateway 10.2.0.1: parent subnet 10.1.0.0/16 doesn\'t contain this address',
    });
    expect(await code(env.nets.create({ Name: 'bad', IPAM: { Config: [{ Subnet: 'nope' }] } }))).toMatchObject({ message: 'invalid network config:\ninvalid subnet nope: invalid CIDR block notation' });
    expect(await code(env.nets.create({ Name: 'ov', IPAM: { Config: [{ Subnet: '172.17.5.0/24' }] } }))).toEqual({ code: 'Forbidden', message: 'Pool overlaps with other one on this address space' });
  });

  test('concurrent creates of one name: exactly one wins', async () => {
    const env = await setup();
    const results = await Promise.allSettled([env.nets.create({ Name: 'race' }), env.nets.create({ Name: 'race' }), env.nets.create({ Name: 'race' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(env.nets.all().filter((n) => n.name === 'race')).toHaveLength(1);
  });

  test('attachOnCreate: bridge, user network, host, none, container:', async () => {
    const env = await setup();
    const { Id } = await env.nets.create({ Name: 'app' });
    const c1 = createContainer(env, 'one');
    expect(Object.keys(c1.networks)).toEqual(['bridge']);
    const ep = c1.networks.bridge;
    expect(ep).toMatchObject({ IPAddress: '172.17.0.2', IPPrefixLen: 16, Gateway: '172.17.0.1', MacAddress: '02:42:ac:11:00:02', NetworkID: env.nets.find('bridge').id, Aliases: null, DNSNames: null });
    expect(ep.EndpointID).toMatch(/^[0-9a-f]{64}$/);
    // CLI 28 sends EndpointsConfig keyed "default" for the default mode.
    const c2 = createContainer(env, 'two', 'default', { default: {} });
    expect(c2.networks.bridge.IPAddress).toBe('172.17.0.3');
    const c3 = createContainer(env, 'three', 'app', { app: { Aliases: ['db', 'cache'] } });
    expect(c3.networks.app).toMatchObject({ IPAddress: '172.18.0.2', NetworkID: Id, Aliases: ['db', 'cache'], DNSNames: ['three', 'db', 'cache', c3.id.slice(0, 12)] });
    const h = createContainer(env, 'h', 'host');
    expect(h.networks.host).toMatchObject({ IPAddress: '', Gateway: '', MacAddress: '', NetworkID: env.nets.find('host').id });
    expect(createContainer(env, 'n', 'none').networks.none.IPAddress).toBe('');
    expect(createContainer(env, 'shared', `container:${c1.id}`).networks).toEqual({});
    // Extra networks at create (API >= 1.44).
    const multi = createContainer(env, 'multi', 'app', { bridge: {} });
    expect(Object.keys(multi.networks).sort()).toEqual(['app', 'bridge']);
  });

  test('attachOnCreate refusals', async () => {
    const env = await setup();
    await env.nets.create({ Name: 'fixed', IPAM: { Config: [{ Subnet: '10.7.0.0/24' }] } });
    await env.nets.create({ Name: 'auto' });
    const attach = (mode: string, eps: Record<string, any> = {}) => () => env.nets.attachOnCreate(mode, eps, 'x', 'f'.repeat(64));
    expect(await code(attach('missing'))).toEqual({ code: 'NotFound', message: 'network missing not found' });
    expect(await code(attach('default', { bridge: { Aliases: ['a'] } }))).toEqual({ code: 'InvalidArgument', message: 'invalid config for network bridge: invalid endpoint settings:\nnetwork-scoped alias is supported only for containers in user defined networks' });
    expect(await code(attach('auto', { auto: { IPAMConfig: { IPv4Address: '172.18.0.9' } } }))).toMatchObject({ message: expect.stringContaining('user specified IP address is supported only when connecting to networks with user configured subnets') });
    expect(await code(attach('fixed', { fixed: { IPAMConfig: { IPv4Address: '10.8.0.9' } } }))).toMatchObject({ message: expect.stringContaining('no configured subnet or ip-range contain the IP address 10.8.0.9') });
    expect(await code(attach('host', { bridge: {} }))).toMatchObject({ code: 'InvalidArgument' });
    // A static address is honoured, and a second claim on it is refused.
    const c = createContainer(env, 'static', 'fixed', { fixed: { IPAMConfig: { IPv4Address: '10.7.0.50' } } });
    expect(c.networks.fixed).toMatchObject({ IPAddress: '10.7.0.50', IPPrefixLen: 24, IPAMConfig: { IPv4Address: '10.7.0.50' } });
    expect(await code(attach('fixed', { fixed: { IPAMConfig: { IPv4Address: '10.7.0.50' } } }))).toEqual({ code: 'Forbidden', message: 'Address already in use' });
  });

  test('addresses: next free, reservations between attach and store, reuse after release', async () => {
    const env = await setup();
    await env.nets.create({ Name: 'r', IPAM: { Config: [{ Subnet: '10.3.0.0/29', IPRange: '10.3.0.4/30' }] } });
    // Handed out but not yet stored (the engine awaits the backend in between): a second create must differ.
    const first = env.nets.attachOnCreate('r', {}, 'p1', 'a'.repeat(64));
    const second = env.nets.attachOnCreate('r', {}, 'p2', 'b'.repeat(64));
    expect([first.r.IPAddress, second.r.IPAddress]).toEqual(['10.3.0.4', '10.3.0.5']);
    // .7 is the subnet's broadcast address, so the range is full after .6.
    expect(env.nets.attachOnCreate('r', {}, 'p3', 'c'.repeat(64)).r.IPAddress).toBe('10.3.0.6');
    expect(await code(() => env.nets.attachOnCreate('r', {}, 'p4', 'd'.repeat(64)))).toMatchObject({ code: 'Forbidden' });
    env.nets.releaseOnRemove(makeContainer('p1', { id: 'a'.repeat(64) }));
    expect(env.nets.attachOnCreate('r', {}, 'p4', 'd'.repeat(64)).r.IPAddress).toBe('10.3.0.4');
  });

  test('inspect lists running containers only; remove refuses active endpoints and predefined networks', async () => {
    const env = await setup();
    const { Id } = await env.nets.create({ Name: 'web' });
    const idle = createContainer(env, 'idle', 'web');
    const live = createContainer(env, 'live', 'web', {}, true);
    const info = env.nets.inspect('web') as any;
    expect(Object.keys(info.Containers)).toEqual([live.id]);
    expect(info.Containers[live.id]).toEqual({ Name: 'live', EndpointID: live.networks.web.EndpointID, MacAddress: live.networks.web.MacAddress, IPv4Address: `${live.networks.web.IPAddress}/16`, IPv6Address: '' });
    expect(idle.networks.web.IPAddress).not.toBe(live.networks.web.IPAddress);
    expect(formatErrors(validateAgainstSpec('NetworkInspect', info))).toBe('');
    expect(await code(env.nets.remove('web'))).toEqual({ code: 'Forbidden', message: `error while removing network: network web id ${Id} has active endpoints` });
    expect(await code(env.nets.remove('bridge'))).toEqual({ code: 'Forbidden', message: 'bridge is a pre-defined network and cannot be removed' });
    expect(await code(env.nets.remove('nope'))).toEqual({ code: 'NotFound', message: 'network nope not found' });
    env.containers.byId.delete(live.id);
    await env.nets.remove(Id.slice(0, 12));
    expect(env.bus.emitted.at(-1)).toEqual({ Type: 'network', Action: 'destroy', Actor: { ID: Id, Attributes: { name: 'web', type: 'bridge' } } });
    expect(env.store.records.get('network')!.has(Id)).toBe(false);
  });

  test('connect and disconnect follow the container state', async () => {
    const env = await setup();
    const { Id } = await env.nets.create({ Name: 'back', IPAM: { Config: [{ Subnet: '10.5.0.0/24' }] } });
    const stopped = createContainer(env, 'stopped');
    await env.nets.connect('back', { Container: 'stopped', EndpointConfig: { Aliases: ['api'], IPAMConfig: { IPv4Address: '10.5.0.9' } } });
    let c = env.containers.find('stopped');
    expect(c.networks.back).toMatchObject({ IPAddress: '10.5.0.9', Aliases: ['api'], NetworkID: Id });
    // Connecting a stopped container twice is quiet in Docker; a running one has a live endpoint: 403.
    await env.nets.connect('back', { Container: stopped.id });
    expect(env.bus.actions('network')).toEqual(['create']);
    const running = createContainer(env, 'running', 'default', {}, true);
    await env.nets.connect(Id, { Container: 'running' });
    expect(env.bus.emitted.at(-1)).toEqual({ Type: 'network', Action: 'connect', Actor: { ID: Id, Attributes: { name: 'back', type: 'bridge', container: running.id } } });
    expect(await code(env.nets.connect('back', { Container: 'running' }))).toEqual({ code: 'Forbidden', message: 'endpoint with name running already exists in network back' });
    expect(await code(env.nets.connect('back', { Container: 'ghost' }))).toEqual({ code: 'NotFound', message: 'No such container: ghost' });
    expect(await code(env.nets.connect('host', { Container: 'running' }))).toMatchObject({ code: 'InvalidArgument', message: 'cannot connect container to host network - container must be created in host network mode' });

    await env.nets.disconnect('back', { Container: 'running' });
    expect(Object.keys(env.containers.find('running').networks)).toEqual(['bridge']);
    expect(env.bus.emitted.at(-1)).toMatchObject({ Action: 'disconnect', Actor: { Attributes: { container: running.id } } });
    expect(await code(env.nets.disconnect('back', { Container: 'running' }))).toEqual({ code: 'plain', message: `container ${running.id} is not connected to network back` });
    await env.nets.disconnect('back', { Container: 'stopped' });
    c = env.containers.find('stopped');
    expect(Object.keys(c.networks)).toEqual(['bridge']);
    expect(await code(env.nets.disconnect('gone', { Container: 'running' }))).toMatchObject({ code: 'NotFound' });
  });

  test('list filters: name (substring/regexp), id prefix, label, driver, type, dangling', async () => {
    const env = await setup();
    await env.nets.create({ Name: 'proj_default', Labels: { 'com.docker.compose.project': 'proj' } });
    await env.nets.create({ Name: 'other', Labels: { tier: 'db' } });
    const busy = await env.nets.create({ Name: 'busy' });
    createContainer(env, 'w', 'busy', {}, true);
    const names = (f: Record<string, string[]>) => env.nets.list(f).map((n) => n.Name).sort();
    expect(names({ name: ['proj'] })).toEqual(['proj_default']);
    expect(names({ name: ['^o'] })).toEqual(['other']);
    expect(names({ id: [busy.Id.slice(0, 6)] })).toEqual(['busy']);
    expect(names({ label: ['com.docker.compose.project=proj'] })).toEqual(['proj_default']);
    expect(names({ label: ['tier'] })).toEqual(['other']);
    expect(names({ driver: ['null'] })).toEqual(['none']);
    expect(names({ type: ['builtin'] })).toEqual(['bridge', 'host', 'none']);
    expect(names({ type: ['custom'] })).toEqual(['busy', 'other', 'proj_default']);
    expect(names({ dangling: ['true'] })).toEqual(['other', 'proj_default']);
    expect(names({ dangling: ['0'] })).toEqual(['bridge', 'busy', 'host', 'none']);
    expect(await code(() => env.nets.list({ type: ['odd'] }))).toEqual({ code: 'InvalidArgument', message: "invalid filter: 'type'='odd'" });
    for (const n of env.nets.list()) expect(formatErrors(validateAgainstSpec('NetworkSummary', n))).toBe('');
  });

  test('prune removes unused custom networks, honouring label and until', async () => {
    const env = await setup();
    await env.nets.create({ Name: 'keep', Labels: { keep: '1' } });
    await env.nets.create({ Name: 'drop' });
    await env.nets.create({ Name: 'used' });
    createContainer(env, 'u', 'used', {}, true);
    expect(await env.nets.prune({ untilMs: Date.parse('2000-01-01T00:00:00Z') })).toEqual({ NetworksDeleted: [] });
    expect(await env.nets.prune({ notLabel: ['keep'] })).toEqual({ NetworksDeleted: ['drop'] });
    expect(await env.nets.prune({ label: ['keep=1'] })).toEqual({ NetworksDeleted: ['keep'] });
    expect(env.nets.all().map((n) => n.name).sort()).toEqual(['bridge', 'host', 'none', 'used']);
    expect(env.bus.actions('network').filter((a) => a === 'prune')).toHaveLength(3);
  });
});
