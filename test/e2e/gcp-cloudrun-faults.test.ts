/**
 * Google Cloud faults through the docker CLI and the Engine API, on backend-cloudrun with the Google Cloud
 * simulator in the daemon: the simulator's fault rules (PUT /sockerless/faults) answer 503 UNAVAILABLE and
 * 429 RESOURCE_EXHAUSTED on the wire. The backend retries those with backoff, so `docker run` still succeeds
 * while they come and go; when they persist, or for an error no retry can cure, the Docker status and
 * message name Google's error.
 */
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { CLOUDRUN_IN_DAEMON_CONFIG, printedSimulatorEndpoint } from '../support/gcp';

jest.setTimeout(180_000);

interface FaultStatus { error: string; matched: number; failed: number }

let e: E2E;
let endpoint: string;
beforeAll(async () => {
  e = await startE2E({ config: CLOUDRUN_IN_DAEMON_CONFIG });
  endpoint = printedSimulatorEndpoint(e.daemon.output(), 'GCP');
});
afterAll(async () => { await e?.dispose(); });
afterEach(async () => { await setFaults([]); });

async function setFaults(faults: object[]): Promise<FaultStatus[]> {
  const r = await fetch(`${endpoint}/sockerless/faults`, { method: 'PUT', body: JSON.stringify({ faults }) });
  if (r.status !== 200) throw new Error(`PUT /sockerless/faults: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { faults: FaultStatus[] }).faults;
}

async function faultCounts(): Promise<FaultStatus[]> {
  return ((await (await fetch(`${endpoint}/sockerless/faults`)).json()) as { faults: FaultStatus[] }).faults;
}

const createBody = (cmd: string[]) => JSON.stringify({ Image: BUSYBOX, Cmd: cmd });

test('every other Cloud Run call 503 and every other Cloud Logging call 429: docker run still succeeds, retried', async () => {
  await setFaults([
    { service: 'run', error: 'UNAVAILABLE', every: 2 },
    { service: 'logging', error: 'RESOURCE_EXHAUSTED', every: 2 },
  ]);
  const r = await e.docker(['run', '--rm', BUSYBOX, 'sh', '-c', 'echo through-faults; exit 3']);
  expect(r).toMatchObject({ code: 3, stdout: 'through-faults\n' });
  const [run, logging] = await faultCounts();
  // CreateJob, RunJob, GetExecution, ListTasks, DeleteJob: each failed once before it went through.
  expect(run).toMatchObject({ error: 'UNAVAILABLE' });
  expect(run.failed).toBeGreaterThanOrEqual(5);
  expect(logging).toMatchObject({ error: 'RESOURCE_EXHAUSTED' });
  expect(logging.failed).toBeGreaterThanOrEqual(1);
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('a CreateJob that stays UNAVAILABLE: 503 after 3 attempts, naming Google\'s error, and no container', async () => {
  await setFaults([{ service: 'run', method: 'POST', path: '/jobs$', error: 'UNAVAILABLE' }]);
  const created = await api(e.daemon.socket, 'POST', '/containers/create?name=never-made', createBody(['true']), { 'content-type': 'application/json' });
  expect(created.status).toBe(503);
  expect(created.json()).toEqual({ message: expect.stringMatching(/^run: UNAVAILABLE: .*fault injection.* \(after 3 attempts\)$/) });
  expect((await faultCounts())[0]).toMatchObject({ matched: 3, failed: 3 });
  // The docker CLI shows the same message.
  const r = await e.docker(['run', '--rm', BUSYBOX, 'true']);
  expect(r.code).toBe(125);
  expect(r.stderr).toMatch(/run: UNAVAILABLE: .*\(after 3 attempts\)/);
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('a quota that stays exhausted: 503 naming RESOURCE_EXHAUSTED (a 429 the Docker CLI would not retry)', async () => {
  await setFaults([{ service: 'run', method: 'POST', path: '/jobs$', error: 'RESOURCE_EXHAUSTED', message: "Quota exceeded for quota metric 'Job create requests'" }]);
  const created = await api(e.daemon.socket, 'POST', '/containers/create', createBody(['true']), { 'content-type': 'application/json' });
  expect(created.status).toBe(503);
  expect(created.json().message).toBe("run: RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Job create requests' (after 3 attempts)");
});

test('an error no retry cures is not retried: PERMISSION_DENIED on RunJob is a 403 naming it, once', async () => {
  const created = await api(e.daemon.socket, 'POST', '/containers/create?name=denied', createBody(['true']), { 'content-type': 'application/json' });
  expect(created.status).toBe(201);
  await setFaults([{ service: 'run', method: 'POST', path: ':run$', error: 'PERMISSION_DENIED', message: "Permission 'run.jobs.run' denied on resource" }]);
  const started = await api(e.daemon.socket, 'POST', '/containers/denied/start');
  expect(started.status).toBe(403);
  expect(started.json()).toEqual({ message: "run: PERMISSION_DENIED: Permission 'run.jobs.run' denied on resource" });
  expect((await faultCounts())[0]).toMatchObject({ matched: 1, failed: 1 });
  // Once the cloud allows it, the same container starts.
  await setFaults([]);
  expect((await api(e.daemon.socket, 'POST', '/containers/denied/start')).status).toBe(204);
  expect(await e.ok(['wait', 'denied'])).toBe('0');
  await e.ok(['rm', 'denied']);
});

/** The jobs Cloud Run has, by name, as the simulator lists them (no client: one page is all a test makes). */
async function jobNames(): Promise<string[]> {
  const r = await fetch(`${endpoint}/v2/projects/sockerless/locations/us-central1/jobs`);
  return (((await r.json()) as { jobs?: Array<{ name: string }> }).jobs ?? []).map((j) => j.name);
}

test('a CreateJob whose answer is lost (the job made, a 500 back): the create fails naming INTERNAL and leaves no job', async () => {
  await setFaults([{ service: 'run', method: 'POST', path: '/jobs$', error: 'INTERNAL', message: 'Internal error encountered.', afterServing: true }]);
  const created = await api(e.daemon.socket, 'POST', '/containers/create?name=half-made', createBody(['true']), { 'content-type': 'application/json' });
  expect(created.status).toBe(503);
  expect(created.json()).toEqual({ message: 'run: INTERNAL: Internal error encountered.' });
  expect((await faultCounts())[0]).toMatchObject({ matched: 1, failed: 1 });
  // The job Cloud Run made was deleted again by the failed create.
  expect(await jobNames()).toEqual([]);
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('a CreateJob whose first answer is lost (503): the retry meets its own job (409) and takes it; the container runs', async () => {
  await setFaults([{ service: 'run', method: 'POST', path: '/jobs$', error: 'UNAVAILABLE', afterServing: true, times: 1 }]);
  const created = await api(e.daemon.socket, 'POST', '/containers/create?name=retried', createBody(['sh', '-c', 'echo made-once']), { 'content-type': 'application/json' });
  expect(created.status).toBe(201);
  expect((await faultCounts())[0]).toMatchObject({ failed: 1 });
  const id = created.json().Id as string;
  expect(await jobNames()).toEqual([`projects/sockerless/locations/us-central1/jobs/sockerless-${id.slice(0, 52)}`]);
  expect(await e.docker(['start', '-a', 'retried'])).toMatchObject({ code: 0, stdout: 'made-once\n' });
  await e.ok(['rm', 'retried']);
  expect(await jobNames()).toEqual([]);
});
