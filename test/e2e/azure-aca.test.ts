/**
 * The real docker CLI against a daemon whose containers run as Container Apps jobs, on the Azure simulator
 * (`sockerless simulator azure`, its own process and home, so jobs outlive the daemon): Docker client ->
 * daemon -> @azure/arm-appcontainers (HTTPS, the simulator's CA trusted) -> simulator -> sandbox -> Log
 * Analytics -> @azure/monitor-query-logs -> back. After a kill -9 the daemon finds its containers again; a
 * daemon on a new, empty home rebuilds them from the jobs' tags, and a container started before is still waited on.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { eventually, execOnceAgentIsIn, startSimulatorProcess, type SimulatorProcess } from '../support/aws';
import { unmountUnder } from '../support/daemon';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { buildBusyboxImageArchive } from '../support/images';
import { api } from '../support/raw-http';

jest.setTimeout(180_000);

const SUB = '00000000-0000-0000-0000-0000000000e2';
const configFor = (endpoint: string, caFile: string) => `export default {
  plugins: ['store-sqlite', 'backend-local', 'backend-aca'],
  backends: { aca: { driver: 'aca', options: { endpoint: '${endpoint}', caFile: '${caFile}', subscription: '${SUB}', resourceGroup: 'e2e', environment: 'e2e-env' } } },
  defaultBackend: 'aca',
};
`;

let dir: string;
let sim: SimulatorProcess;
let e: E2E;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sockerless-azure-aca-'));
  const archive = await buildBusyboxImageArchive(join(dir, 'image'));
  sim = await startSimulatorProcess({ dir, load: [archive], cloud: 'azure' });
  e = await startE2E({ config: configFor(sim.endpoint, sim.caFile!) });
}, 180_000);
afterAll(async () => {
  await e?.dispose();
  await sim?.stop();
  if (dir) {
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** An ARM GET on the simulator with its CA trusted (what `az rest` does below). */
async function arm(path: string, method = 'GET'): Promise<{ status: number; body: any }> {
  const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const url = new URL(`${sim.endpoint}${path}${path.includes('?') ? '&' : '?'}api-version=2025-07-01`);
    const req = httpsRequest(url, { method, ca: readFileSync(sim.caFile!, 'utf8') }, (r) => {
      let text = '';
      r.on('data', (c: Buffer) => { text += c.toString(); });
      r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
  return { status: res.status, body: res.text ? JSON.parse(res.text) : undefined };
}
const jobsPath = `/subscriptions/${SUB}/resourceGroups/e2e/providers/Microsoft.App/jobs`;

test('run --rm echo prints hi through Container Apps and leaves nothing behind', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi']);
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  expect(await e.ok(['ps', '-aq'])).toBe('');
  expect((await arm(jobsPath)).body.value).toEqual([]);
});

test('the exit code of the replica is the exit code of docker run', async () => {
  const r = await e.docker(['run', '--name', 'exit-three', BUSYBOX, 'sh', '-c', 'echo to-err >&2; exit 3']);
  expect(r).toMatchObject({ code: 3, stderr: 'to-err\n' });
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.Sockerless.Backend}}', 'exit-three'])).toBe('exited 3 aca');
  await e.ok(['rm', 'exit-three']);
});

test('run -d then logs -f follows Log Analytics until the execution ends', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done']);
  const logs = await e.docker(['logs', '-f', id]);
  expect(logs).toMatchObject({ code: 0, stdout: 'line1\nline2\nline3\n' });
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id])).toBe('exited 0');
  await e.ok(['rm', id]);
});

test('exec and cp both ways reach the replica through the workload agent', async () => {
  const id = await e.ok(['run', '-d', '--name', 'agent-box', BUSYBOX, 'sh', '-c', 'echo ready > /tmp/state; sleep 600']);
  const out = await execOnceAgentIsIn((a) => e.docker(a), id, ['cat', '/tmp/state']);
  expect(out).toBe('ready');
  const local = join(dir, 'cp');
  mkdirSync(local, { recursive: true });
  writeFileSync(join(local, 'in.txt'), 'from the host\n');
  await e.ok(['cp', join(local, 'in.txt'), 'agent-box:/tmp/in.txt']);
  expect(await e.ok(['exec', id, 'cat', '/tmp/in.txt'])).toBe('from the host');
  await e.ok(['cp', 'agent-box:/tmp/state', join(local, 'state')]);
  expect(readFileSync(join(local, 'state'), 'utf8')).toBe('ready\n');
  await e.ok(['rm', '-f', id]);
});

test('stop ends the execution; ps filters by status, name and label; rm -f removes a running one', async () => {
  await e.ok(['run', '-d', '--name', 'aca-keep', '--label', 'team=blue', BUSYBOX, 'sleep', '600']);
  await e.ok(['run', '-d', '--name', 'aca-stop', '--label', 'team=red', BUSYBOX, 'sleep', '600']);
  const running = (await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).split('\n').sort();
  expect(running).toEqual(['aca-keep', 'aca-stop']);
  expect(await e.ok(['ps', '--filter', 'label=team=blue', '--format', '{{.Names}}'])).toBe('aca-keep');
  expect(await e.ok(['ps', '--filter', 'name=aca-st', '--format', '{{.Names}}'])).toBe('aca-stop');

  await e.ok(['stop', '-t', '2', 'aca-stop']);
  const [status, code] = (await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'aca-stop'])).split(' ');
  expect(status).toBe('exited');
  expect(['137', '143']).toContain(code);
  expect(await e.ok(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'])).toBe('aca-stop');
  expect(await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).toBe('aca-keep');

  await e.ok(['rm', '-f', 'aca-keep', 'aca-stop']);
  expect(await e.ok(['ps', '-aq'])).toBe('');
  expect((await arm(jobsPath)).body.value).toEqual([]);
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
  expect((await arm(jobsPath)).body.value).toEqual([]);
  // Docker's statuses and error shape on the API itself.
  const create = (body: object) => api(e.daemon.socket, 'POST', '/containers/create', JSON.stringify(body));
  const bad = await create({ Image: 'only-here:1', Cmd: ['true'] });
  expect([bad.status, bad.json()]).toEqual([400, { message: expect.stringMatching(/^containerapps: InvalidParameterValueInContainerTemplate: /) }]);
  const ttyApi = await create({ Image: BUSYBOX, Cmd: ['true'], Tty: true });
  expect([ttyApi.status, ttyApi.json()]).toEqual([501, { message: expect.stringContaining('TTY is not available on the Container Apps backend') }]);
});

test('a job deleted behind the daemon\'s back is made again at start', async () => {
  const id = await e.ok(['create', '--name', 'orphan', BUSYBOX, 'echo', 'made again']);
  const job = (await arm(jobsPath)).body.value.find((j: { tags: Record<string, string> }) => j.tags['sockerless-container-id'] === id);
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

  const fresh = await startE2E({ config: configFor(sim.endpoint, sim.caFile!) });
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
    await fresh.ok(['start', 'started-later']);
    const inside = await execOnceAgentIsIn((a) => fresh.docker(a), 'started-later', ['echo', 'inside']);
    expect(inside).toBe('inside');
    await fresh.ok(['rm', '-f', 'started-later']);
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
    env: { ...process.env, REQUESTS_CA_BUNDLE: sim.caFile!, AZURE_CONFIG_DIR: join(dir, 'az'), AZURE_CORE_COLLECT_TELEMETRY: 'false', AZURE_CORE_NO_COLOR: 'true' },
  })).stdout);
  const jobs = await az(`${sim.endpoint}${jobsPath}?api-version=2025-07-01`);
  const job = jobs.value.find((j: any) => j.tags['sockerless-name'] === 'seen-by-az');
  expect(job).toMatchObject({ tags: { 'sockerless-container-id': id, 'sockerless-managed': 'true' }, properties: { configuration: { triggerType: 'Manual', replicaRetryLimit: 0 } } });
  const executions = await az(`${sim.endpoint}${jobsPath}/${job.name}/executions?api-version=2025-07-01`);
  expect(executions.value).toEqual([expect.objectContaining({ properties: expect.objectContaining({ status: 'Succeeded' }) })]);
  await e.ok(['rm', id]);
});
