/**
 * The real docker CLI against a daemon whose containers run as Container Apps jobs, on the Azure simulator
 * (`sockerless simulator azure`, its own process and home, so jobs outlive the daemon): Docker client ->
 * daemon -> @azure/arm-appcontainers (HTTPS, the simulator's CA trusted) -> simulator -> sandbox -> Log
 * Analytics -> @azure/monitor-query-logs -> back. After a kill -9 the daemon finds its containers again; a
 * daemon on a new, empty home rebuilds them from the jobs' tags, and a container started before is still waited on.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, execOnceAgentIsIn } from '../support/aws';
import { armRequest, cloudE2E, expectExecAfterStartHere, expectExitCodeOfRun, expectLogsFollowToTheEnd, expectStopAndPsFilters } from '../support/cloud-e2e';
import { startE2E, BUSYBOX } from '../support/e2e';
import { api } from '../support/raw-http';

jest.setTimeout(180_000);

const SUB = '00000000-0000-0000-0000-0000000000e2';
const configFor = (endpoint: string, caFile: string) => `export default {
  plugins: ['store-sqlite', 'backend-local', 'backend-aca'],
  backends: { aca: { driver: 'aca', options: { endpoint: '${endpoint}', caFile: '${caFile}', subscription: '${SUB}', resourceGroup: 'e2e', environment: 'e2e-env' } } },
  defaultBackend: 'aca',
};
`;

const e = cloudE2E({ cloud: 'azure', name: 'azure-aca', config: (sim) => configFor(sim.endpoint, sim.caFile!) });

/** An ARM call on the simulator with its CA trusted (what `az rest` does below). */
function arm(path: string, method = 'GET'): Promise<{ status: number; json: any }> {
  const url = `${e.sim.endpoint}${path}${path.includes('?') ? '&' : '?'}api-version=2025-07-01`;
  return armRequest(url, { method, ca: readFileSync(e.sim.caFile!, 'utf8') });
}
const jobsPath = `/subscriptions/${SUB}/resourceGroups/e2e/providers/Microsoft.App/jobs`;

test('run --rm echo prints hi through Container Apps and leaves nothing behind', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi']);
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  expect(await e.ok(['ps', '-aq'])).toBe('');
  expect((await arm(jobsPath)).json.value).toEqual([]);
});

test('the exit code of the replica is the exit code of docker run', async () => {
  await expectExitCodeOfRun(e, 'aca');
});

test('run -d then logs -f follows Log Analytics until the execution ends', async () => {
  await expectLogsFollowToTheEnd(e);
});

test('exec and cp both ways reach the replica through the workload agent', async () => {
  const id = await e.ok(['run', '-d', '--name', 'agent-box', BUSYBOX, 'sh', '-c', 'echo ready > /tmp/state; sleep 600']);
  const out = await execOnceAgentIsIn((a) => e.docker(a), id, ['cat', '/tmp/state']);
  expect(out).toBe('ready');
  const local = join(e.dir, 'cp');
  mkdirSync(local, { recursive: true });
  writeFileSync(join(local, 'in.txt'), 'from the host\n');
  await e.ok(['cp', join(local, 'in.txt'), 'agent-box:/tmp/in.txt']);
  expect(await e.ok(['exec', id, 'cat', '/tmp/in.txt'])).toBe('from the host');
  await e.ok(['cp', 'agent-box:/tmp/state', join(local, 'state')]);
  expect(readFileSync(join(local, 'state'), 'utf8')).toBe('ready\n');
  await e.ok(['rm', '-f', id]);
});

test('stop ends the execution; ps filters by status, name and label; rm -f removes a running one', async () => {
  await expectStopAndPsFilters(e, 'aca', 2);
  expect((await arm(jobsPath)).json.value).toEqual([]);
});

test('run -t answers 501 naming why; an image ACA cannot pull is a 400 naming ARM\'s code and leaves no job', async () => {
  const tty = await e.docker(['run', '--rm', '-t', BUSYBOX, 'echo', 'hi']);
  expect(tty.code).not.toBe(0);
  expect(tty.stderr).toMatch(/TTY is not available on the Container Apps backend/);
  // The daemon has the image; the registry the replica would pull from (the simulator's) does not.
  await e.ok(['tag', BUSYBOX, 'only-here:1']);
  const r = await e.docker(['create', '--name', 'half-made', 'only-here:1', 'true']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/containerapps: InvalidParameterValueInContainerTemplate: .*only-here:1/);
  expect(await e.ok(['ps', '-aq', '--filter', 'name=half-made'])).toBe('');
  expect((await arm(jobsPath)).json.value).toEqual([]);
  // Docker's statuses and error shape on the API itself.
  const create = (body: object) => api(e.daemon.socket, 'POST', '/containers/create', JSON.stringify(body));
  const bad = await create({ Image: 'only-here:1', Cmd: ['true'] });
  expect([bad.status, bad.json()]).toEqual([400, { message: expect.stringMatching(/^containerapps: InvalidParameterValueInContainerTemplate: /) }]);
  const ttyApi = await create({ Image: BUSYBOX, Cmd: ['true'], Tty: true });
  expect([ttyApi.status, ttyApi.json()]).toEqual([501, { message: expect.stringContaining('TTY is not available on the Container Apps backend') }]);
});

test('a job deleted behind the daemon\'s back is made again at start', async () => {
  const id = await e.ok(['create', '--name', 'orphan', BUSYBOX, 'echo', 'made again']);
  const job = (await arm(jobsPath)).json.value.find((j: { tags: Record<string, string> }) => j.tags['sockerless-container-id'] === id);
  expect((await arm(`${jobsPath}/${job.name}`, 'DELETE')).status).toBe(202);
  expect(await e.ok(['start', '-a', 'orphan'])).toBe('made again');
  await e.ok(['rm', 'orphan']);
});

test('after kill -9 the daemon has its containers; a new, empty home rebuilds them from the jobs\' tags; wait and logs still work', async () => {
  await e.docker(['run', '--name', 'before-crash', '--label', 'case=crash', BUSYBOX, 'sh', '-c', 'echo bye; exit 5']);
  await e.ok(['create', '--name', 'created-only', BUSYBOX, 'echo', 'later']);
  await e.ok(['create', '--name', 'started-later', BUSYBOX, 'sleep', '600']);
  await e.ok(['run', '-d', '--name', 'still-running', BUSYBOX, 'sh', '-c', 'echo started; sleep 12; echo finished; exit 7']);
  await eventually('the first line', async () => ((await e.ok(['logs', 'still-running'])).includes('started') ? true : undefined));
  await e.daemon.kill9();
  await e.daemon.restart();
  const after = (await e.ok(['ps', '-a', '--format', '{{.Names}}|{{.State}}'])).split('\n').sort();
  expect(after).toEqual(expect.arrayContaining(['before-crash|exited', 'created-only|created']));

  const fresh = await startE2E({ config: configFor(e.sim.endpoint, e.sim.caFile!) });
  try {
    const lines = await eventually('the containers rebuilt from tags', async () => {
      const out = (await fresh.ok(['ps', '-a', '--format', '{{.Names}}|{{.Image}}|{{.Label "case"}}|{{.Status}}'])).split('\n').sort();
      return out.length >= 4 ? out : undefined;
    });
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^before-crash\|busybox:latest\|crash\|Exited \(5\)/),
      expect.stringMatching(/^created-only\|busybox:latest\|\|Created/),
      expect.stringMatching(/^still-running\|busybox:latest\|\|Up/),
    ]));
    expect(await fresh.ok(['inspect', '-f', '{{.Sockerless.Backend}} {{.Path}} {{.Args}}', 'before-crash'])).toBe('aca sh [-c echo bye; exit 5]');
    // Started by the first daemon, waited on by the new one, its output read from Log Analytics.
    expect(await fresh.ok(['wait', 'still-running'])).toBe('7');
    expect(await fresh.ok(['logs', 'still-running'])).toContain('finished');
    // Made by the first daemon, started by this one: the start carries this daemon's agent grant, so exec works.
    await expectExecAfterStartHere(fresh, 'started-later');
  } finally {
    await fresh.dispose();
  }
  await e.ok(['rm', '-f', 'before-crash', 'created-only', 'still-running', 'started-later']);
}, 300_000);

test('the Azure CLI reads the jobs and executions the daemon made (az rest, the simulator\'s CA trusted)', async () => {
  if (!existsSync('/usr/bin/az')) {
    process.stderr.write('azure-cli is not installed (apt-get install azure-cli): the az rest test did not run\n');
    return;
  }
  const id = await e.ok(['run', '-d', '--name', 'seen-by-az', BUSYBOX, 'sh', '-c', 'exit 0']);
  expect(await e.ok(['wait', id])).toBe('0');
  const az = async (url: string) => JSON.parse((await promisify(execFile)('az', ['rest', '--method', 'get', '--url', url, '--skip-authorization-header', '--output', 'json'], {
    env: { ...process.env, REQUESTS_CA_BUNDLE: e.sim.caFile!, AZURE_CONFIG_DIR: join(e.dir, 'az'), AZURE_CORE_COLLECT_TELEMETRY: 'false', AZURE_CORE_NO_COLOR: 'true' },
  })).stdout);
  const jobs = await az(`${e.sim.endpoint}${jobsPath}?api-version=2025-07-01`);
  const job = jobs.value.find((j: any) => j.tags['sockerless-name'] === 'seen-by-az');
  expect(job).toMatchObject({ tags: { 'sockerless-container-id': id, 'sockerless-managed': 'true' }, properties: { configuration: { triggerType: 'Manual', replicaRetryLimit: 0 } } });
  const executions = await az(`${e.sim.endpoint}${jobsPath}/${job.name}/executions?api-version=2025-07-01`);
  expect(executions.value).toEqual([expect.objectContaining({ properties: expect.objectContaining({ status: 'Succeeded' }) })]);
  await e.ok(['rm', id]);
});
