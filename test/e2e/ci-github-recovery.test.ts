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
  const explain = async (err: Error): Promise<never> => {
    const jobs = (await gh.jobs()).map((j) => `${j.id} ${j.status} ${j.conclusion} ${j.runner_name} x${j.assignments}`).join('\n');
    const ps = (await e.docker(['ps', '-a', '--filter', 'label=com.sockerless.ci.coordinator=github'])).stdout;
    throw new Error(`${err.message}\njobs:\n${jobs}\nrunners: ${JSON.stringify(await gh.runners())}\n${ps}\n${e.daemon.output().slice(-6000)}`);
  };
  const jobs = await Promise.all(Array.from({ length: 10 }, (_, i) => gh.enqueue(BIG, `echo job ${i}; sleep 0.5`)));
  // The kill comes while runners are running jobs (they outlive the daemon: live-restore) and jobs still wait.
  await eventually('some jobs done, some running, some queued', async () => {
    const all = await gh.jobs();
    const count = (status: string) => all.filter((j) => j.status === status).length;
    return count('completed') >= 2 && count('in_progress') >= 1 && count('queued') >= 1;
  }, 60_000);
  await e.daemon.kill9();
  // Queued while the daemon is down: their webhooks fail, the poll at start finds them.
  jobs.push(await gh.enqueue(BIG, 'echo queued while down'), await gh.enqueue(BIG, 'echo also queued while down'));
  await e.daemon.restart();
  await eventually('all twelve jobs completed', async () => {
    const all = await gh.jobs();
    return jobs.every((j) => all.find((a) => a.id === j.id)?.status === 'completed');
  }, 120_000).catch(explain);
  const all = await gh.jobs();
  expect(jobs.map((j) => all.find((a) => a.id === j.id)).map((j) => [j!.conclusion, j!.assignments])).toEqual(Array(12).fill(['success', 1]));
  await eventually('no runner container left', async () => (await e.ok(['ps', '-aq', '--filter', 'label=com.sockerless.ci.coordinator=github'])) === '').catch(explain);
  await eventually('no runner registered on GitHub', async () => (await gh.runners()).length === 0).catch(explain);
});
