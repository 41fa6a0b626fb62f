/** Health checks and restart policies, through the real docker CLI (and the raw API for create errors). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DOCKER_CLI } from '../support/docker-cli';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { buildBusyboxRootfsTar } from '../support/images';
import { api } from '../support/raw-http';

let e: E2E;
beforeAll(async () => { e = await startE2E(); });
afterAll(async () => { await e?.dispose(); });

/** Generous: probes and restarts are timers, and the machine may be busy with the other jest worker. */
const DEADLINE_MS = 30_000;

const inspect = (id: string, format: string) => e.ok(['inspect', '-f', format, id]);

/** Asks `probe` until it returns something, or fails with what it last saw once the deadline passes. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = DEADLINE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

const waitForState = (id: string, format: string, wanted: (v: string) => boolean) =>
  waitFor(`${id.slice(0, 12)} ${format}`, async () => {
    const v = await inspect(id, format);
    return wanted(v) ? v : undefined;
  });

/**
 * Follows `docker events` for one container (from `since`, so nothing before the follower connected is
 * missed) until `done` says the lines seen so far are enough; the follower is stopped by its pid.
 */
function followEvents(since: number, filters: string[], done: (lines: string[]) => boolean): { lines: Promise<string[]>; stop(): void } {
  const follower = spawn(DOCKER_CLI, ['events', '--since', String(since), ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Action}}'], {
    env: { PATH: process.env.PATH!, HOME: e.daemon.dir, DOCKER_HOST: e.daemon.dockerHost, DOCKER_CONFIG: join(e.daemon.dir, 'docker-config') },
  });
  let text = '';
  const lines = new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`events seen before the deadline: ${JSON.stringify(text)}`)), DEADLINE_MS);
    follower.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      const seen = text.split('\n').filter(Boolean);
      if (done(seen)) { clearTimeout(timer); resolve(seen); }
    });
  });
  return { lines, stop: () => { if (follower.pid) process.kill(follower.pid); } };
}

const nowSeconds = () => Math.floor(Date.now() / 1000) - 1;

describe('health checks', () => {
  test('failing probes make it unhealthy after the retries, a passing one heals it; events, inspect and ps follow', async () => {
    const since = nowSeconds();
    const id = await e.ok(['run', '-d', '--pull', 'never', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '200ms', '--health-retries', '2', BUSYBOX, 'sleep', '300']);
    const events = followEvents(since, [`container=${id}`, 'event=health_status'], (seen) => seen.includes('health_status: healthy'));
    try {
      await waitForState(id, '{{.State.Health.Status}}', (s) => s === 'unhealthy');
      const health = JSON.parse(await inspect(id, '{{json .State.Health}}'));
      expect(health.FailingStreak).toBeGreaterThanOrEqual(2);
      expect(health.Log.length).toBeGreaterThanOrEqual(2);
      expect(health.Log.length).toBeLessThanOrEqual(5);
      expect(health.Log.at(-1)).toMatchObject({ ExitCode: 1, Output: '' });
      expect(await e.ok(['ps', '--filter', `id=${id}`, '--format', '{{.Status}}'])).toMatch(/^Up .* \(unhealthy\)$/);
      expect(await e.ok(['ps', '-q', '--no-trunc', '--filter', 'health=unhealthy'])).toContain(id);

      await e.ok(['exec', id, 'touch', '/tmp/ok']);
      expect(await events.lines).toEqual(['health_status: unhealthy', 'health_status: healthy']);
      expect(await inspect(id, '{{.State.Health.Status}} {{.State.Health.FailingStreak}}')).toBe('healthy 0');
      expect(await e.ok(['ps', '--filter', `id=${id}`, '--format', '{{.Status}}'])).toMatch(/^Up .* \(healthy\)$/);
      expect(await e.ok(['ps', '-q', '--no-trunc', '--filter', 'health=healthy'])).toContain(id);
    } finally {
      events.stop();
    }
    // dockerd runs probes as execs of the container and says so in its events.
    const until = Math.ceil(Date.now() / 1000) + 1;
    const execs = await e.ok(['events', '--since', String(since), '--until', String(until), '--filter', `container=${id}`, '--filter', 'event=exec_create', '--format', '{{.Action}}']);
    expect(execs.split('\n')).toContain('exec_create: /bin/sh -c test -f /tmp/ok');
    await e.ok(['rm', '-f', id]);
  });

  test('a container inside its first interval is starting; one without a health check has no Health and counts as none', async () => {
    const checked = await e.ok(['run', '-d', '--pull', 'never', '--health-cmd', 'true', '--health-interval', '60s', BUSYBOX, 'sleep', '300']);
    const plain = await e.ok(['run', '-d', '--pull', 'never', BUSYBOX, 'sleep', '300']);
    expect(await inspect(checked, '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{len .State.Health.Log}}')).toBe('starting 0 0');
    expect(await e.ok(['ps', '--filter', `id=${checked}`, '--format', '{{.Status}}'])).toMatch(/^Up .* \(health: starting\)$/);
    expect(await e.ok(['ps', '--filter', `id=${plain}`, '--format', '{{.Status}}'])).toMatch(/^Up [^(]*$/);
    expect(await inspect(plain, '{{json .State.Health}}')).toBe('null');
    const starting = await e.ok(['ps', '-q', '--no-trunc', '--filter', 'health=starting']);
    const none = await e.ok(['ps', '-q', '--no-trunc', '--filter', 'health=none']);
    expect(starting.split('\n')).toContain(checked);
    expect(starting.split('\n')).not.toContain(plain);
    expect(none.split('\n')).toContain(plain);
    expect(none.split('\n')).not.toContain(checked);
    const bad = await e.docker(['ps', '--filter', 'health=fine']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Unrecognised filter value for health: fine');
    await e.ok(['rm', '-f', checked, plain]);
  });

  test("the image's HEALTHCHECK is used, --no-healthcheck turns it off, and the CLI refuses --health-cmd with --no-healthcheck", async () => {
    const tar = await buildBusyboxRootfsTar(join(e.daemon.dir, 'rootfs-build'));
    await e.ok(['import', '--change', 'CMD ["sleep", "300"]', '--change', 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin',
      '--change', 'HEALTHCHECK --interval=200ms --retries=2 CMD test -d /tmp', tar, 'busybox:healthcheck']);
    expect(JSON.parse(await e.ok(['image', 'inspect', '-f', '{{json .Config.Healthcheck}}', 'busybox:healthcheck'])))
      .toEqual({ Test: ['CMD-SHELL', 'test -d /tmp'], Interval: 200_000_000, Retries: 2 });
    const checked = await e.ok(['run', '-d', '--pull', 'never', 'busybox:healthcheck']);
    const unchecked = await e.ok(['run', '-d', '--pull', 'never', '--no-healthcheck', 'busybox:healthcheck']);
    await waitForState(checked, '{{.State.Health.Status}}', (s) => s === 'healthy');
    expect(await e.ok(['ps', '--filter', `id=${checked}`, '--format', '{{.Status}}'])).toMatch(/^Up .* \(healthy\)$/);
    // Both ran for as long as it took the first one to pass a probe at the same interval.
    expect(await inspect(unchecked, '{{json .State.Health}} {{index .Config.Healthcheck.Test 0}}')).toBe('null NONE');

    const conflict = await e.docker(['run', '-d', '--pull', 'never', '--no-healthcheck', '--health-cmd', 'true', 'busybox:healthcheck']);
    expect(conflict.code).toBe(125);
    expect(conflict.stderr).toContain('--no-healthcheck conflicts with --health-* options');
    await e.ok(['rm', '-f', checked, unchecked]);
  });

  test('a probe past its timeout fails with dockerd\'s message and is killed', async () => {
    const id = await e.ok(['run', '-d', '--pull', 'never', '--health-cmd', 'sleep 30', '--health-timeout', '300ms', '--health-interval', '100ms', '--health-retries', '1', BUSYBOX, 'sleep', '300']);
    await waitForState(id, '{{.State.Health.FailingStreak}}', (s) => Number(s) >= 3);
    const health = JSON.parse(await inspect(id, '{{json .State.Health}}'));
    expect(health.Status).toBe('unhealthy');
    expect(health.Log.at(-1)).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (300ms)' });
    // Three probes timed out; at most the one in flight may still be sleeping.
    const sleeping = (await e.ok(['exec', id, 'ps', '-o', 'stat,args'])).split('\n').filter((l) => /^\s*[RS]\S*\s+sleep 30$/.test(l));
    expect(sleeping.length).toBeLessThanOrEqual(1);
    await e.ok(['rm', '-f', id]);
  });
});

describe('create checks', () => {
  const create = (body: Record<string, unknown>) => api(e.daemon.socket, 'POST', '/containers/create', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'], ...body }));

  test.each([
    [{ Healthcheck: { Test: ['CMD', 'true'], Interval: 500_000 } }, 'Interval in Healthcheck cannot be less than 1ms'],
    [{ Healthcheck: { Test: ['CMD', 'true'], Timeout: -1 } }, 'Timeout in Healthcheck cannot be less than 1ms'],
    [{ Healthcheck: { Test: ['CMD', 'true'], Retries: -1 } }, 'Retries in Healthcheck cannot be negative'],
    [{ Healthcheck: { Test: ['CMD', 'true'], StartPeriod: 10 } }, 'StartPeriod in Healthcheck cannot be less than 1ms'],
    [{ Healthcheck: { Test: ['CMD', 'true'], StartInterval: 10 } }, 'StartInterval in Healthcheck cannot be less than 1ms'],
    [{ HostConfig: { RestartPolicy: { Name: 'sometimes' } } }, "invalid restart policy 'sometimes'"],
    [{ HostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } } }, "maximum retry count cannot be used with restart policy 'always'"],
    [{ HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -1 } } }, 'maximum retry count cannot be negative'],
    [{ HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'unless-stopped' } } }, "can't create 'AutoRemove' container with restart policy"],
  ])('%j is a 400: %s', async (body, message) => {
    const r = await create(body);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ message });
  });

  test('the CLI shows the daemon\'s refusal of a retry count with always', async () => {
    const r = await e.docker(['create', '--pull', 'never', '--restart', 'always:3', BUSYBOX, 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("maximum retry count cannot be used with restart policy 'always'");
  });
});

describe('restart policies', () => {
  test('on-failure:2 runs a failing command three times, ends exited with RestartCount 2, with die and start events only', async () => {
    const since = nowSeconds();
    // Attached, the CLI answers with the first exit (its wait is for the next exit), as with dockerd.
    const first = await e.docker(['run', '--pull', 'never', '--name', 'on-failure-2', '--restart', 'on-failure:2', BUSYBOX, 'sh', '-c', 'echo ran; exit 3']);
    expect(first.code).toBe(3);
    await waitForState('on-failure-2', '{{.State.Status}}', (s) => s === 'exited');
    expect(await inspect('on-failure-2', '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}} {{.State.Restarting}} {{.State.Running}}')).toBe('exited 3 2 false false');
    expect(await e.ok(['logs', 'on-failure-2'])).toBe('ran\nran\nran');
    const until = Math.ceil(Date.now() / 1000) + 1;
    const actions = await e.ok(['events', '--since', String(since), '--until', String(until), '--filter', 'container=on-failure-2', '--format', '{{.Action}}']);
    expect(actions.split('\n')).toEqual(['create', 'attach', 'start', 'die', 'start', 'die', 'start', 'die']);
    await e.ok(['rm', 'on-failure-2']);
  });

  test('always restarts a command that exits, shows restarting, and docker stop ends it for good', async () => {
    const id = await e.ok(['run', '-d', '--pull', 'never', '--restart', 'always', BUSYBOX, 'sh', '-c', 'exit 0']);
    await waitForState(id, '{{.RestartCount}}', (n) => Number(n) >= 2);
    await waitFor('ps to list it as restarting', async () => {
      const status = await e.ok(['ps', '--filter', `id=${id}`, '--filter', 'status=restarting', '--format', '{{.Status}}']);
      return /^Restarting \(0\) /.test(status) ? status : undefined;
    });
    expect(await inspect(id, '{{.HostConfig.RestartPolicy.Name}}')).toBe('always');

    await e.ok(['stop', id]);
    const after = await inspect(id, '{{.State.Status}} {{.State.Running}} {{.State.Restarting}} {{.RestartCount}}');
    expect(after).toMatch(/^exited false false \d+$/);
    // It stays down: watched for longer than any backoff it had reached.
    const watchUntil = Date.now() + 3_000;
    while (Date.now() < watchUntil) expect(await inspect(id, '{{.State.Status}} {{.State.Running}} {{.State.Restarting}} {{.RestartCount}}')).toBe(after);
    await e.ok(['rm', id]);
  });

  test('a restarting container cannot be removed without force; rm -f and a manual start end the pending restart', async () => {
    const id = await e.ok(['run', '-d', '--pull', 'never', '--restart', 'always', BUSYBOX, 'sh', '-c', 'exit 1']);
    // By the fourth restart the next delay is 1.6 s: long enough to catch it restarting.
    await waitForState(id, '{{.RestartCount}}', (n) => Number(n) >= 4);
    await waitForState(id, '{{.State.Status}}', (s) => s === 'restarting');
    const refused = await e.docker(['rm', id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`You cannot remove a restarting container ${id}`);

    // A manual start runs it now and begins a new restart history, as dockerd's does.
    await waitForState(id, '{{.State.Status}}', (s) => s === 'restarting');
    await e.ok(['start', id]);
    await waitForState(id, '{{.RestartCount}}', (n) => Number(n) >= 1 && Number(n) < 4);

    await e.ok(['rm', '-f', id]);
    expect((await e.docker(['inspect', id])).code).toBe(1);
  });

  test('after a daemon restart: always and unless-stopped come back, unless-stopped stopped by hand stays down', async () => {
    const run = (name: string, policy: string) => e.ok(['run', '-d', '--pull', 'never', '--name', name, '--restart', policy, BUSYBOX, 'sleep', '300']);
    await Promise.all([run('us-running', 'unless-stopped'), run('us-stopped', 'unless-stopped'), run('al-running', 'always'), run('al-stopped', 'always'), run('no-policy', 'no')]);
    await e.ok(['stop', '-t', '0', 'us-stopped', 'al-stopped']);

    await e.daemon.stop();
    await e.daemon.restart();
    const running = (name: string) => waitForState(name, '{{.State.Status}}', (s) => s === 'running');
    await Promise.all([running('us-running'), running('al-running'), running('al-stopped')]);
    expect(await inspect('us-stopped', '{{.State.Status}}')).toBe('exited');
    // Live-restore: a container that was running stays running, whatever its policy.
    expect(await inspect('no-policy', '{{.State.Status}}')).toBe('running');

    // The same after a crash: the record says which ones were stopped by hand.
    await e.daemon.kill9();
    await e.daemon.restart();
    await Promise.all([running('us-running'), running('al-running'), running('al-stopped')]);
    expect(await inspect('us-stopped', '{{.State.Status}}')).toBe('exited');
    await e.ok(['rm', '-f', 'us-running', 'us-stopped', 'al-running', 'al-stopped', 'no-policy']);
  });
});
