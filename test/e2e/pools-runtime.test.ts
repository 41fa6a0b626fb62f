/**
 * Pools managed at runtime (create, patch, destroy with and without force, persistence across a restart) and
 * the metrics, JSON and Prometheus, checked against what the test did.
 */
import { spawnSync } from 'node:child_process';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { DAEMON_MAIN } from '../support/daemon';
import { createAndStart, managementApi, poolsConfig, poolLabel } from '../support/pools';

let e: E2E;
let m: ReturnType<typeof managementApi>;
beforeAll(async () => {
  e = await startE2E({
    config: poolsConfig({
      default: { backends: ['a', 'b'] },
      fixed: { backends: ['a'], maxConcurrency: 4 },
    }),
  });
  m = managementApi(e.daemon);
});
afterAll(async () => { await e?.dispose(); });

const MiB = 1024 * 1024;

describe('runtime lifecycle', () => {
  test('create validates like the config: unknown backend, bad numbers, unknown fields, duplicates', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ name: 'x', backends: ['zzz'] }, 400, "backends[0]: no backend instance named 'zzz' (configured: a, b)"],
      [{ name: 'x', backends: ['a'], maxConcurrency: 0 }, 400, 'maxConcurrency: Too small: expected number to be >=1'],
      [{ name: 'x', backends: ['a'], scheduler: 'fair' }, 400, "scheduler: no scheduler named 'fair' is registered (registered: roundrobin)"],
      [{ name: 'x', backends: ['a'], color: 'red' }, 400, 'Unrecognized key: "color"'],
      [{ name: 'bad name', backends: ['a'] }, 400, 'name: a pool name is letters'],
      [{ name: 'fixed', backends: ['a'] }, 409, 'pool fixed already exists'],
      ['not an object', 400, '(body)'],
    ];
    for (const [body, status, message] of cases) {
      const r = await m.call('POST', '/internal/pools', body);
      expect({ body, status: r.status }).toEqual({ body, status });
      expect(r.json().message).toContain(message);
    }
    expect((await m.ok('GET', '/internal/pools')).map((p: { name: string }) => p.name)).toEqual(['default', 'fixed']);
  });

  test('create, patch, use, and destroy a pool: 409 while it has containers, force removes them first', async () => {
    const created = await m.call('POST', '/internal/pools', { name: 'rt', backends: ['b'], maxConcurrency: 2 });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ name: 'rt', origin: 'runtime', backends: ['b'], maxConcurrency: 2, queueSize: 100 });

    const patched = await m.call('PATCH', '/internal/pools/rt', { maxConcurrency: null, queueTimeoutMs: 5000, limits: { maxContainers: 9 } });
    expect(patched.status).toBe(200);
    expect(patched.json()).toMatchObject({ maxConcurrency: null, queueTimeoutMs: 5000, limits: { maxContainers: 9 } });
    expect((await m.call('PATCH', '/internal/pools/rt', { backends: ['a'] })).status).toBe(400);
    expect((await m.call('PATCH', '/internal/pools/nope', { queueSize: 1 })).json()).toEqual({ message: 'no such pool: nope' });

    const member = await e.ok(['run', '-d', ...poolLabel('rt'), BUSYBOX, 'sleep', '600']);
    const refused = await m.call('DELETE', '/internal/pools/rt');
    expect(refused.status).toBe(409);
    expect(refused.json().message).toBe('pool rt has 1 container; remove them first or use force=true');
    expect((await m.call('DELETE', '/internal/pools/rt?force=true')).status).toBe(204);
    expect((await e.docker(['inspect', member])).code).toBe(1);
    expect((await m.call('GET', '/internal/pools/rt')).status).toBe(404);
    const gone = await m.call('POST', '/containers/create', { Image: BUSYBOX, Labels: { 'com.sockerless.pool': 'rt' } });
    expect(gone.json()).toEqual({ message: 'no such pool: rt' });

    expect((await m.call('POST', '/internal/pools', { name: 'empty', backends: ['a'] })).status).toBe(201);
    expect((await m.call('DELETE', '/internal/pools/empty')).status).toBe(204);
    expect((await m.call('DELETE', '/internal/pools/fixed')).json().message).toMatch(/^pool fixed is defined in .*sockerless\.config\.ts; remove it there$/);
    expect((await m.call('DELETE', '/internal/pools/default')).json().message).toContain('pool default is the default pool');
  });

  test('pools created at runtime and changes to config pools survive a restart and a kill -9', async () => {
    expect((await m.call('POST', '/internal/pools', { name: 'kept', backends: ['a', 'b'], scheduler: 'roundrobin', limits: { maxMemoryBytes: 64 * MiB } })).status).toBe(201);
    expect((await m.call('PATCH', '/internal/pools/fixed', { maxConcurrency: 3 })).status).toBe(200);
    const before = await m.ok('GET', '/internal/pools');
    await e.daemon.stop();
    await e.daemon.restart();
    expect(await m.ok('GET', '/internal/pools')).toEqual(before);
    await e.daemon.kill9();
    await e.daemon.restart();
    const after = await m.ok('GET', '/internal/pools');
    expect(after).toEqual(before);
    expect(after.find((p: { name: string }) => p.name === 'fixed')).toMatchObject({ origin: 'config', maxConcurrency: 3 });
    expect((await m.call('DELETE', '/internal/pools/kept')).status).toBe(204);
  });
});

describe('metrics', () => {
  test('JSON and Prometheus figures match what was done in a pool', async () => {
    await m.ok('POST', '/internal/pools', { name: 'meter', backends: ['a'], maxConcurrency: 1, queueSize: 0, limits: { defaultMemoryBytes: 16 * MiB } });
    expect(await e.ok(['run', '--rm', ...poolLabel('meter'), BUSYBOX, 'echo', 'a'])).toBe('a');
    const holder = await e.ok(['run', '-d', '--memory', '32m', ...poolLabel('meter'), BUSYBOX, 'sleep', '600']);
    const refused = await createAndStart(e.daemon, 'meter', ['true']);
    expect((await refused.started).status).toBe(429);

    const json = await m.metrics('meter');
    expect(json).toMatchObject({ running: 1, queued: 0, admitted: 2, rejected: 1, timedOut: 0, utilization: 1, containers: 2, reservedMemoryBytes: 48 * MiB });

    const prom = await m.call('GET', '/metrics');
    expect(prom.status).toBe(200);
    expect(String(prom.headers['content-type'])).toContain('text/plain');
    const series = (name: string) => {
      const line = prom.text.split('\n').find((l) => l.startsWith(`${name}{pool="meter"} `));
      if (!line) throw new Error(`no ${name} for pool meter in:\n${prom.text}`);
      return Number(line.split(' ')[1]);
    };
    expect(series('sockerless_pool_running')).toBe(json.running);
    expect(series('sockerless_pool_queued')).toBe(json.queued);
    expect(series('sockerless_pool_admitted_total')).toBe(json.admitted);
    expect(series('sockerless_pool_rejected_total')).toBe(json.rejected);
    expect(series('sockerless_pool_timed_out_total')).toBe(json.timedOut);
    expect(series('sockerless_pool_utilization')).toBe(json.utilization);
    expect(series('sockerless_pool_containers')).toBe(json.containers);
    expect(series('sockerless_pool_reserved_memory_bytes')).toBe(json.reservedMemoryBytes);
    expect(series('sockerless_pool_queue_wait_p99_seconds')).toBeCloseTo(json.queueWaitMs.p99 / 1000, 6);
    expect(prom.text).toContain('# TYPE sockerless_pool_admitted_total counter');

    await e.ok(['rm', '-f', holder, refused.id]);
    await m.ok('DELETE', '/internal/pools/meter');
    expect((await m.call('GET', '/metrics')).text).not.toContain('pool="meter"');
  });
});

describe('sockerless pools CLI', () => {
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [DAEMON_MAIN, 'pools', ...args], { env: { ...process.env, DOCKER_HOST: e.daemon.dockerHost }, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test('create, ls, set and rm against the running daemon', () => {
    expect(cli(['create', 'clipool', '--backends', 'a,b', '--max-concurrency', '2', '--max-memory', '1g'])).toMatchObject({ code: 0, stdout: 'clipool\n' });
    const ls = cli(['ls']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^clipool\s+a,b\s+0\s+0\s+2\s+0\s+runtime$/m);
    expect(ls.stdout).toMatch(/^default \*/m);
    expect(cli(['set', 'clipool', '--max-concurrency', 'unlimited', '--queue-size', '7'])).toMatchObject({ code: 0 });
    const inspected = JSON.parse(cli(['inspect', 'clipool']).stdout);
    expect(inspected).toMatchObject({ maxConcurrency: null, queueSize: 7, limits: { maxMemoryBytes: 1024 ** 3 } });
    expect(cli(['rm', 'clipool'])).toMatchObject({ code: 0, stdout: 'clipool\n' });
    expect(cli(['rm', 'clipool'])).toMatchObject({ code: 1, stderr: 'Error response from daemon: no such pool: clipool\n' });
  });
});
