import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkloadSpec } from '@sockerless/sdk';
import { LocalDriver } from '../src/driver';
import { SharedHostBridges } from '../src/network/host-bridges';
import { NetworkNames } from '../src/network/names';
import { buildBusyboxRootfs, finish, silentLogger } from './helpers';
import { bridged, endpoint, freeOctets, hexId, httpdArgv, kernelObjects, nothing, testNetwork, waitForTcp } from './network-fixtures';

/** Two instances of one daemon (as with one pool each) sharing its bridges, as the plugin wires them. */

let dir: string;
let rootfs: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sl-shared-'));
  rootfs = await buildBusyboxRootfs(dir);
});
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const instance = (name: string, shared: SharedHostBridges) =>
  new LocalDriver({ instanceName: name, options: { sandbox: 'auto' }, stateDir: join(dir, name), logger: silentLogger() }, undefined, shared);

const spec = (instanceName: string, over: Partial<WorkloadSpec>): WorkloadSpec => {
  const id = hexId();
  return {
    id, name: `c-${id}`, hostname: id.slice(0, 12), image: { id: 'sha256:x', ref: 'busybox', rootfs }, argv: ['true'],
    env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], workingDir: '', user: '', tty: false, openStdin: false, mounts: [], labels: {},
    stateDir: join(dir, instanceName, 'containers', id), memoryBytes: 0, ...over,
  };
};

test("two instances put one network's containers on one bridge; a later instance's start-up and the first one's close leave it", async () => {
  const home = join(dir, 'home');
  const shared = new SharedHostBridges(home);
  const names = new NetworkNames(home);
  const net = testNetwork('shared', freeOctets(1)[0]);
  const a = instance('a', shared);
  const server = spec('a', { argv: httpdArgv('from a'), network: bridged([endpoint(net, 2)]) });
  await a.create(server);
  const running = await a.start(server);
  await waitForTcp(endpoint(net, 2).ip, 8080);

  // The second instance opens while the first has a live bridge: nothing of it is cleaned away.
  const b = instance('b', shared);
  const client = spec('b', { argv: ['sh', '-c', `wget -qO- http://${endpoint(net, 2).ip}:8080/`], network: bridged([endpoint(net, 3)]) });
  await b.create(client);
  expect((await finish(await b.start(client))).out).toBe('hello from a\n');
  expect(kernelObjects(names).links.filter((l) => l.startsWith(`${names.prefix}b`))).toEqual([names.bridge(net.id)]);

  await a.remove(server.id);
  await running.exited;
  await a.close();
  expect(kernelObjects(names).links).toContain(names.bridge(net.id));
  await b.remove(client.id);
  await b.close();
  expect(kernelObjects(names)).toEqual(nothing);
});

test("an instance's start-up removes what a crashed daemon of an earlier version left under the instance's own tag", async () => {
  const stateDir = join(dir, 'upgraded');
  const earlier = new NetworkNames(stateDir);
  const net = testNetwork('earlier', freeOctets(1)[0]);
  const bridge = earlier.bridge(net.id);
  execFileSync('ip', ['-batch', '-'], { input: [`netns add ${earlier.netns(hexId())}`, `link add name ${bridge} type bridge`].join('\n') + '\n' });
  execFileSync('iptables', ['-I', 'FORWARD', '-i', bridge, '-o', bridge, '-m', 'comment', '--comment', earlier.ruleComment, '-j', 'ACCEPT']);
  expect(kernelObjects(earlier)).toMatchObject({ netns: [expect.any(String)], links: [bridge], rules: [expect.any(String)] });
  const driver = new LocalDriver({ instanceName: 'upgraded', options: { sandbox: 'auto' }, stateDir, logger: silentLogger() }, undefined, new SharedHostBridges(join(dir, 'home2')));
  // close() waits for the start-up cleanup.
  await driver.close();
  expect(kernelObjects(earlier)).toEqual(nothing);
});
