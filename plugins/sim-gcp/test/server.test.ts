/** The listener survives clients that go away mid-request, and answers unknown routes in Google's shape. */
import { connect } from 'node:net';
import { BUSYBOX, PARENT, startSimulator, type TestSimulator } from './helpers';
import { IMAGE_VARIABLE } from '../src/functions/api';

let sim: TestSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim?.close(); });

test('a request cut off mid-body, and a function request whose client goes away, leave the simulator serving', async () => {
  const { port } = new URL(sim.endpoint);
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST /v2/${PARENT}/jobs?jobId=cut HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"templ`);
      setImmediate(() => { socket.destroy(); resolve(); });
    });
    socket.once('error', reject);
  });
  const [op] = await sim.functions.createFunction({ parent: PARENT, functionId: 'sleeper', function: { buildConfig: { environmentVariables: { [IMAGE_VARIABLE]: BUSYBOX } } } });
  const [fn] = await op.promise();
  const abort = new AbortController();
  const pending = fetch(fn.serviceConfig!.uri!, { method: 'POST', body: 'echo started; sleep 1000', signal: abort.signal });
  // Aborted once the function's process has written its first line (it is in Cloud Logging then).
  const filter = 'resource.labels.service_name="sleeper" AND timestamp>="2000-01-01T00:00:00Z"';
  for (let started = false; !started;) started = (await sim.logging.getEntries({ filter }))[0].some((e) => e.data === 'started');
  abort.abort();
  await expect(pending).rejects.toThrow();
  const res = await fetch(`${sim.endpoint}/v2/${PARENT}/jobs/cut`);
  expect(res.status).toBe(404);
  expect((await sim.functions.getFunction({ name: fn.name }))[0].state).toBe('ACTIVE');
});

test('a known path with another method is UNIMPLEMENTED (501), in the error shape', async () => {
  const res = await fetch(`${sim.endpoint}/v2/${PARENT}/jobs`, { method: 'PUT' });
  expect(res.status).toBe(501);
  expect(await res.json()).toEqual({ error: { code: 501, message: expect.stringContaining('PUT'), status: 'UNIMPLEMENTED' } });
});
