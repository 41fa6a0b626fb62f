/**
 * Round-robin over two local backend instances (the spread is exact), a pool naming another scheduler, the
 * limits plugin's refusals, and the daemon without the pools plugin behaving as one default pool.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { REPO_ROOT } from '../support/daemon';
import { managementApi, poolsConfig, poolLabel } from '../support/pools';

const MiB = 1024 * 1024;

describe('with the pools, scheduler and limits plugins', () => {
  let e: E2E;
  let m: ReturnType<typeof managementApi>;
  beforeAll(async () => {
    e = await startE2E({
      config: poolsConfig({
        default: { backends: ['a'] },
        spread: { backends: ['a', 'b'], scheduler: 'roundrobin' },
        implicit: { backends: ['b', 'a'] },
        tail: { backends: ['a', 'b'], scheduler: 'last' },
        few: { backends: ['a'], limits: { maxContainers: 2 } },
        mem: { backends: ['b'], limits: { maxMemoryBytes: 100 * MiB, defaultMemoryBytes: 30 * MiB } },
      }, { plugins: ['store-sqlite', 'backend-local', 'pools', 'scheduler-roundrobin', join(REPO_ROOT, 'test/fixtures/plugins/scheduler-last.ts'), 'limits'] }),
    });
    m = managementApi(e.daemon);
  });
  afterAll(async () => { await e?.dispose(); });

  /** Creates `n` containers in `pool` and says which instance each one went to. */
  const placements = async (pool: string, n: number) => {
    const placed: Array<{ id: string; backend: string }> = [];
    for (let i = 0; i < n; i++) {
      const before = (await m.pool(pool)).containersPerBackend;
      const id = await e.ok(['create', ...poolLabel(pool), BUSYBOX, 'echo', `ran ${i}`]);
      const after = (await m.pool(pool)).containersPerBackend;
      const grown = Object.keys(after).filter((b) => after[b] === (before[b] ?? 0) + 1);
      expect(grown).toHaveLength(1);
      placed.push({ id, backend: grown[0] });
    }
    return placed;
  };

  test('round-robin spreads a pool over its two instances exactly, and containers run on both', async () => {
    const placed = await placements('spread', 6);
    expect(placed.map((p) => p.backend)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect((await m.pool('spread')).containersPerBackend).toEqual({ a: 3, b: 3 });
    // Two instances of one driver, each with a state dir of its own.
    for (const p of placed) {
      const other = p.backend === 'a' ? 'b' : 'a';
      expect([existsSync(join(e.daemon.home, 'backends', p.backend, 'containers', p.id)), existsSync(join(e.daemon.home, 'backends', other, 'containers', p.id))]).toEqual([true, false]);
    }
    for (const [i, p] of placed.slice(0, 2).entries()) expect(await e.ok(['start', '-a', p.id])).toBe(`ran ${i}`);
    await e.ok(['rm', ...placed.map((p) => p.id)]);
  });

  test('a pool without a scheduler uses the default (the first registered); a pool can name another', async () => {
    const implicit = await placements('implicit', 4);
    expect(implicit.map((p) => p.backend)).toEqual(['b', 'a', 'b', 'a']);
    const tail = await placements('tail', 3);
    expect(tail.map((p) => p.backend)).toEqual(['b', 'b', 'b']);
    await e.ok(['rm', ...implicit.map((p) => p.id), ...tail.map((p) => p.id)]);
  });

  test('maxContainers counts containers in any state and refuses with 429 naming the limit and its use', async () => {
    const one = await e.ok(['create', ...poolLabel('few'), BUSYBOX, 'true']);
    const two = await e.ok(['run', '-d', ...poolLabel('few'), BUSYBOX, 'sleep', '600']);
    const refused = await m.call('POST', '/containers/create', { Image: BUSYBOX, Labels: { 'com.sockerless.pool': 'few' } });
    expect(refused.status).toBe(429);
    expect(refused.json()).toEqual({ message: 'pool few reached its limit maxContainers 2: it has 2 containers' });
    const cli = await e.docker(['create', ...poolLabel('few'), BUSYBOX, 'true']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('pool few reached its limit maxContainers 2: it has 2 containers');
    await e.ok(['rm', one]);
    const three = await e.ok(['create', ...poolLabel('few'), BUSYBOX, 'true']);
    await e.ok(['rm', '-f', two, three]);
  });

  test('maxMemoryBytes sums HostConfig.Memory, with defaultMemoryBytes for containers that set none', async () => {
    const big = await e.ok(['create', '--memory', '64m', ...poolLabel('mem'), BUSYBOX, 'true']);
    const unset = await e.ok(['create', ...poolLabel('mem'), BUSYBOX, 'true']);
    expect(await m.metrics('mem')).toMatchObject({ reservedMemoryBytes: 94 * MiB });
    const refused = await m.call('POST', '/containers/create', { Image: BUSYBOX, HostConfig: { Memory: 10 * MiB }, Labels: { 'com.sockerless.pool': 'mem' } });
    expect(refused.status).toBe(429);
    expect(refused.json().message).toBe(`pool mem reached its limit maxMemoryBytes ${100 * MiB}: ${94 * MiB} bytes are reserved and this container asks for ${10 * MiB}`);
    const fits = await e.ok(['create', '--memory', '6m', ...poolLabel('mem'), BUSYBOX, 'true']);
    // Raised at runtime, the new limit applies to the next create.
    await m.ok('PATCH', '/internal/pools/mem', { limits: { maxMemoryBytes: 200 * MiB } });
    const more = await e.ok(['create', ...poolLabel('mem'), BUSYBOX, 'true']);
    await e.ok(['rm', big, unset, fits, more]);
  });

  test('concurrent creates cannot squeeze past maxContainers together', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () =>
      m.call('POST', '/containers/create', { Image: BUSYBOX, Labels: { 'com.sockerless.pool': 'few' } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 429)).toHaveLength(4);
    expect((await m.pool('few')).containers).toBe(2);
    await e.ok(['rm', ...results.filter((r) => r.status === 201).map((r) => r.json().Id)]);
  });
});

describe('without the pools plugin', () => {
  let e: E2E;
  beforeAll(async () => { e = await startE2E(); });
  afterAll(async () => { await e?.dispose(); });

  test('every container is in one default pool, any pool label is kept as given, and /internal/pools is 501', async () => {
    const plain = await e.ok(['create', BUSYBOX, 'true']);
    const labelled = await e.ok(['create', ...poolLabel('anything'), BUSYBOX, 'true']);
    expect(await e.ok(['inspect', '-f', '{{index .Config.Labels "com.sockerless.pool"}}', plain])).toBe('default');
    expect(await e.ok(['inspect', '-f', '{{index .Config.Labels "com.sockerless.pool"}}', labelled])).toBe('anything');
    const runs = await Promise.all([1, 2, 3].map((i) => e.ok(['run', '--rm', BUSYBOX, 'echo', String(i)])));
    expect(runs).toEqual(['1', '2', '3']);
    const r = await managementApi(e.daemon).call('GET', '/internal/pools');
    expect(r.status).toBe(501);
    expect(r.json()).toEqual({ message: 'sockerless does not implement GET /internal/pools' });
    await e.ok(['rm', plain, labelled]);
  });
});
