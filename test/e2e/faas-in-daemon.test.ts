/**
 * Cloud Functions and Azure Functions with their simulators inside the daemon (`simulator: 'gcp'` / `'azure'`:
 * the endpoint, and Azure's CA, come from the running simulator), one pool each, side by side.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { buildBusyboxRootfsTar } from '../support/images';

jest.setTimeout(180_000);

const GROUP = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/functions';
const WORKSPACE = `${GROUP}/providers/Microsoft.OperationalInsights/workspaces/fnlogs`;
const CONFIG = `export default {
  plugins: ['store-sqlite', 'backend-local', 'sim-gcp', 'sim-azure', 'backend-faas', 'pools'],
  simulators: { gcp: { listen: 'tcp://127.0.0.1:0' }, azure: { listen: 'tcp://127.0.0.1:0' } },
  backends: {
    gcf: { driver: 'cloudfunctions', options: { simulator: 'gcp', project: 'p1', pollIntervalMs: { min: 10, max: 200 } } },
    azf: { driver: 'azurefunctions', options: { simulator: 'azure', resourceGroup: 'functions', logWorkspace: '${WORKSPACE}', pollIntervalMs: { min: 10, max: 200 } } },
  },
  pools: { default: { backends: ['gcf'] }, azf: { backends: ['azf'] } },
  defaultPool: 'default',
};
`;

let e: E2E;
beforeAll(async () => {
  e = await startE2E({ config: CONFIG });
  // The daemon prints each simulator's endpoint, and Azure's CA file; the operator makes the group and workspace once.
  const endpoint = /AZURE simulator: (https:\/\/\S+)/.exec(e.daemon.output())?.[1];
  const caFile = /AZURE simulator CA file \(trust it\): (\S+)/.exec(e.daemon.output())?.[1];
  if (!endpoint || !caFile) throw new Error(`no Azure simulator in the daemon's output:\n${e.daemon.output()}`);
  const ca = readFileSync(caFile, 'utf8');
  const put = (path: string) => new Promise<void>((resolve, reject) => {
    const body = JSON.stringify({ location: 'eastus' });
    const req = request(new URL(path, endpoint), { method: 'PUT', ca, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`PUT ${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
  await put(`${GROUP}?api-version=2021-04-01`);
  await put(`${WORKSPACE}?api-version=2022-10-01`);
}, 180_000);
afterAll(async () => {
  await e?.dispose();
});

test('a container in each pool runs on its cloud\'s functions, with its output and exit code', async () => {
  const gcf = await e.docker(['run', '--name', 'on-gcf', BUSYBOX, 'sh', '-c', 'echo from google; echo err >&2; exit 2']);
  expect(gcf).toMatchObject({ code: 2, stdout: 'from google\n', stderr: 'err\n' });
  const azf = await e.docker(['run', '--name', 'on-azf', '--label', 'com.sockerless.pool=azf', BUSYBOX, 'sh', '-c', 'echo from azure; echo err >&2; exit 3']);
  expect(azf).toMatchObject({ code: 3, stdout: 'from azure\n', stderr: 'err\n' });
  expect((await e.ok(['inspect', '-f', '{{.Name}} {{.Sockerless.Backend}}', 'on-gcf', 'on-azf'])).split('\n')).toEqual(['/on-gcf gcf', '/on-azf azf']);
  await e.ok(['rm', 'on-gcf', 'on-azf']);
});

test('an image whose own command is not a shell is said to have not run the container\'s command, on both kinds', async () => {
  // The simulators run a function's image with its own command; this one echoes instead of reading the request.
  const tar = await buildBusyboxRootfsTar(join(e.daemon.dir, 'rootfs-not-a-shell'));
  await e.ok(['import', '--change', 'CMD ["/bin/echo", "the image speaks"]', tar, 'not-a-shell:1']);
  for (const pool of ['default', 'azf']) {
    const r = await e.docker(['run', '--rm', '--label', `com.sockerless.pool=${pool}`, 'not-a-shell:1', 'echo', 'never']);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('the image speaks\n');
    expect(r.stderr).toContain("the function's image did not run the container's command");
  }
});
