/**
 * One network across the daemon's local instances, and tenants kept apart on the network, through the real
 * docker CLI: two pools, each with its own `local` instance, share one bridge per network, so containers of
 * one network reach each other whichever pool they run in (by name on a user-defined network, by address on
 * the default one); a tenant's networks (its default `bridge` included) are its own, so another tenant's
 * containers are neither reachable nor findable; removing a network removes its one bridge, and a stopped
 * daemon leaves none.
 */
import { execFileSync } from 'node:child_process';
import { NetworkNames } from '../../plugins/backend-local/src/network/names';
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
const nothingLeft = { netns: [], links: [], rules: [] };
const linkExists = (name: string) => { try { execFileSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }); return true; } catch { return false; } };

/** Which backend instance each of these containers runs in, from the pools' own accounting. */
async function instancesOf(pools: string[]): Promise<string[]> {
  const m = managementApi(e.daemon);
  const status = await Promise.all(pools.map((p) => m.pool(p) as Promise<PoolStatus>));
  return status.map((s) => Object.entries(s.containersPerBackend).filter(([, n]) => n > 0).map(([b]) => b).join(','));
}

test("one tenant's containers in two pools (two instances) on one user-defined network reach each other by name; container: mode across pools", async () => {
  const netId = await red.ok(['network', 'create', 'shared']);
  const server = await web(red.ok, ['--network', 'shared', '--name', 'red-site', '--network-alias', 'www', ...poolLabel('red-a')], 'across');
  expect(await fetchFrom(red.ok, ['--network', 'shared', ...poolLabel('red-b')], 'http://red-site:8080/')).toBe('across');
  expect(await fetchFrom(red.ok, ['--network', 'shared', ...poolLabel('red-b')], 'http://www:8080/')).toBe('across');
  const client = await red.ok(['run', '-d', '--pull', 'never', '--network', 'shared', '--name', 'red-client', ...poolLabel('red-b'), BUSYBOX, 'sleep', '300']);
  expect(await instancesOf(['red-a', 'red-b'])).toEqual(['a', 'b']);
  // The server finds the client that came later, by name, in the other instance.
  const clientIp = await ipOn(red.ok, 'shared', client);
  expect(await red.ok(['exec', server, 'sh', '-c', 'ping -c 1 -W 2 red-client >/dev/null && grep red-client /etc/hosts'])).toContain(clientIp);
  // A container of the other pool joins the server's own network namespace, and its /etc/hosts.
  const joined = await red.ok(['run', '--rm', '--pull', 'never', '--network', `container:${server}`, ...poolLabel('red-b'), BUSYBOX, 'sh', '-c',
    'timeout 2 wget -q -O- http://127.0.0.1:8080/ && grep -c red-client /etc/hosts']);
  expect(joined.split('\n')).toEqual(['across', '1']);
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

/** `echo | nc -w 1 IP 8080` from a new container of this caller: 0 when the connection was made. */
async function connects(run: TenantCli['run'], flags: string[], ip: string): Promise<number> {
  const r = await run(['run', '--rm', '--pull', 'never', ...flags, BUSYBOX, 'sh', '-c', `echo | nc -w 1 ${ip} 8080 >/dev/null; exit $?`]);
  return r.code;
}

test("tenant blue cannot reach red's containers, nor see or use red's networks; red's own still can", async () => {
  await red.ok(['network', 'create', 'private']);
  const onPrivate = await web(red.ok, ['--network', 'private', ...poolLabel('red-a')], 'red-private');
  const onBridge = await web(red.ok, poolLabel('red-b'), 'red-default');
  const privateIp = await ipOn(red.ok, 'private', onPrivate);
  const bridgeIp = await ipOn(red.ok, 'bridge', onBridge);
  // Red reaches both (the servers listen), from its default bridge and from its network, across pools.
  expect(await fetchFrom(red.ok, poolLabel('red-a'), `http://${bridgeIp}:8080/`)).toBe('red-default');
  expect(await fetchFrom(red.ok, ['--network', 'private', ...poolLabel('red-b')], `http://${privateIp}:8080/`)).toBe('red-private');

  // Each tenant's default bridge is a network of its own, apart from the operator's.
  const bridgeIds = await Promise.all([red.ok, blue.ok, e.ok].map((ok) => ok(['network', 'inspect', '-f', '{{.Id}}', 'bridge'])));
  expect(new Set(bridgeIds).size).toBe(3);
  // Blue, on its default bridge and on a network of its own, reaches neither by address.
  await blue.ok(['network', 'create', 'blue-net']);
  for (const flags of [[], ['--network', 'blue-net']]) {
    for (const ip of [bridgeIp, privateIp]) expect({ flags, ip, code: await connects(blue.run, flags, ip) }).toEqual({ flags, ip, code: 1 });
  }
  expect(await connects(red.run, [], bridgeIp)).toBe(0);

  // Red's networks do not exist for blue: not listed, not found by name or id, not joinable.
  const privateId = await red.ok(['network', 'inspect', '-f', '{{.Id}}', 'private']);
  expect((await blue.ok(['network', 'ls', '--format', '{{.Name}}'])).split('\n').sort()).toEqual(['blue-net', 'bridge', 'host', 'none']);
  for (const ref of ['private', 'shared', privateId, privateId.slice(0, 12)]) {
    const inspect = await blue.run(['network', 'inspect', ref]);
    expect({ ref, code: inspect.code, said: /not found|No such network/.test(inspect.stderr) }).toEqual({ ref, code: 1, said: true });
  }
  const joined = await blue.run(['run', '--rm', '--pull', 'never', '--network', 'private', BUSYBOX, 'true']);
  expect(joined.code).not.toBe(0);
  expect(joined.stderr).toContain('network private not found');
  const box = await blue.ok(['run', '-d', '--pull', 'never', BUSYBOX, 'sleep', '300']);
  const connect = await blue.run(['network', 'connect', privateId, box]);
  expect(connect.stderr).toContain(`network ${privateId} not found`);
  expect((await blue.run(['network', 'rm', 'private'])).stderr).toContain('network private not found');
  // Names are per tenant: blue may have a `private` of its own, which red's containers do not see either.
  const bluePrivate = await blue.ok(['network', 'create', 'private']);
  expect(bluePrivate).not.toBe(privateId);
  // The operator sees every tenant's networks; a name two share means the operator's own first, else it is ambiguous.
  const all = (await e.ok(['network', 'ls', '--format', '{{.Name}}'])).split('\n');
  expect(all.filter((n) => n === 'bridge')).toHaveLength(3);
  expect(all.filter((n) => n === 'private')).toHaveLength(2);
  expect((await e.docker(['network', 'inspect', 'private'])).stderr).toContain('network private is ambiguous (2 matches found based on name)');
  expect(await e.ok(['network', 'inspect', '-f', '{{index .Labels "com.sockerless.tenant"}}', privateId])).toBe('red');
  // A tenant cannot label a network as another's.
  const forged = await blue.run(['network', 'create', '--label', 'com.sockerless.tenant=red', 'forged']);
  expect(forged.stderr).toContain('label com.sockerless.tenant is reserved');
  // Blue's events show its own networks only.
  const events = await blue.ok(['events', '--since', '0', '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'type=network', '--format', '{{.Actor.ID}}']);
  expect(events).not.toContain(privateId);
  expect(events).toContain(bluePrivate);
  await e.ok(['rm', '-f', onPrivate, onBridge, box]);
  await blue.ok(['network', 'rm', 'private', 'blue-net']);
});

test('removing a network removes its one bridge', async () => {
  const id = await red.ok(['network', 'create', 'short-lived']);
  const bridge = bridgeNameOf(e.daemon.home, id);
  expect(await red.ok(['run', '--rm', '--pull', 'never', '--network', 'short-lived', ...poolLabel('red-a'), BUSYBOX, 'echo', 'a'])).toBe('a');
  expect(await red.ok(['run', '--rm', '--pull', 'never', '--network', 'short-lived', ...poolLabel('red-b'), BUSYBOX, 'echo', 'b'])).toBe('b');
  expect(linkExists(bridge)).toBe(true);
  await red.ok(['network', 'rm', 'short-lived']);
  expect(linkExists(bridge)).toBe(false);
});

test('after a crash, live containers keep their network and the restarted daemon takes it back; a dead one\'s goes', async () => {
  await red.ok(['network', 'create', 'again']);
  await web(red.ok, ['--network', 'again', '--name', 'red-again', ...poolLabel('red-a')], 'before');
  const dead = await red.ok(['run', '-d', '--pull', 'never', '--network', 'again', ...poolLabel('red-b'), BUSYBOX, 'sleep', '300']);
  const deadPid = Number(await red.ok(['inspect', '-f', '{{.State.Pid}}', dead]));
  expect(await fetchFrom(red.ok, ['--network', 'again', ...poolLabel('red-b')], 'http://red-again:8080/')).toBe('before');
  const live = hostObjectsOf(e.daemon.home);
  await e.daemon.kill9();
  // Live-restore: the workloads run on without the daemon; one of them dies meanwhile.
  process.kill(deadPid, 'SIGKILL');
  await e.daemon.restart();
  expect(await red.ok(['wait', dead])).toBe('137');
  const names = new NetworkNames(e.daemon.home);
  const deadNetns = names.netns(dead);
  const deadline = Date.now() + 10_000;
  while (hostObjectsOf(e.daemon.home).netns.includes(deadNetns) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const after = hostObjectsOf(e.daemon.home);
  const againId = await red.ok(['network', 'inspect', '-f', '{{.Id}}', 'again']);
  const liveId = await red.ok(['inspect', '-f', '{{.Id}}', 'red-again']);
  const bridge = names.bridge(againId);
  // The live one's namespace, veth, bridge and rules are the same objects, neither torn down nor doubled; the
  // dead one's are gone (and the bridges of networks no live container uses, made again when one is needed).
  expect(after.netns).toContain(names.netns(liveId));
  expect(after.netns).not.toContain(deadNetns);
  expect(after.links).toEqual(expect.arrayContaining([bridge, names.veth(liveId, againId)]));
  expect(after.links).not.toContain(names.veth(dead, againId));
  expect(after.rules.filter((r) => r.includes(bridge))).toEqual(live.rules.filter((r) => r.includes(bridge)));
  for (const kind of ['netns', 'links', 'rules'] as const) expect(after[kind].filter((x) => !live[kind].includes(x))).toEqual([]);
  expect(await fetchFrom(red.ok, ['--network', 'again', ...poolLabel('red-b')], 'http://red-again:8080/')).toBe('before');
  await red.ok(['rm', '-f', 'red-again', dead]);
});

test('a stopped daemon leaves what its live containers use and nothing else; once they are removed, nothing', async () => {
  const a = await red.ok(['run', '-d', '--pull', 'never', ...poolLabel('red-a'), BUSYBOX, 'sleep', '300']);
  const b = await e.ok(['run', '-d', '--pull', 'never', ...poolLabel('red-b'), BUSYBOX, 'sleep', '300']);
  expect(bridgesOfDaemon().length).toBeGreaterThanOrEqual(2);
  const ids = [await red.ok(['inspect', '-f', '{{.Id}}', a]), await e.ok(['inspect', '-f', '{{.Id}}', b])];
  const networkIdsOf = async (id: string) => (await e.ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.NetworkID}} {{end}}', id])).split(' ').filter(Boolean);
  const networks = [...new Set([...(await networkIdsOf(ids[0]!)), ...(await networkIdsOf(ids[1]!))])];
  await e.daemon.stop();
  const names = new NetworkNames(e.daemon.home);
  const kept = hostObjectsOf(e.daemon.home);
  // Exactly the two live containers' namespaces, their veths and the bridges of the networks they are on.
  expect(kept.netns.sort()).toEqual(ids.map((id) => names.netns(id)).sort());
  expect(kept.links.filter((l) => l.startsWith(`${names.prefix}v`))).toHaveLength(2);
  expect(kept.links.filter((l) => l.startsWith(`${names.prefix}b`)).sort()).toEqual(networks.map((n) => names.bridge(n)).sort());
  await e.daemon.restart();
  await e.ok(['rm', '-f', a, b]);
  await e.daemon.stop();
  expect(hostObjectsOf(e.daemon.home)).toEqual(nothingLeft);
});
