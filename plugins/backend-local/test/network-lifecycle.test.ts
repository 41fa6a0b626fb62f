import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { detectHostTools } from '../src/host-tools';
import { LocalDriver } from '../src/driver';
import { NetworkNames } from '../src/network/names';
import { buildBusyboxRootfs, finish, harness, silentLogger, waitFor, type Harness } from './helpers';
import {
  bridged, endpoint, execSpec, freeOctets, hexId, httpdArgv, kernelObjects, networkSuite, nothing, testNetwork, waitForTcp, type TestNetwork,
} from './network-fixtures';

/** Interfaces added and taken away at runtime, and what a driver leaves on the host when it stops or crashed. */

const suite = networkSuite('life-a', 'life-b');
const { serve } = suite;
let h: Harness;
let names: NetworkNames;
let netA: TestNetwork;
let netB: TestNetwork;
beforeAll(() => { ({ h, names, nets: [netA, netB] } = suite); });

const inside = async (id: string, script: string) => (await finish(await h.driver.exec(id, execSpec(['sh', '-c', script])))).out;

test('connect gives a working eth1; disconnect takes it away; the errors of a container that is not running', async () => {
  const server = endpoint(netB, 2);
  await serve(hexId(), { argv: httpdArgv('on b'), network: bridged([server]) });
  await waitForTcp(server.ip, 8080);
  const id = hexId();
  await serve(id, { argv: ['sh', '-c', 'exec sleep 1000'], network: bridged([endpoint(netA, 2)]) });
  const get = `timeout 3 wget -qO- http://${server.ip}:8080/ || echo unreachable`;
  expect(await inside(id, get)).toBe('unreachable\n');

  await h.driver.connectNetwork(id, endpoint(netB, 3));
  expect(await inside(id, 'ip -o -4 addr show eth1')).toContain(`inet ${endpoint(netB, 3).ip}/24`);
  expect(await inside(id, get)).toBe('hello on b\n');
  expect(kernelObjects(names).links).toContain(names.veth(id, netB.id));

  await h.driver.disconnectNetwork(id, netB.id);
  expect(await inside(id, 'ip -o link | grep -c eth1 || true')).toBe('0\n');
  expect(kernelObjects(names).links).not.toContain(names.veth(id, netB.id));
  await expect(h.driver.disconnectNetwork(id, netB.id)).rejects.toMatchObject({ code: 'NotFound' });

  // Reconnecting takes the smallest free name again.
  await h.driver.connectNetwork(id, endpoint(netB, 4));
  expect(await inside(id, 'ip -o -4 addr show eth1')).toContain(`inet ${endpoint(netB, 4).ip}/24`);

  await expect(h.driver.connectNetwork(hexId(), endpoint(netB, 5))).rejects.toMatchObject({ code: 'Conflict' });
});

test('removeNetwork deletes the bridge and its rules', async () => {
  const netC = testNetwork('life-c', freeOctets(1)[0]);
  const r = await finish(await (async () => {
    const spec = h.spec(hexId(), { argv: ['true'], network: bridged([endpoint(netC, 2)]) });
    await h.driver.create(spec);
    return h.driver.start(spec);
  })());
  expect(r.exitCode).toBe(0);
  const bridge = names.bridge(netC.id);
  expect(kernelObjects(names).links).toContain(bridge);
  expect(kernelObjects(names).rules.some((l) => l.includes(bridge))).toBe(true);
  await h.driver.removeNetwork(netC.id);
  expect(kernelObjects(names).links).not.toContain(bridge);
  expect(kernelObjects(names).rules.filter((l) => l.includes(bridge))).toEqual([]);
});

test('without live-restore, close() removes every namespace, link and rule of the driver, even with containers running', async () => {
  const own = await harness({ sandbox: 'auto', liveRestore: false }, h.rootfs);
  const ownNames = new NetworkNames(`${own.dir}/state`);
  const [o1, o2] = freeOctets(2);
  const n1 = testNetwork('close-1', o1);
  const n2 = testNetwork('close-2', o2);
  const id = hexId();
  const spec = own.spec(id, { argv: ['sh', '-c', 'echo ready; exec sleep 1000'], network: bridged([endpoint(n1, 2), endpoint(n2, 2)], { ports: [{ containerPort: 1, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0 }] }) });
  await own.driver.create(spec);
  const p = await own.driver.start(spec);
  await waitFor(p.stdout, 'ready');
  const before = kernelObjects(ownNames);
  expect(before.netns).toEqual([ownNames.netns(id)]);
  expect(before.links.sort()).toEqual([ownNames.bridge(n1.id), ownNames.bridge(n2.id), ownNames.veth(id, n1.id), ownNames.veth(id, n2.id)].sort());
  expect(before.rules.length).toBeGreaterThan(0);
  await own.driver.close();
  expect(kernelObjects(ownNames)).toEqual(nothing);
  await own.cleanup();
  await p.exited;
});

test('a new driver of the same home removes what a crashed one left', async () => {
  const dir = `${h.dir}/crashed`;
  const crashed = new NetworkNames(`${dir}/state`);
  const net = testNetwork('crash', freeOctets(1)[0]);
  const bridge = crashed.bridge(net.id);
  execFileSync('ip', ['-batch', '-'], { input: [
    `netns add ${crashed.netns(hexId())}`, `link add name ${bridge} type bridge`,
    `link add name ${crashed.veth('x', net.id)} master ${bridge} type veth peer name ${crashed.veth('y', net.id)}`,
  ].join('\n') + '\n' });
  execFileSync('iptables', ['-I', 'FORWARD', '-i', bridge, '-o', bridge, '-m', 'comment', '--comment', crashed.ruleComment, '-j', 'ACCEPT']);
  const left = kernelObjects(crashed);
  expect(left.netns).toHaveLength(1);
  expect(left.links).toHaveLength(3);
  expect(left.rules).toHaveLength(1);
  const driver = new LocalDriver({ instanceName: 'local', options: { sandbox: 'auto' }, stateDir: `${dir}/state`, logger: silentLogger() });
  // close() waits for the start-up cleanup, and then has nothing more of its own to remove.
  await driver.close();
  expect(kernelObjects(crashed)).toEqual(nothing);
});

test('without network namespaces (no ip) or with network "host": one warning, and every container on the host network', async () => {
  const warnings: string[] = [];
  const stateDir = `${h.dir}/no-ip/state`;
  const rootfs = await buildBusyboxRootfs(`${h.dir}/no-ip`);
  const cases = [
    { driver: new LocalDriver({ instanceName: 'local', options: { sandbox: 'auto' }, stateDir, logger: silentLogger(warnings) }, { ...detectHostTools(), ip: undefined }), dir: stateDir },
    { driver: new LocalDriver({ instanceName: 'local', options: { sandbox: 'auto', network: 'host' }, stateDir: `${stateDir}2`, logger: silentLogger(warnings) }), dir: `${stateDir}2` },
  ];
  // Other tests' interfaces come and go meanwhile: only the host's own are compared.
  const hostIfaces = Object.keys(networkInterfaces()).filter((n) => !n.startsWith('sl'));
  for (const { driver, dir } of cases) {
    const id = hexId();
    const spec = {
      id, name: 'fallback', hostname: 'fallback', image: { id: 'sha256:x', ref: 'busybox', rootfs }, argv: ['sh', '-c', "ip -o link | awk '{print $2}' | sed 's/[:@].*//'"],
      env: ['PATH=/bin'], workingDir: '', user: '', tty: false, openStdin: false, mounts: [], labels: {}, stateDir: `${dir}/containers/${id}`, memoryBytes: 0,
      network: bridged([endpoint(netA, 99)], { ports: [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPort: 0 }] }),
    };
    await driver.create(spec);
    const p = await driver.start(spec);
    expect(p.ports ?? []).toEqual([]);
    expect((await finish(p)).out.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(hostIfaces));
    await driver.connectNetwork(id, endpoint(netB, 99));
    await driver.remove(id);
    await driver.close();
  }
  expect(warnings.filter((w) => w.includes('network namespaces unavailable'))).toEqual([
    'warn: network namespaces unavailable (`ip` (iproute2) is not installed): containers will use the host network (no isolation, no published ports)',
  ]);
});

test('with live-restore, close() keeps what a running container uses; the next driver takes it back and removes it with the container', async () => {
  const own = await harness({ sandbox: 'auto' }, h.rootfs);
  const ownNames = new NetworkNames(`${own.dir}/state`);
  const [o1, o2] = freeOctets(2);
  const used = testNetwork('kept-1', o1);
  const unused = testNetwork('kept-2', o2);
  const id = hexId();
  const other = hexId();
  const spec = own.spec(id, { argv: ['sh', '-c', 'echo ready; exec sleep 1000'], network: bridged([endpoint(used, 2)]) });
  const exited = own.spec(other, { argv: ['true'], network: bridged([endpoint(unused, 3)]) });
  await own.driver.create(spec);
  await own.driver.create(exited);
  const p = await own.driver.start(spec);
  await waitFor(p.stdout, 'ready');
  expect((await (await own.driver.start(exited)).exited).exitCode).toBe(0);
  const before = kernelObjects(ownNames);
  await own.driver.close();
  const after = kernelObjects(ownNames);
  expect(after.netns).toEqual([ownNames.netns(id)]);
  expect(after.links.sort()).toEqual([ownNames.bridge(used.id), ownNames.veth(id, used.id)].sort());
  expect(after.rules.length).toBeGreaterThan(0);
  expect(after.rules.every((r) => r.includes(ownNames.bridge(used.id)))).toBe(true);
  expect(before.links).toContain(ownNames.bridge(unused.id));

  const next = new LocalDriver({ instanceName: 'local', options: { sandbox: 'auto' }, stateDir: `${own.dir}/state`, logger: silentLogger([]) });
  const back = await next.reattach(id);
  expect(back?.pid).toBe(p.pid);
  expect(kernelObjects(ownNames)).toEqual(after);
  await next.remove(id);
  expect((await back!.exited).exitCode).toBe(137);
  await next.remove(other);
  await next.removeNetwork(used.id);
  await next.close();
  expect(kernelObjects(ownNames)).toEqual(nothing);
  await fs.rm(own.dir, { recursive: true, force: true });
});
