/** The tenants plugin's parts, called directly: config checks, identity, pools, visibility and the rate limit. */
import type { AdmissionController, CreateAdmission } from '@sockerless/sdk';
import { captureInit, startTestHost } from '@sockerless/sdk/testing';
import plugin, { createTenantsController, isOperatorOnlyPath, parseTenantsConfig, TENANTS_ORDER } from '../src/index';

const POOL = 'com.sockerless.pool';

const SECTION = {
  operatorTokens: ['op-token'],
  tenants: {
    red: { tokens: ['red-token', 'red-token-2'], pools: ['red', 'shared'] },
    blue: { tokens: ['blue-token'], pools: ['blue'], createsPerMinute: 3 },
  },
};

/** A controller on a fake clock the test moves by hand, so the rate limit is tested without sleeping. */
function controller(section: unknown = SECTION) {
  const clock = { t: 1_000 };
  const c = createTenantsController(parseTenantsConfig(section), { now: () => clock.t });
  return { c, clock };
}

const req = (bearerToken: string, path = '/containers/json', method = 'GET') => ({ method, path, bearerToken });
const create = (bearerToken: string, labels: Record<string, string> = {}, mounts: CreateAdmission['mounts'] = []): CreateAdmission => ({ labels, memoryBytes: 0, bearerToken, mounts, hostConfig: {} });
/** async, so a synchronous refusal arrives as a rejection, as the core (which awaits) sees it. */
const onCreate = async (c: AdmissionController, r: CreateAdmission) => c.onCreate!(r);

describe('config', () => {
  const fails = (section: unknown) => expect(() => parseTenantsConfig(section));

  test('defaults: anonymous callers are the operator; tokens map to their tenant', () => {
    const cfg = parseTenantsConfig(SECTION);
    expect(cfg.anonymous).toBe('operator');
    expect(cfg.byToken.get('op-token')).toEqual({ kind: 'operator' });
    expect(cfg.byToken.get('red-token-2')).toMatchObject({ kind: 'tenant', tenant: { name: 'red', pools: ['red', 'shared'] } });
    expect([...cfg.tenants.keys()]).toEqual(['red', 'blue']);
  });

  test('a missing section or a wrong shape names the path to fix', () => {
    fails(undefined).toThrow("tenants: the tenants plugin needs a top-level 'tenants' section");
    fails({}).toThrow(/^tenants\.tenants: /);
    fails({ tenants: { teamA: { tokens: ['a'], pools: [] } } }).toThrow('tenants.tenants.teamA.pools: give the tenant at least one pool');
    fails({ tenants: { teamA: { tokens: [], pools: ['p'] } } }).toThrow('tenants.tenants.teamA.tokens: give the tenant at least one token');
    fails({ tenants: { teamA: { tokens: ['a'], pools: ['ok', 'bad name'] } } }).toThrow('tenants.tenants.teamA.pools[1]: a pool name is');
    fails({ tenants: { teamA: { tokens: ['a b'], pools: ['p'] } } }).toThrow('tenants.tenants.teamA.tokens[0]: a token is a non-empty string without whitespace');
    fails({ tenants: { teamA: { tokens: ['a'], pools: ['p'], createsPerMinute: 0 } } }).toThrow(/^tenants\.tenants\.teamA\.createsPerMinute: /);
    fails({ tenants: { teamA: { tokens: ['a'], pools: ['p'], createsPerMinute: 1.5 } } }).toThrow('tenants.tenants.teamA.createsPerMinute: expected a whole number');
    fails({ tenants: { teamA: { tokens: ['a'], pools: ['p'], pool: 'p' } } }).toThrow(/^tenants\.tenants\.teamA: Unrecognized key: "pool"/);
    fails({ anonymous: 'guest', tenants: {} }).toThrow(/^tenants\.anonymous: /);
    fails({ operatorTokens: [''], tenants: {} }).toThrow('tenants.operatorTokens[0]: a token is');
    fails({ anonymous: 'deny', tenants: {} }).toThrow("tenants.anonymous: 'deny' with no operatorTokens and no tenants");
  });

  test('a token listed twice is a boot error naming both places, and never the token', () => {
    const twoTenants = { tenants: { red: { tokens: ['s3cret'], pools: ['red'] }, blue: { tokens: ['x', 's3cret'], pools: ['blue'] } } };
    fails(twoTenants).toThrow('tenants.tenants.blue.tokens[1]: the same token is already listed at tenants.tenants.red.tokens[0]');
    const withOperator = { operatorTokens: ['s3cret'], tenants: { red: { tokens: ['s3cret'], pools: ['red'] } } };
    fails(withOperator).toThrow('tenants.tenants.red.tokens[0]: the same token is already listed at tenants.operatorTokens[0]');
    fails({ tenants: { red: { tokens: ['s3cret', 's3cret'], pools: ['red'] } } }).toThrow('tenants.tenants.red.tokens[1]: the same token is already listed at tenants.tenants.red.tokens[0]');
    expect(() => parseTenantsConfig(twoTenants)).not.toThrow(/s3cret/);
  });
});

describe('onRequest', () => {
  test('anonymous callers are the operator by default, or refused with 401 under deny', () => {
    expect(() => controller().c.onRequest!(req('', '/internal/pools'))).not.toThrow();
    const { c } = controller({ ...SECTION, anonymous: 'deny' });
    expect(() => c.onRequest!(req(''))).toThrow(expect.objectContaining({ code: 'Unauthorized', message: 'authentication required: send Authorization: Bearer TOKEN' }));
    expect(() => c.onRequest!(req('op-token'))).not.toThrow();
  });

  test('an unknown token is a 401', () => {
    expect(() => controller().c.onRequest!(req('nope'))).toThrow(expect.objectContaining({ code: 'Unauthorized', message: 'unknown API token' }));
  });

  test('tenants are kept off the management API and metrics, however the path is spelled', () => {
    const { c } = controller();
    for (const path of ['/internal/pools', '/internal', '/INTERNAL/pools', '/Internal/Pools/', '/%69nternal/pools', '//internal/pools', '/metrics', '/Metrics']) {
      expect(() => c.onRequest!(req('red-token', path))).toThrow(expect.objectContaining({ code: 'Forbidden', message: 'tenant red may not use the management API' }));
    }
    for (const path of ['/_ping', '/version', '/info', '/images/json', '/networks', '/volumes', '/containers/create', '/internals', '/events']) {
      expect(() => c.onRequest!(req('red-token', path))).not.toThrow();
    }
    expect(() => c.onRequest!(req('op-token', '/internal/pools'))).not.toThrow();
  });

  test('the path check survives a malformed escape', () => {
    expect(isOperatorOnlyPath('/internal/%zz')).toBe(true);
    expect(isOperatorOnlyPath('/containers/%zz/json')).toBe(false);
  });
});

describe('onCreate', () => {
  test('runs before the pools plugin', () => {
    expect(controller().c.order).toBe(TENANTS_ORDER);
    expect(TENANTS_ORDER).toBeLessThan(20);
  });

  test("a tenant's container goes to its first pool unless it names another of its own", async () => {
    const { c } = controller();
    const plain = create('red-token');
    await onCreate(c, plain);
    expect(plain.pool).toBe('red');
    const named = create('red-token', { [POOL]: 'shared' });
    await onCreate(c, named);
    expect(named.pool).toBe('shared');
  });

  test("another tenant's pool, or one that does not exist, is the same 404", async () => {
    const { c } = controller();
    await expect(onCreate(c, create('red-token', { [POOL]: 'blue' }))).rejects.toMatchObject({ code: 'NotFound', message: 'no such pool: blue' });
    await expect(onCreate(c, create('red-token', { [POOL]: 'nowhere' }))).rejects.toMatchObject({ code: 'NotFound', message: 'no such pool: nowhere' });
  });

  test('the operator creates anywhere and the pool is left to the next controllers', async () => {
    const { c } = controller();
    const r = create('op-token', { [POOL]: 'blue' });
    await onCreate(c, r);
    expect(r.pool).toBeUndefined();
    const anon = create('');
    await onCreate(c, anon);
    expect(anon.pool).toBeUndefined();
  });

  test('an unknown token cannot create', async () => {
    await expect(onCreate(controller().c, create('nope'))).rejects.toMatchObject({ code: 'Unauthorized' });
  });
});

describe('rate limit', () => {
  const rejectsWith = (c: AdmissionController, retryAfterSeconds: number) =>
    expect(onCreate(c, create('blue-token'))).rejects.toMatchObject({
      code: 'TooManyRequests', message: 'tenant blue exceeded its create rate limit of 3 per minute', details: { retryAfterSeconds },
    });

  test('a burst of createsPerMinute passes, the next is a 429 until a token refills', async () => {
    const { c, clock } = controller();
    for (let i = 0; i < 3; i++) await onCreate(c, create('blue-token'));
    await rejectsWith(c, 20);
    clock.t += 15_000;
    await rejectsWith(c, 5);
    clock.t += 4_999;
    await rejectsWith(c, 1);
    clock.t += 1;
    await onCreate(c, create('blue-token'));
    await rejectsWith(c, 20);
  });

  test('Retry-After is whole seconds rounded up, at least 1', async () => {
    const { c, clock } = controller();
    for (let i = 0; i < 3; i++) await onCreate(c, create('blue-token'));
    clock.t += 19_999.5;
    await rejectsWith(c, 1);
    clock.t += 10_500;
    await onCreate(c, create('blue-token'));
    await rejectsWith(c, 10);
  });

  test('an idle bucket refills only up to its capacity', async () => {
    const { c, clock } = controller();
    clock.t += 3_600_000;
    for (let i = 0; i < 3; i++) await onCreate(c, create('blue-token'));
    await rejectsWith(c, 20);
  });

  test('a refused pool does not spend the budget; tenants without a limit have none', async () => {
    const { c } = controller();
    for (let i = 0; i < 5; i++) await expect(onCreate(c, create('blue-token', { [POOL]: 'red' }))).rejects.toMatchObject({ code: 'NotFound' });
    for (let i = 0; i < 3; i++) await onCreate(c, create('blue-token'));
    for (let i = 0; i < 50; i++) await onCreate(c, create('red-token'));
  });
});

describe('canSee', () => {
  test('the operator sees everything; a tenant only its own pools', () => {
    const { c } = controller();
    const inRed = { [POOL]: 'red' };
    const inShared = { [POOL]: 'shared', other: 'x' };
    expect(c.canSee!(req('op-token'), inRed)).toBe(true);
    expect(c.canSee!(req(''), { [POOL]: 'blue' })).toBe(true);
    expect(c.canSee!(req('red-token'), inRed)).toBe(true);
    expect(c.canSee!(req('red-token-2'), inShared)).toBe(true);
    expect(c.canSee!(req('blue-token'), inRed)).toBe(false);
    expect(c.canSee!(req('blue-token'), {})).toBe(false);
  });

  test('callers that onRequest refuses see nothing', () => {
    expect(controller().c.canSee!(req('nope'), { [POOL]: 'red' })).toBe(false);
    expect(controller({ ...SECTION, anonymous: 'deny' }).c.canSee!(req(''), { [POOL]: 'red' })).toBe(false);
  });
});

describe('tenantOf', () => {
  test("names the caller's tenant, none for the operator, and a tenant of nothing for a token onRequest refuses", () => {
    const { c } = controller();
    expect(c.tenantOf!(req('red-token-2'))).toBe('red');
    expect(c.tenantOf!(req('blue-token'))).toBe('blue');
    expect(c.tenantOf!(req('op-token'))).toBeUndefined();
    expect(c.tenantOf!(req(''))).toBeUndefined();
    const refused = c.tenantOf!(req('nope'));
    expect(refused).toBeDefined();
    expect(['red', 'blue']).not.toContain(refused);
    expect(controller({ ...SECTION, anonymous: 'deny' }).c.tenantOf!(req(''))).toBe(refused);
  });
});

describe('plugin', () => {
  /** register and init by hand, with the config section and admission registry faked. */
  function boot(section: unknown) {
    const registration = captureInit(plugin);
    const registered: AdmissionController[] = [];
    const warnings: Array<Record<string, unknown> | undefined> = [];
    const logger = { debug() {}, info() {}, warn(_m: string, f?: Record<string, unknown>) { warnings.push(f); }, error() {}, child() { return logger; } };
    const run = () => registration.init({
      admission: { register: (c: AdmissionController) => registered.push(c) },
      config: { file: '<test>', section: (name: string) => (name === 'tenants' ? section : undefined) },
      logger,
    }, {});
    return { run, registered, warnings };
  }

  test('init registers one controller named tenants, and warns about shared pools', async () => {
    expect(plugin.id).toBe('tenants');
    const b = boot({ tenants: { a: { tokens: ['a'], pools: ['p', 'q'] }, b: { tokens: ['b'], pools: ['q'] } } });
    await b.run();
    expect(b.registered.map((c) => c.name)).toEqual(['tenants']);
    expect(b.warnings).toEqual([{ pool: 'q', tenants: ['a', 'b'] }]);
  });

  test('a real host refuses to boot on a duplicate token, naming the plugin and both places', async () => {
    const tenants = { operatorTokens: ['t'], tenants: { red: { tokens: ['t'], pools: ['red'] } } };
    await expect(startTestHost({ plugins: ['store-sqlite', plugin], config: { tenants } }))
      .rejects.toThrow(/plugin 'tenants'.*tenants\.tenants\.red\.tokens\[0\]: the same token is already listed at tenants\.operatorTokens\[0\]/);
  });

  test('a real host answers 401 and 403 with Docker-style bodies', async () => {
    const host = await startTestHost({ plugins: ['store-sqlite', plugin], config: { tenants: SECTION } });
    try {
      const get = (path: string, token?: string) => fetch(`${host.baseUrl}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      const unknown = await get('/v1.50/containers/json', 'nope');
      expect([unknown.status, await unknown.json()]).toEqual([401, { message: 'unknown API token' }]);
      const internal = await get('/internal/pools', 'red-token');
      expect([internal.status, await internal.json()]).toEqual([403, { message: 'tenant red may not use the management API' }]);
      expect((await get('/_ping', 'red-token')).status).toBe(200);
      expect(await (await get('/v1.50/containers/json', 'red-token')).json()).toEqual([]);
    } finally {
      await host.close();
    }
  });
});

test('a tenant may not bind-mount host paths unless allowBindMounts; volumes and tmpfs are fine', async () => {
  const bind = [{ type: 'bind' as const, source: '/etc', target: '/h' }];
  const { c } = controller();
  await expect(onCreate(c, create('red-token', {}, bind))).rejects.toMatchObject({ code: 'Forbidden', message: 'tenant red may not bind-mount host paths (/etc); use a volume' });
  await expect(onCreate(c, create('red-token', {}, [{ type: 'volume', source: 'data', target: '/d' }, { type: 'tmpfs', source: '', target: '/t' }]))).resolves.toBeUndefined();
  await expect(onCreate(c, create('op-token', {}, bind))).resolves.toBeUndefined();
  const allowed = controller({ tenants: { red: { tokens: ['red-token'], pools: ['red'], allowBindMounts: true } } }).c;
  await expect(onCreate(allowed, create('red-token', {}, bind))).resolves.toBeUndefined();
});
