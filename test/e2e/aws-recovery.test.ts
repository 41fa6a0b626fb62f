import { eventually, startPresetDaemon } from '../support/aws';
import { expectExecAfterStartHere, simulatedCloud } from '../support/cloud-e2e';

/**
 * Crash-only with a cloud backend: ECS tasks live in a standalone simulator (`sockerless simulator aws`,
 * its own process and home), so they outlive the daemon. After a SIGTERM restart and after a kill -9, the
 * daemon takes its running containers back (wait answers the real exit code, logs have the lines written
 * while it was down); a daemon on a new, empty home rebuilds the containers from the tasks' tags.
 *
 * The containers end on their own after `sleep 3`. Nothing asserts timing: whether a task is still running
 * when the daemon comes back or has ended meanwhile, `wait` must answer 5 and the logs must have both lines.
 */
const aws = simulatedCloud({
  cloud: 'aws',
  name: 'aws-recovery',
  daemon: async ({ sim, archive }) => {
    const d = await startPresetDaemon({ extraArgs: ['--simulator-endpoint', sim.endpoint] });
    await d.ok(['load', '-i', archive]).catch(async (err) => { await d.dispose(); throw err; });
    return d;
  },
});

const SCRIPT = 'echo before; sleep 3; echo after; exit 5';

async function runUntilFirstLine(name: string): Promise<string> {
  const id = await aws.daemon.ok(['run', '-d', '--name', name, '--label', `case=${name}`, 'busybox', 'sh', '-c', SCRIPT], { timeoutMs: 120_000 });
  // The daemon has stored the first line: what it must not lose or repeat is what comes after.
  await eventually(`the first line of ${name}`, async () => (await aws.daemon.ok(['logs', id])).includes('before'));
  return id;
}

async function expectEndedWell(name: string, id: string): Promise<void> {
  const ps = await aws.daemon.ok(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.ID}}']);
  expect(id.startsWith(ps)).toBe(true);
  expect(await aws.daemon.ok(['wait', name], { timeoutMs: 120_000 })).toBe('5');
  expect((await aws.daemon.ok(['logs', name])).split('\n')).toEqual(['before', 'after']);
  expect(await aws.daemon.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name])).toBe('exited 5');
}

test('a daemon restarted with SIGTERM takes its running ECS container back', async () => {
  // A removed container leaves a stopped task behind in ECS (kept for a while, as ECS does): not a container.
  await aws.daemon.ok(['run', '--rm', '--name', 'removed-before', 'busybox', 'true'], { timeoutMs: 120_000 });
  const id = await runUntilFirstLine('survives-restart');
  await aws.daemon.stop();
  await aws.daemon.restart();
  await expectEndedWell('survives-restart', id);
  expect(await aws.daemon.ok(['ps', '-a', '--filter', 'name=removed-before', '--format', '{{.Names}}'])).toBe('');
}, 300_000);

test('a daemon killed with kill -9 takes its running ECS container back', async () => {
  const id = await runUntilFirstLine('survives-crash');
  await aws.daemon.kill9();
  await aws.daemon.restart();
  await expectEndedWell('survives-crash', id);
}, 300_000);

test('a daemon on a new, empty home rebuilds the ECS containers from their tags', async () => {
  await aws.daemon.ok(['create', '--name', 'started-later', 'busybox', 'sleep', '600']);
  const fresh = await startPresetDaemon({ extraArgs: ['--simulator-endpoint', aws.sim.endpoint] });
  try {
    const lines = (await fresh.ok(['ps', '-a', '--format', '{{.Names}}|{{.Image}}|{{.Label "case"}}|{{.State}}|{{.Status}}'])).split('\n').sort();
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^survives-crash\|busybox\|survives-crash\|exited\|Exited \(5\)/),
      expect.stringMatching(/^survives-restart\|busybox\|survives-restart\|exited\|Exited \(5\)/),
    ]));
    expect(lines.some((l) => l.startsWith('removed-before|'))).toBe(false);
    expect(await fresh.ok(['inspect', '-f', '{{.Sockerless.Backend}} {{.Path}} {{.Args}}', 'survives-crash'])).toBe(`ecs sh [-c ${SCRIPT}]`);
    // Made by the first daemon, started by this one: the task's env override carries this daemon's agent grant.
    await expectExecAfterStartHere(fresh, 'started-later');
  } finally {
    await fresh.dispose();
  }
}, 300_000);
