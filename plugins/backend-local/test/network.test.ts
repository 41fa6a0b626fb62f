import { networkInterfaces } from 'node:os';
import { finish, waitFor, type Harness } from './helpers';
import {
  bridged, endpoint, execSpec, hexId, httpdArgv, kernelObjects, networkSuite, otherMode, waitForTcp, type TestNetwork,
} from './network-fixtures';

/** Containers on real bridges, in real namespaces: who reaches whom, by address and by name. */

const suite = networkSuite('net-a', 'net-b');
const { serve } = suite;
let h: Harness;
let netA: TestNetwork;
let netB: TestNetwork;
beforeAll(() => { ({ h, nets: [netA, netB] } = suite); });

async function run(id: string, over: Parameters<Harness['spec']>[1]) {
  const spec = h.spec(id, over);
  await h.driver.create(spec);
  return finish(await h.driver.start(spec));
}

const reach = (url: string) => `timeout 3 wget -qO- ${url} || echo unreachable`;

test('two containers on one network reach each other by address and by a name from hosts', async () => {
  const server = endpoint(netA, 2);
  await serve(hexId(), { argv: httpdArgv('from a'), network: bridged([server]) });
  // The host reaches the container through the bridge, whose address is the gateway.
  await waitForTcp(server.ip, 8080);
  const client = endpoint(netA, 3);
  const r = await run(hexId(), {
    argv: ['sh', '-c', `${reach(`http://${server.ip}:8080/`)}; ${reach('http://peer:8080/')}; cat /etc/hosts; ip -o -4 addr show eth0; ip route`],
    network: bridged([client], { hosts: [{ ip: server.ip, names: ['peer', 'peer.alias'] }] }),
  });
  expect(r.exitCode).toBe(0);
  const lines = r.out.split('\n');
  expect(lines.slice(0, 2)).toEqual(['hello from a', 'hello from a']);
  expect(r.out).toContain('127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n');
  expect(r.out).toContain(`${server.ip}\tpeer peer.alias\n`);
  expect(r.out).toMatch(new RegExp(`eth0\\s+inet ${client.ip.replace(/\./g, '\\.')}/24`));
  expect(r.out).toContain(`default via ${client.gateway} dev eth0`);
});

test('a container on one network cannot reach one on another, while both reach their own peers', async () => {
  const a1 = endpoint(netA, 10);
  const b1 = endpoint(netB, 10);
  await serve(hexId(), { argv: httpdArgv('a1'), network: bridged([a1]) });
  await serve(hexId(), { argv: httpdArgv('b1'), network: bridged([b1]) });
  await Promise.all([waitForTcp(a1.ip, 8080), waitForTcp(b1.ip, 8080)]);
  const script = (own: string, other: string) => `${reach(`http://${own}:8080/`)}; ${reach(`http://${other}:8080/`)}`;
  const [fromA, fromB] = await Promise.all([
    run(hexId(), { argv: ['sh', '-c', script(a1.ip, b1.ip)], network: bridged([endpoint(netA, 11)]) }),
    run(hexId(), { argv: ['sh', '-c', script(b1.ip, a1.ip)], network: bridged([endpoint(netB, 11)]) }),
  ]);
  expect(fromA.out).toBe('hello a1\nunreachable\n');
  expect(fromB.out).toBe('hello b1\nunreachable\n');
});

test('updateHosts changes what a running container resolves, in place', async () => {
  const server = endpoint(netA, 20);
  await serve(hexId(), { argv: httpdArgv('twenty'), network: bridged([server]) });
  await waitForTcp(server.ip, 8080);
  const id = hexId();
  const p = await serve(id, {
    openStdin: true,
    // Each line on stdin asks once for http://later:8080/ and prints what came back.
    argv: ['sh', '-c', `echo ready; while read line; do ${reach('http://later:8080/')}; echo done; done`],
    network: bridged([endpoint(netA, 21)]),
  });
  const sink = { data: '' };
  await waitFor(p.stdout, 'ready', sink);
  p.stdin!.write('1\n');
  await waitFor(p.stdout, 'done', sink);
  expect(sink.data).toContain('unreachable');
  await h.driver.updateHosts(id, [{ ip: server.ip, names: ['later'] }]);
  sink.data = '';
  p.stdin!.write('2\n');
  await waitFor(p.stdout, 'done', sink);
  expect(sink.data).toBe('hello twenty\ndone\n');
  p.stdin!.end();
  expect((await p.exited).exitCode).toBe(0);
});

test('none has only lo; host sees the host interfaces', async () => {
  const none = await run(hexId(), { argv: ['sh', '-c', "ip -o link | awk '{print $2}'"], network: otherMode('none') });
  expect(none.out).toBe('lo:\n');
  // Other tests' interfaces come and go meanwhile: only the host's own are compared.
  const hostIfaces = Object.keys(networkInterfaces()).filter((n) => !n.startsWith('sl'));
  const host = await run(hexId(), { argv: ['sh', '-c', "ip -o link | awk '{print $2}' | sed 's/[:@].*//'"], network: otherMode('host') });
  expect(host.out.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(hostIfaces));
});

test('container: shares the target namespace and hosts file; a stopped target is a conflict', async () => {
  const targetId = hexId();
  const ep = endpoint(netB, 30);
  const target = await serve(targetId, { argv: httpdArgv('thirty'), network: bridged([ep], { hosts: [{ ip: ep.ip, names: ['target-host'] }] }) });
  await waitForTcp(ep.ip, 8080);
  const joiner = await run(hexId(), {
    argv: ['sh', '-c', 'wget -qO- http://127.0.0.1:8080/; ip -o -4 addr show eth0; grep target-host /etc/hosts'],
    network: otherMode('container', targetId),
  });
  expect(joiner.out).toMatch(/^hello thirty\n/);
  expect(joiner.out).toContain(`inet ${ep.ip}/24`);
  expect(joiner.out).toContain(`${ep.ip}\ttarget-host`);
  await h.driver.signal(targetId, 'KILL');
  await target.exited;
  const spec = h.spec(hexId(), { network: otherMode('container', targetId) });
  await h.driver.create(spec);
  await expect(h.driver.start(spec)).rejects.toMatchObject({ code: 'Conflict', message: `cannot join network of a non running container: ${targetId}` });
});

test('exec enters the container network namespace', async () => {
  const id = hexId();
  const ep = endpoint(netB, 40);
  await serve(id, { argv: ['sh', '-c', 'echo ready; exec sleep 1000'], network: bridged([ep]) });
  const p = await h.driver.exec(id, execSpec(['sh', '-c', 'ip -o -4 addr show eth0']));
  expect((await finish(p)).out).toContain(`inet ${ep.ip}/24`);
});

test('a stopped container restarts on its network at once, and leaves nothing behind once removed', async () => {
  const id = hexId();
  const { names } = suite;
  const spec = h.spec(id, { argv: ['sh', '-c', 'ip -o -4 addr show eth0'], network: bridged([endpoint(netA, 50)]) });
  await h.driver.create(spec);
  for (const round of [1, 2, 3]) {
    const r = await finish(await h.driver.start(spec));
    expect({ round, exitCode: r.exitCode }).toEqual({ round, exitCode: 0 });
    expect(r.out).toContain(`inet ${endpoint(netA, 50).ip}/24`);
  }
  await h.driver.remove(id);
  expect(kernelObjects(names).netns).not.toContain(names.netns(id));
  // The kernel destroys the veth with the namespace, in the background.
  const deadline = Date.now() + 10_000;
  while (kernelObjects(names).links.includes(names.veth(id, netA.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(kernelObjects(names).links).not.toContain(names.veth(id, netA.id));
  expect(kernelObjects(names).links).toContain(names.bridge(netA.id));
});
