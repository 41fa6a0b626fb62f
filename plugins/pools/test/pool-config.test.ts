import { startTestHost } from '@sockerless/sdk/testing';
import { applyPatch, parsePoolsConfig } from '../src/pool-config';
import pools from '../src/index';

test('without a pools section there is one default pool over every backend, unbounded', () => {
  const parsed = parsePoolsConfig(undefined, undefined, () => ['x', 'y']);
  expect(parsed.defaultPool).toBe('default');
  expect(parsed.pools.get('default')).toEqual({ backends: ['x', 'y'], maxConcurrency: undefined, queueSize: 100, queueTimeoutMs: 600_000, scheduler: undefined, limits: {} });
});

test.each([
  [{ ci: { backends: [] } }, undefined, 'pools.ci.backends: Too small: expected array to have >=1 items'],
  [{ ci: { backends: ['a'], maxConcurrency: 1.5 } }, undefined, 'pools.ci.maxConcurrency: Invalid input: expected int, received number'],
  [{ ci: { backends: ['a'], queueSize: -1 } }, undefined, 'pools.ci.queueSize: Too small: expected number to be >=0'],
  [{ ci: { backends: ['a'], limits: { maxMemory: 5 } } }, undefined, 'pools.ci.limits: Unrecognized key: "maxMemory"'],
  [{ ci: { backends: [7] } }, undefined, 'pools.ci.backends[0]: Invalid input: expected string, received number'],
  [{ 'bad/name': { backends: ['a'] } }, undefined, 'pools.bad/name: a pool name is letters'],
  [{ ci: { backends: ['a'] } }, 'other', "defaultPool: no pool named 'other' (configured: ci)"],
  [{}, undefined, 'pools: configure at least one pool'],
])('a bad pools section fails with the pool and option named: %j', (section, defaultPool, message) => {
  expect(() => parsePoolsConfig(section, defaultPool, () => [])).toThrow(message);
});

test('the default pool is defaultPool, else the one named default, else the first', () => {
  expect(parsePoolsConfig({ a: { backends: ['x'] }, default: { backends: ['x'] } }, undefined, () => []).defaultPool).toBe('default');
  expect(parsePoolsConfig({ a: { backends: ['x'] }, b: { backends: ['x'] } }, undefined, () => []).defaultPool).toBe('a');
  expect(parsePoolsConfig({ a: { backends: ['x'] }, b: { backends: ['x'] } }, 'b', () => []).defaultPool).toBe('b');
});

test('a patch sets, and null removes', () => {
  const spec = parsePoolsConfig({ p: { backends: ['x'], maxConcurrency: 2, scheduler: 's', limits: { maxContainers: 3 } } }, undefined, () => []).pools.get('p')!;
  expect(applyPatch(spec, { maxConcurrency: null, scheduler: null, limits: { maxContainers: null, maxMemoryBytes: 10 } }))
    .toMatchObject({ maxConcurrency: undefined, scheduler: undefined, limits: { maxMemoryBytes: 10 } });
  expect(spec.limits).toEqual({ maxContainers: 3 });
});

describe('boot', () => {
  const boot = (config: Record<string, unknown>, plugins: unknown[] = []) => startTestHost({
    plugins: [{ plugin: 'store-sqlite', options: { path: ':memory:' } }, 'backend-local', pools, ...plugins] as never,
    backends: { local: { driver: 'local' } },
    config,
  });

  test.each([
    [{ pools: { ci: { backends: ['local'], maxConcurrency: 0 } } }, "plugin 'pools' (from <inline>): init failed: pools.ci.maxConcurrency: Too small: expected number to be >=1"],
    [{ pools: { ci: { backends: ['local', 'cloud'] } } }, "pools.ci.backends[1]: no backend instance named 'cloud' (configured: local)"],
    [{ pools: { ci: { backends: ['local'], scheduler: 'fair' } } }, "pools.ci.scheduler: no scheduler named 'fair' is registered (registered: none; add a scheduler plugin such as scheduler-roundrobin)"],
  ])('refuses %j naming the pool and option', async (config, message) => {
    await expect(boot(config)).rejects.toThrow(message);
  });

  test('limits without the pools plugin is a boot error naming the missing service', async () => {
    await expect(startTestHost({
      plugins: [{ plugin: 'store-sqlite', options: { path: ':memory:' } }, 'backend-local', 'limits'] as never,
      backends: { local: { driver: 'local' } },
    })).rejects.toThrow("plugin 'limits' (from @sockerless/plugin-limits): dependency 'pools' (pools.registry) is not provided by the core or any configured plugin");
  });
});
