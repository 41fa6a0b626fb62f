/** Stop, kill, restart, ps filters and the events stream, through the real docker CLI. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DOCKER_CLI } from '../support/docker-cli';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
beforeAll(async () => { e = await startE2E(); });
afterAll(async () => { await e?.dispose(); });

test('stop -t 1 kills a process that ignores SIGTERM, and reports 137', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'trap "" TERM; echo armed; while true; do sleep 1; done']);
  // Wait for the trap to be armed (its output), not for a fixed time.
  for (let i = 0; i < 100 && !(await e.ok(['logs', id])).includes('armed'); i++) await e.ok(['inspect', id]);
  const started = Date.now();
  await e.ok(['stop', '-t', '1', id]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id])).toBe('exited 137');
  await e.ok(['rm', id]);
});

test('stop of a process that honours SIGTERM ends it with its own code', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.1; done']);
  for (let i = 0; i < 100 && (await e.ok(['exec', id, 'sh', '-c', 'ps | grep -c "sleep 0.1" || true'])) === '0'; i++);
  await e.ok(['stop', '-t', '10', id]);
  expect(await e.ok(['inspect', '-f', '{{.State.ExitCode}}', id])).toBe('42');
  await e.ok(['rm', id]);
});

test('kill -s delivers the named signal to the process', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'trap "echo got-usr1; exit 5" USR1; echo ready; while true; do sleep 0.1; done']);
  for (let i = 0; i < 200 && !(await e.ok(['logs', id])).includes('ready'); i++);
  await e.ok(['kill', '-s', 'USR1', id]);
  expect(await e.ok(['wait', id])).toBe('5');
  expect(await e.ok(['logs', id])).toBe('ready\ngot-usr1');
  const notRunning = await e.docker(['kill', id]);
  expect(notRunning.code).toBe(1);
  expect(notRunning.stderr).toContain('is not running');
  await e.ok(['rm', id]);
});

test('restart runs the command again and keeps the writable layer', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'echo run >> /count; cat /count | wc -l; sleep 60']);
  // The first run has counted before it is killed (restart -t 0 may otherwise cut it between its two commands).
  for (let i = 0; i < 200 && !(await e.ok(['logs', id])).includes('1'); i++);
  await e.ok(['restart', '-t', '0', id]);
  for (let i = 0; i < 200 && !(await e.ok(['logs', id])).includes('2'); i++);
  expect((await e.ok(['logs', id])).split('\n')).toEqual(['1', '2']);
  await e.ok(['rm', '-f', id]);
});

test('ps filters: status, label, name, ancestor, exited, id, before/since, and -a/-q/--no-trunc', async () => {
  const a = await e.ok(['run', '-d', '--name', 'ps-a', '--label', 'team=red', BUSYBOX, 'sleep', '60']);
  const b = await e.ok(['run', '-d', '--name', 'ps-b', '--label', 'team=blue', BUSYBOX, 'sh', '-c', 'exit 2']);
  expect(await e.ok(['wait', b])).toBe('2');
  const c = await e.ok(['create', '--name', 'ps-c', '--label', 'team=red', BUSYBOX, 'true']);
  const q = (args: string[]) => e.ok(['ps', '-q', '--no-trunc', ...args]).then((s) => s.split('\n').filter(Boolean).sort());
  expect(await q([])).toEqual([a]);
  expect(await q(['-a', '--filter', 'label=team=red'])).toEqual([a, c].sort());
  expect(await q(['-a', '--filter', 'status=exited'])).toEqual([b]);
  expect(await q(['-a', '--filter', 'status=created'])).toEqual([c]);
  expect(await q(['-a', '--filter', 'exited=2'])).toEqual([b]);
  expect(await q(['-a', '--filter', 'name=ps-b'])).toEqual([b]);
  expect(await q(['-a', '--filter', `id=${a.slice(0, 10)}`])).toEqual([a]);
  expect(await q(['-a', '--filter', 'label=team', '--filter', 'ancestor=busybox'])).toEqual([a, b, c].sort());
  expect(await q(['-a', '--filter', 'since=ps-a', '--filter', 'label=team'])).toEqual([b, c].sort());
  expect(await q(['-a', '--filter', 'before=ps-c', '--filter', 'label=team'])).toEqual([a, b].sort());
  expect(await q(['-a', '--filter', 'network=bridge', '--filter', 'label=team'])).toEqual([a, b, c].sort());
  expect(await e.ok(['ps', '-a', '-n', '1', '--format', '{{.Names}}'])).toBe('ps-c');
  const bad = await e.docker(['ps', '--filter', 'status=sleepy']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain(`Invalid filter 'status=sleepy'`);
  await e.ok(['rm', '-f', a, b, c]);
  const running = await e.docker(['rm', await e.ok(['run', '-d', BUSYBOX, 'sleep', '60'])]);
  expect(running.code).toBe(1);
  expect(running.stderr).toContain('You cannot remove a running container');
  await e.ok(['rm', '-f', ...(await q([]))]);
});

test('a follower of docker events sees create, attach, start, die and destroy of a run', async () => {
  // --since before the run makes the follower replay what happened before it connected, so the test
  // needs no timing assumption about when the follower is subscribed.
  const since = Math.floor(Date.now() / 1000) - 1;
  const follower = spawn(DOCKER_CLI, ['events', '--since', String(since), '--filter', 'type=container', '--filter', 'label=evt=1', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], {
    env: { PATH: process.env.PATH!, HOME: e.daemon.dir, DOCKER_HOST: e.daemon.dockerHost, DOCKER_CONFIG: join(e.daemon.dir, 'docker-config') },
  });
  let seen = '';
  const sawDestroy = new Promise<void>((resolve) => follower.stdout.on('data', (d: Buffer) => {
    seen += d.toString();
    if (seen.includes('destroy evt-run')) resolve();
  }));
  try {
    await e.ok(['run', '--rm', '--name', 'evt-run', '--label', 'evt=1', BUSYBOX, 'true']);
    await sawDestroy;
  } finally {
    follower.kill();
  }
  expect(seen.trim().split('\n')).toEqual(['create evt-run', 'attach evt-run', 'start evt-run', 'die evt-run', 'destroy evt-run']);
});

test('events --since replays the past and --until ends the stream', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await e.ok(['run', '--rm', '--name', 'evt-past', BUSYBOX, 'true']);
  const until = Math.ceil(Date.now() / 1000) + 1;
  const out = await e.ok(['events', '--since', String(since), '--until', String(until), '--filter', 'type=container', '--filter', 'container=evt-past', '--format', '{{.Action}}']);
  expect(out.split('\n')).toEqual(['create', 'attach', 'start', 'die', 'destroy']);
});
