/**
 * The pools plugin with the docker CLI: routing by label, the concurrency bound with its FIFO queue and 429s,
 * and slot accounting on every path a run can end (exit, kill, rm -f, a queued rm -f, kill -9 of the daemon).
 */
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { createAndStart, managementApi, poolsConfig, poolLabel } from '../support/pools';

let e: E2E;
let m: ReturnType<typeof managementApi>;
beforeAll(async () => {
  e = await startE2E({
    config: poolsConfig({
      default: { backends: ['a'] },
      small: { backends: ['b'] },
      gated: { backends: ['a'], maxConcurrency: 1, queueSize: 1, queueTimeoutMs: 120_000 },
      quick: { backends: ['a'], maxConcurrency: 1, queueSize: 5, queueTimeoutMs: 300 },
    }),
  });
  m = managementApi(e.daemon);
});
afterAll(async () => { await e?.dispose(); });


describe('routing', () => {
  test('the pool label picks the pool, no label means the default pool, and ps filters by it', async () => {
    const inSmall = await e.ok(['create', ...poolLabel('small'), BUSYBOX, 'true']);
    const inDefault = await e.ok(['create', BUSYBOX, 'true']);
    expect(await e.ok(['inspect', '-f', '{{index .Config.Labels "com.sockerless.pool"}}', inSmall])).toBe('small');
    expect(await e.ok(['inspect', '-f', '{{index .Config.Labels "com.sockerless.pool"}}', inDefault])).toBe('default');
    expect((await m.pool('small')).containersPerBackend).toEqual({ b: 1 });
    const listed = await e.ok(['ps', '-a', '-q', '--no-trunc', '--filter', 'label=com.sockerless.pool=small']);
    expect(listed.split('\n')).toEqual([inSmall]);
    await e.ok(['rm', inSmall, inDefault]);
  });

  test('an unknown pool is a 404 naming it, for the API and the CLI, and nothing is created', async () => {
    const before = await e.ok(['ps', '-a', '-q']);
    const r = await m.call('POST', '/containers/create', { Image: BUSYBOX, Labels: { 'com.sockerless.pool': 'nope' } });
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ message: 'no such pool: nope' });
    // The docker CLI reads any 404 on create as a missing image and pulls; `--pull never` shows the message.
    const cli = await e.docker(['run', '--rm', '--pull', 'never', ...poolLabel('nope'), BUSYBOX, 'true']);
    expect(cli.code).toBe(125);
    expect(cli.stderr).toContain('no such pool: nope');
    expect(await e.ok(['ps', '-a', '-q'])).toBe(before);
  });
});

describe('concurrency 1, queue 1', () => {
  test('the second run waits for the first and then runs; the third is refused with 429 and Retry-After', async () => {
    const first = await e.ok(['run', '-d', ...poolLabel('gated'), BUSYBOX, 'sleep', '600']);
    const second = e.docker(['run', '--rm', ...poolLabel('gated'), BUSYBOX, 'echo', 'second ran']);
    await m.waitForPool('gated', (p) => p.queued === 1);

    const third = await createAndStart(e.daemon, 'gated', ['true']);
    const refused = await third.started;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json().message).toBe('pool gated is at its limit: 1 running of maxConcurrency 1, and its queue is full (1 of queueSize 1)');
    const cli = await e.docker(['run', '--rm', ...poolLabel('gated'), BUSYBOX, 'true']);
    expect(cli.code).toBe(125);
    expect(cli.stderr).toContain('pool gated is at its limit');

    await e.ok(['kill', first]);
    const ran = await second;
    expect(ran).toMatchObject({ code: 0, stdout: 'second ran\n' });
    const after = await m.waitForPool('gated', (p) => p.running === 0);
    expect(after.queued).toBe(0);
    const metrics = await m.metrics('gated');
    expect(metrics).toMatchObject({ admitted: 2, rejected: 2, timedOut: 0, running: 0, queued: 0 });
    expect(metrics.queueWaitMs.p99).toBeGreaterThan(0);
    await e.ok(['rm', '-f', third.id, first]);
    await e.docker(['container', 'prune', '-f']);
  });

  test('a start that waits longer than queueTimeoutMs gets 429 naming the timeout', async () => {
    const holder = await e.ok(['run', '-d', ...poolLabel('quick'), BUSYBOX, 'sleep', '600']);
    const waiting = await createAndStart(e.daemon, 'quick', ['true']);
    const r = await waiting.started;
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBeDefined();
    expect(r.json().message).toMatch(/^pool quick: no slot within queueTimeoutMs 300 \(1 running of maxConcurrency 1, 0 still queued\)$/);
    expect(await e.ok(['inspect', '-f', '{{.State.Status}}', waiting.id])).toBe('created');
    expect(await m.metrics('quick')).toMatchObject({ timedOut: 1, running: 1, queued: 0 });
    await e.ok(['rm', '-f', holder, waiting.id]);
    await m.waitForPool('quick', (p) => p.running === 0);
  });
});

describe('slot accounting', () => {
  const holdSlot = () => e.ok(['run', '-d', ...poolLabel('gated'), BUSYBOX, 'sleep', '600']);
  const runningIs = (n: number) => m.waitForPool('gated', (p) => p.running === n);

  test('exit, kill and rm -f each give the slot back exactly once', async () => {
    expect(await e.ok(['run', '--rm', ...poolLabel('gated'), BUSYBOX, 'echo', 'one'])).toBe('one');
    expect(await e.ok(['run', '--rm', ...poolLabel('gated'), BUSYBOX, 'echo', 'two'])).toBe('two');
    await runningIs(0);

    const killed = await holdSlot();
    await runningIs(1);
    await e.ok(['kill', killed]);
    expect(await e.ok(['wait', killed])).toBe('137');
    await runningIs(0);
    // Killing again and removing must not give back a slot twice (running would go below zero).
    await e.ok(['rm', '-f', killed]);

    const removed = await holdSlot();
    await e.ok(['rm', '-f', removed]);
    expect((await runningIs(0)).running).toBe(0);

    // A start the backend fails (no such executable) hands its slot straight back.
    const failed = await e.docker(['run', '--rm', ...poolLabel('gated'), BUSYBOX, '/no/such/program']);
    expect(failed.code).toBe(127);
    expect((await m.pool('gated')).running).toBe(0);
    expect(await e.ok(['run', '--rm', ...poolLabel('gated'), BUSYBOX, 'echo', 'free'])).toBe('free');
  });

  test('a queued start whose container is removed answers 409 and leaves the queue', async () => {
    const holder = await holdSlot();
    const queued = await createAndStart(e.daemon, 'gated', ['true']);
    await m.waitForPool('gated', (p) => p.queued === 1);
    await e.ok(['rm', '-f', queued.id]);
    const r = await queued.started;
    expect(r.status).toBe(409);
    expect(r.json().message).toContain('was removed while it waited for a slot in pool gated');
    expect(await m.pool('gated')).toMatchObject({ queued: 0, running: 1 });
    await e.ok(['rm', '-f', holder]);
    await runningIs(0);
  });

  test('after kill -9 of the daemon and a restart no slot is leaked or counted twice', async () => {
    const holder = await holdSlot();
    await runningIs(1);
    await e.daemon.kill9();
    await e.daemon.restart();
    // Live-restore: the holder ran on without the daemon and still holds its one slot, counted once.
    await m.waitForPool('gated', (p) => p.running === 1);
    expect(await m.pool('gated')).toMatchObject({ running: 1, queued: 0, containers: 1 });
    expect(await e.ok(['inspect', '-f', '{{.State.Status}}', holder])).toBe('running');
    await e.ok(['kill', holder]);
    await runningIs(0);
    // The one slot is free: a run goes through at once, and a second concurrent one still queues behind it.
    const again = await holdSlot();
    await runningIs(1);
    const queued = await createAndStart(e.daemon, 'gated', ['true']);
    await m.waitForPool('gated', (p) => p.queued === 1);
    await e.ok(['rm', '-f', again]);
    expect((await queued.started).status).toBe(204);
    await e.ok(['wait', queued.id]);
    await runningIs(0);
    await e.ok(['rm', '-f', holder, queued.id]);
  });
});
