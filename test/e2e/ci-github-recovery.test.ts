/**
 * ci-github across a daemon `kill -9`: ten jobs are running through runners of max 3 when the daemon dies;
 * two more are queued while it is down (their webhooks find nobody). After a restart every job completes
 * exactly once (the simulator counts how often each was handed to a runner) and no runner container is left.
 */
import { eventually } from '../support/aws';
import { startCiGitHub, type CiGitHubRig } from '../support/github-sim';

jest.setTimeout(300_000);

const BIG = ['self-hosted', 'linux', 'big'];
let rig: CiGitHubRig;
beforeAll(async () => { rig = await startCiGitHub('sockerless-ci-github-kill-', { pollMs: 2_000 }); }, 240_000);
afterAll(async () => { await rig?.dispose(); });

test('kill -9 in the middle of ten jobs, then a restart: every job completes exactly once, no runner container left', async () => {
  const { gh, e } = rig;
  const jobs = await Promise.all(Array.from({ length: 10 }, (_, i) => gh.enqueue(BIG, `echo job ${i}; sleep 0.5`)));
  await eventually('some jobs done, some not', async () => {
    const done = (await gh.jobs()).filter((j) => j.status === 'completed').length;
    return done >= 2 && done <= 6;
  });
  await e.daemon.kill9();
  // Queued while the daemon is down: their webhooks fail, the poll at start finds them.
  jobs.push(await gh.enqueue(BIG, 'echo queued while down'), await gh.enqueue(BIG, 'echo also queued while down'));
  await e.daemon.restart();
  await eventually('all twelve jobs completed', async () => {
    const all = await gh.jobs();
    return jobs.every((j) => all.find((a) => a.id === j.id)?.status === 'completed');
  }, 120_000);
  const all = await gh.jobs();
  expect(jobs.map((j) => all.find((a) => a.id === j.id)).map((j) => [j!.conclusion, j!.assignments])).toEqual(Array(12).fill(['success', 1]));
  await eventually('no runner container left', async () => (await e.ok(['ps', '-aq', '--filter', 'label=com.sockerless.ci.coordinator=github'])) === '');
  await eventually('no runner registered on GitHub', async () => (await gh.runners()).length === 0);
});
