/**
 * The real docker CLI against a daemon whose containers run as Cloud Functions (2nd gen), on the Google Cloud
 * simulator (`sockerless simulator gcp`, its own process and home, so functions outlive the daemon): Docker
 * client -> daemon -> backend-faas `cloudfunctions` -> @google-cloud/functions (REST) -> HTTP -> simulator ->
 * the function's request in the sandbox with the workload agent -> Cloud Logging -> back. The cases every
 * HTTP-triggered provider passes are in faas-http-cases.ts; Google's own are here.
 */
import { cloudE2E } from '../support/cloud-e2e';
import { BUSYBOX } from '../support/e2e';
import { api } from '../support/raw-http';
import { faasHttpCases } from './faas-http-cases';

jest.setTimeout(180_000);

const configFor = (endpoint: string) => `export default {
  plugins: ['store-sqlite', 'backend-local', 'backend-faas'],
  backends: { gcf: { driver: 'cloudfunctions', options: { endpoint: '${endpoint}', project: 'p1', region: 'us-central1', pollIntervalMs: { min: 10, max: 200 } } } },
  defaultBackend: 'gcf',
};
`;

const e = cloudE2E({ cloud: 'gcp', name: 'gcp-functions', config: (sim) => configFor(sim.endpoint) });

/** The simulator's functions, through its REST API as the official client sends it. */
async function functionIds(): Promise<string[]> {
  const res = await fetch(`${e.sim.endpoint}/v2/projects/p1/locations/us-central1/functions`);
  const body = await res.json() as { functions?: Array<{ name: string }> };
  return (body.functions ?? []).map((f) => f.name.split('/').pop()!);
}

faasHttpCases(() => ({ e, config: configFor(e.sim.endpoint), backend: 'gcf', cloud: 'Cloud Functions', functionCount: async () => (await functionIds()).length }));

test('env names Cloud Functions reserves are refused; a Google error keeps its name and maps to Docker\'s status', async () => {
  const reserved = await e.docker(['run', '--rm', '-e', 'K_SERVICE=x', BUSYBOX, 'true']);
  expect(reserved.stderr).toContain('K_SERVICE is reserved by Cloud Functions');
  // An image the daemon has but the simulator's registry does not: the function's create operation fails
  // with Google's NOT_FOUND, which is Docker's 404, and no function is left.
  await e.ok(['tag', BUSYBOX, 'only-in-the-daemon:1']);
  const missing = await api(e.daemon.socket, 'POST', '/containers/create', JSON.stringify({ Image: 'only-in-the-daemon:1', Cmd: ['true'] }));
  expect(missing.status).toBe(404);
  expect(missing.text).toContain("functions: NOT_FOUND: Image 'only-in-the-daemon:1' not found.");
  expect(await functionIds()).toEqual([]);
});
