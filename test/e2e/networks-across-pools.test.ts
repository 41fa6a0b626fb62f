/**
 * One network across the daemon's local instances, and tenants kept apart on the network, through the real
 * docker CLI: two pools, each with its own `local` instance, share one bridge per network, so containers of
 * one network reach each other whichever pool they run in (by name on a user-defined network, by address on
 * the default one); a tenant's networks (its default `bridge` included) are its own, so another tenant's
 * containers are neither reachable nor findable; removing a network removes its one bridge, and a stopped
 * daemon leaves none.
 */
import { execFileSync } from 'node:child_process';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { bridgeNameOf, hostObjectsOf } from '../support/host-network';
import { managementApi, poolLabel, type PoolStatus } from '../support/pools';
import { cliWithToken, type TenantCli } from '../support/tenant-cli';

const CONFIG = `export default ${JSON.stringify({
  plugins: ['store-sqlite', 'backend-local', 'pools', 'scheduler-roundrobin', 'tenants'],
  backends: { a: { driver: 'local' }, b: { driver: 'local' } },
  defaultBackend: 'a',
  pools: { default: { backends: ['a'] }, 'red-a': { backends: ['a'] }, 'red-b': { backends: ['b'] }, blue: { backends: ['b'] } },
  tenants: { tenants: { red: { tokens: ['red-token'], pools: ['red-a', 'red-b'] }, blue: { tokens: ['blue-token'], pools: ['blue'] } } },
}, null, 2)};\n`;

let e: E2E;
type Cli = (args: string[]) => Promise<string>;
let red: TenantCli;
let blue: TenantCli;

beforeAll(async () => {
  e = await startE2E({ config: CONFIG });
  red = cliWithToken(e, 'red', 'red-token');
  blue = cliWithToken(e, 'blue', 'blue-token');
});
afterAll(async () => { await e?.dispose(); });

/** A detached web server answering `text` on port 8080, with these extra run flags. */
const web = (ok: Cli, flags: string[], text: string) =>
  ok(['run', '-d', '--pull', 'never', ...flags, BUSYBOX, 'sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 8080 -h /www`]);

/** Fetches from a new container, retrying until the server listens (`timeout` bounds each try: busybox's `wget -T` crashes). */
const fetchFrom = (ok: Cli, flags: string[], url: string) =>
  ok(['run', '--rm', '--pull', 'never', ...flags, BUSYBOX, 'sh', '-c',
    `for i in $(seq 1 50); do timeout 2 wget -q -O- ${url} && exit 0; sleep 0.1; done; exit 1`]);

const ipOn = (ok: Cli, network: string, id: string) => ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, id]);
const bridgesOfDaemon = () => hostObjectsOf(e.daemon.home).links.filter((l) => /^sl[0-9a-f]{5}b/.test(l));
const linkExists = (name: string) => { try { execFileSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }); return true; } catch { return false; } };

/** Which backend instance each of these containers runs in, from the pools' own accounting. */
async function instancesOf(pools: string[]): Promise<string[]> {
  const m = managementApi(e.daemon);
  const status = await Promise.all(pools.map((p) => m.pool(p) as Promise<PoolStatus>));
  return status.map((s) => Object.entries(s.containersPerBackend).filter(([, n]) => n > 0).map(([b]) => b).join(','));
}

test("one tenant's containers in two pools (two instances) on one user-defined network reach each other by name", async () => {
  const netId = await red.ok(['network', 'create', 'shared']);
  const server = await web(red.ok, ['--network', 'shared', '--name', 'red-site', '--network-alias', 'www', ...poolLabel('red-a')], 'across');
  expect(await fetchFrom(red.ok, ['--network', 'shared', ...poolLabel('red-b')], 'http://red-site:8080/')).toBe('across');
  expect(await fetchFrom(red.ok, ['--network', 'shared', ...poolLabel('red-b')], 'http://www:8080/')).toBe('across');
  const client = await red.ok(['run', '-d', '--pull', 'never', '--network', 'shared', '--name', 'red-client', ...poolLabel('red-b'), BUSYBOX, 'sleep', '300']);
  expect(await instancesOf(['red-a', 'red-b'])).toEqual(['a', 'b']);
  // The server finds the client that came later, by name, in the other instance.
  const clientIp = await ipOn(red.ok, 'shared', client);
  expect(await red.ok(['exec', server, 'sh', '-c', 'ping -c 1 -W 2 red-client >/dev/null && grep red-client /etc/hosts'])).toContain(clientIp);
  // One bridge for the network, not one per instance.
  expect(bridgesOfDaemon().filter((b) => b === bridgeNameOf(e.daemon.home, netId))).toHaveLength(1);
  await red.ok(['rm', '-f', server, client]);
});

test('on the default network, containers of two pools reach each other by address, through one bridge', async () => {
  const server = await web(e.ok, poolLabel('red-a'), 'default-across');
  const ip = await ipOn(e.ok, 'bridge', server);
  expect(await fetchFrom(e.ok, poolLabel('red-b'), `http://${ip}:8080/`)).toBe('default-across');
  const bridgeId = await e.ok(['network', 'inspect', '-f', '{{.Id}}', 'bridge']);
  expect(bridgesOfDaemon().filter((b) => b === bridgeNameOf(e.daemon.home, bridgeId))).toHaveLength(1);
  await e.ok(['rm', '-f', server]);
});
