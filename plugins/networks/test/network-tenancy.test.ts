import { TENANT_LABEL } from '@sockerless/sdk';
import { NetworkService } from '../src/networks';
import { FakeContainers, MemoryStore, RecordingBus, makeContainer } from '../../../core/test/networks-volumes/fakes';

/** The service as a tenant (or the operator, undefined) sees it: the fake's `tenant` is who calls now. */
async function setup() {
  const store = new MemoryStore();
  const bus = new RecordingBus();
  let caller: string | undefined;
  const containers = Object.assign(new FakeContainers(), { tenant: () => caller });
  const nets = new NetworkService(store, bus, containers);
  await nets.load();
  const as = async <T>(tenant: string | undefined, fn: () => T | Promise<T>): Promise<T> => {
    caller = tenant;
    try {
      if (tenant !== undefined) await nets.ensureTenantBridge();
      return await fn();
    } finally { caller = undefined; }
  };
  return { store, bus, nets, containers, as };
}

const failure = async (fn: () => unknown) => {
  try { await fn(); } catch (err) { return { code: (err as { code?: string }).code, message: (err as Error).message }; }
  throw new Error('expected a failure');
};

describe('networks of tenants', () => {
  test("a tenant's default bridge is its own, made once, with a subnet of its own; the operator's stays", async () => {
    const env = await setup();
    const red = await env.as('red', () => env.nets.find('bridge'));
    const again = await env.as('red', () => env.nets.find('bridge'));
    const blue = await env.as('blue', () => env.nets.find('bridge'));
    const operator = await env.as(undefined, () => env.nets.find('bridge'));
    expect(again.id).toBe(red.id);
    expect(new Set([red.id, blue.id, operator.id]).size).toBe(3);
    expect(red.labels).toEqual({ [TENANT_LABEL]: 'red' });
    expect(operator.labels).toEqual({});
    expect(new Set([red.pools[0].subnet, blue.pools[0].subnet, operator.pools[0].subnet]).size).toBe(3);
    // It is predefined for the tenant: it cannot be removed, and no names resolve on it.
    expect(await env.as('red', () => failure(() => env.nets.remove('bridge')))).toMatchObject({ code: 'Forbidden' });
    expect(env.nets.isUserDefined(red.id)).toBe(false);
    // A container the tenant creates lands on it.
    const c = makeContainer('red-box');
    const eps = await env.as('red', () => env.nets.attachOnCreate('default', {}, 'red-box', c.id));
    expect(eps.bridge.NetworkID).toBe(red.id);
    // A restarted daemon finds it again rather than making another.
    const restarted = new NetworkService(env.store, env.bus, Object.assign(new FakeContainers(), { tenant: () => 'red' }));
    await restarted.load();
    await restarted.ensureTenantBridge();
    expect(restarted.all().filter((n) => n.name === 'bridge')).toHaveLength(3);
  });

  test("another tenant's network does not exist for a tenant; names are per tenant; the operator sees all", async () => {
    const env = await setup();
    const { Id: redNet } = await env.as('red', () => env.nets.create({ Name: 'app' }));
    const missing = { code: 'NotFound', message: 'network app not found' };
    expect(await env.as('blue', () => failure(() => env.nets.find('app')))).toEqual(missing);
    expect(await env.as('blue', () => failure(() => env.nets.inspect(redNet)))).toMatchObject({ code: 'NotFound' });
    expect(await env.as('blue', () => failure(() => env.nets.remove('app')))).toEqual(missing);
    expect(await env.as('blue', () => failure(() => env.nets.attachOnCreate('app', {}, 'x', 'b'.repeat(64))))).toEqual(missing);
    expect((await env.as('blue', () => env.nets.list())).map((n) => n.Name).sort()).toEqual(['bridge', 'host', 'none']);
    const { Id: blueNet } = await env.as('blue', () => env.nets.create({ Name: 'app' }));
    expect(blueNet).not.toBe(redNet);
    expect(await env.as('red', () => failure(() => env.nets.create({ Name: 'app' })))).toEqual({ code: 'Conflict', message: 'network with name app already exists' });
    expect(await env.as(undefined, () => failure(() => env.nets.find('app')))).toEqual({ code: 'InvalidArgument', message: 'network app is ambiguous (2 matches found based on name)' });
    expect((await env.as(undefined, () => env.nets.find(redNet))).labels[TENANT_LABEL]).toBe('red');
    // The operator's own network of that name is what the name means for the operator.
    const { Id: opNet } = await env.as(undefined, () => env.nets.create({ Name: 'app' }));
    expect((await env.as(undefined, () => env.nets.find('app'))).id).toBe(opNet);
    expect(await env.as('red', () => failure(() => env.nets.find(opNet)))).toMatchObject({ code: 'NotFound' });
    // Prune as blue passes over red's network.
    expect(await env.as('blue', () => env.nets.prune())).toEqual({ NetworksDeleted: ['app'] });
    expect((await env.as('red', () => env.nets.find('app'))).id).toBe(redNet);
  });

  test('a tenant cannot label a network as another tenant\'s; the operator may make one for a tenant', async () => {
    const env = await setup();
    expect(await env.as('blue', () => failure(() => env.nets.create({ Name: 'x', Labels: { [TENANT_LABEL]: 'red' } })))).toMatchObject({ code: 'InvalidArgument' });
    const { Id } = await env.as(undefined, () => env.nets.create({ Name: 'given', Labels: { [TENANT_LABEL]: 'red' } }));
    expect((await env.as('red', () => env.nets.find('given'))).id).toBe(Id);
    // Its events carry the owner, so a tenant's event stream can leave out the others'.
    expect(env.bus.emitted.filter((e) => e.Actor.ID === Id).map((e) => e.Actor.Attributes[TENANT_LABEL])).toEqual(['red']);
  });
});
