/**
 * ci-gitlab across a crash: `kill -9` of the daemon while ten jobs are running or queued, then a restart. Every
 * job completes exactly once on GitLab (one result PUT accepted), and no container or network of the runner is
 * left. The simulator lives in this process, so it outlives the daemon. The runner registers with the
 * registration token, and the token it got survives the crash in the store (one registration, not two).
 */
import { eventually } from '../support/aws';
import { startCiGitLab, type CiGitLabRig } from '../support/gitlab-sim';

jest.setTimeout(300_000);

let rig: CiGitLabRig;
beforeAll(async () => { rig = await startCiGitLab('sockerless-ci-gitlab-crash-', { concurrency: 3, register: true }); }, 240_000);
afterAll(async () => { await rig?.dispose(); });

test('kill -9 in the middle of ten jobs, then a restart: each completes exactly once, nothing is left behind', async () => {
  const jobs: Array<{ id: number; project: { id: number } }> = [];
  for (let i = 0; i < 10; i++) jobs.push(await rig.gl.submit({ tags: ['docker'], script: [`echo job ${i}`, 'sleep 1', `echo done ${i}`] }) as never);
  const view = async (j: { id: number; project: { id: number } }) => (await rig.gl.admin('GET', `/api/v4/projects/${j.project.id}/jobs/${j.id}`)).json;
  // In the middle: some jobs have printed, none of the ten is finished yet... or at least not all.
  await eventually('two jobs running', async () => (await Promise.all(jobs.map(view))).filter((j) => j.status === 'running' && j.sockerless.trace_bytes > 0).length >= 2);
  await rig.e.daemon.kill9();
  const atKill = await Promise.all(jobs.map(view));
  expect(atKill.filter((j) => j.status === 'success').length).toBeLessThan(10);
  await rig.e.daemon.restart();

  const done = await eventually('all ten finished', async () => {
    const all = await Promise.all(jobs.map(view));
    return all.every((j) => ['success', 'failed', 'canceled'].includes(j.status)) && all;
  }, 120_000);
  expect(done.map((j) => [j.status, j.sockerless.completions, j.sockerless.pickups])).toEqual(Array(10).fill(['success', 1, 1]));
  let rerun = 0;
  for (const [i, j] of jobs.entries()) {
    const trace = (await rig.gl.admin('GET', `/api/v4/projects/${j.project.id}/jobs/${j.id}/trace`)).text;
    expect(trace).toContain(`done ${i}`);
    if (trace.includes('the daemon restarted while this job ran')) rerun += 1;
  }
  // The jobs that were running at the kill ran again from the start after the restart (and reported once).
  expect(rerun).toBeGreaterThanOrEqual(1);
  // It registered once (with the registration token) and kept its token across the crash: one runner more.
  const registered = [...rig.gl.simulator.state!.runners.values()].filter((r) => r.description.startsWith('sockerless'));
  expect(registered).toHaveLength(1);
  await eventually('no container or network left', async () => (await rig.containers()).length === 0 && (await rig.networks()).length === 0);
});
