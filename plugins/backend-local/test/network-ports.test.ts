import dgram from 'node:dgram';
import net from 'node:net';
import type { WorkloadMount } from '@sockerless/sdk';
import { finish, waitFor, type Harness } from './helpers';
import {
  bridged, endpoint, freePort, hexId, httpGet, httpdArgv, kernelObjects, networkSuite, otherMode, waitForTcp, type TestNetwork,
} from './network-fixtures';

/** Published ports: a userland proxy in the daemon, reachable from the host at 127.0.0.1. */

const suite = networkSuite('net-ports');
const { serve } = suite;
let h: Harness;
let netP: TestNetwork;
beforeAll(() => { ({ h, nets: [netP] } = suite); });

/** Something still listening on the port? */
const canBind = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.createServer();
  s.once('error', () => resolve(false));
  s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
});

test('tcp: a fixed host port and an any-port on 127.0.0.1 reach the container; they close with it', async () => {
  const fixed = await freePort();
  const id = hexId();
  const p = await serve(id, {
    argv: httpdArgv('published'),
    network: bridged([endpoint(netP, 2)], { ports: [
      { containerPort: 8080, protocol: 'tcp', hostIp: '', hostPort: fixed },
      { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0 },
    ] }),
  });
  expect(p.ports).toHaveLength(2);
  expect(p.ports![0]).toEqual({ containerPort: 8080, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: fixed });
  const any = p.ports![1];
  expect(any).toMatchObject({ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' });
  expect(any.hostPort).toBeGreaterThan(0);
  await waitForTcp(endpoint(netP, 2).ip, 8080);
  expect(await httpGet('127.0.0.1', fixed)).toBe('hello published\n');
  expect(await httpGet('127.0.0.1', any.hostPort)).toBe('hello published\n');
  await h.driver.signal(id, 'KILL');
  await p.exited;
  expect(await canBind(fixed)).toBe(true);
});

test('tcp: a half-close is passed on, so the container sees EOF and still answers', async () => {
  const p = await serve(hexId(), {
    // Each connection's shell reads its own stdin to EOF (no shared file: the readiness probe's connection runs
    // a handler too, which would truncate a file the real connection's handler is reading).
    argv: ['nc', '-ll', '-p', '7000', '-e', 'sh', '-c', 'echo "got $(cat)"'],
    network: bridged([endpoint(netP, 3)], { ports: [{ containerPort: 7000, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0 }] }),
  });
  await waitForTcp(endpoint(netP, 3).ip, 7000);
  const reply = await new Promise<string>((resolve, reject) => {
    const s = net.connect(p.ports![0].hostPort, '127.0.0.1', () => s.end('half-closed'));
    let data = '';
    s.setEncoding('utf8').on('data', (c: string) => { data += c; });
    s.on('error', reject);
    s.on('end', () => resolve(data));
  });
  expect(reply).toBe('got half-closed\n');
});

test('udp: datagrams are relayed to the container and its replies come back', async () => {
  // Busybox has no UDP server; the host's node runs in the sandbox over read-only binds of its /usr.
  const hostUsr: WorkloadMount[] = [['/usr', '/usr'], ['/usr/lib', '/lib'], ['/usr/lib64', '/lib64']]
    .map(([source, target]) => ({ type: 'bind', source, target, readOnly: true }));
  const echo = "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(9999,()=>console.log('listening'))";
  const p = await serve(hexId(), {
    argv: ['sh', '-c', 'exec /usr/bin/node -e "$0"', echo], mounts: hostUsr,
    network: bridged([endpoint(netP, 4)], { ports: [{ containerPort: 9999, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 0 }] }),
  });
  expect(p.ports).toEqual([{ containerPort: 9999, protocol: 'udp', hostIp: '127.0.0.1', hostPort: expect.any(Number) }]);
  await waitFor(p.stdout, 'listening');
  const client = dgram.createSocket('udp4');
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('no udp reply')), 10_000);
      client.on('message', (m) => { clearTimeout(deadline); clearInterval(again); resolve(m.toString()); });
      // UDP may drop a datagram; ask again until the deadline.
      const send = () => client.send('ping', p.ports![0].hostPort, '127.0.0.1');
      const again = setInterval(send, 250);
      send();
    });
    expect(reply).toBe('echo:ping');
  } finally {
    client.close();
  }
});

test('a port already in use fails the start with Docker\'s message and leaves nothing behind', async () => {
  const { names } = suite;
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, '0.0.0.0', r));
  const takenPort = (taken.address() as net.AddressInfo).port;
  const first = await freePort();
  const id = hexId();
  const spec = h.spec(id, {
    name: 'busy-one',
    argv: httpdArgv('never'),
    network: bridged([endpoint(netP, 5)], { ports: [
      { containerPort: 8080, protocol: 'tcp', hostIp: '', hostPort: first },
      { containerPort: 8081, protocol: 'tcp', hostIp: '', hostPort: takenPort },
    ] }),
  });
  try {
    await h.driver.create(spec);
    await expect(h.driver.start(spec)).rejects.toThrow(
      `driver failed programming external connectivity on endpoint busy-one (${id}): Bind for 0.0.0.0:${takenPort} failed: port is already allocated`);
  } finally {
    taken.close();
  }
  const left = kernelObjects(names);
  expect(left.netns).not.toContain(names.netns(id));
  expect(left.links).not.toContain(names.veth(id, netP.id));
  // The port bound before the failing one was let go again.
  expect(await canBind(first)).toBe(true);
});

test('a range takes its first free port', async () => {
  // A taken port whose next one is free.
  let taken: net.Server | undefined;
  let port = 0;
  while (!taken) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '0.0.0.0', r));
    port = (s.address() as net.AddressInfo).port;
    if (port < 65535 && (await canBind(port + 1))) taken = s; else s.close();
  }
  try {
    const p = await serve(hexId(), {
      argv: ['true'],
      network: bridged([endpoint(netP, 6)], { ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: port, hostPortEnd: port + 1 }] }),
    });
    expect(p.ports).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: port + 1 }]);
    await finish(p);
  } finally {
    taken.close();
  }
});

test('host mode ignores published ports', async () => {
  const port = await freePort();
  const p = await serve(hexId(), {
    argv: ['true'],
    network: { ...otherMode('host'), ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: port }] },
  });
  expect(p.ports ?? []).toEqual([]);
  expect((await finish(p)).exitCode).toBe(0);
  expect(await canBind(port)).toBe(true);
});
