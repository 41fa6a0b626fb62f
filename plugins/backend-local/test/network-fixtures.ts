import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import type { ExecSpec, HostEntry, PublishedPort, WorkloadEndpoint, WorkloadNetwork, WorkloadProcess } from '@sockerless/sdk';
import { NETNS_DIR, NetworkNames } from '../src/network/names';
import { harness, type Harness } from './helpers';

/** A 64-hex id, as the core gives containers and networks. */
export const hexId = () => randomBytes(32).toString('hex');

/**
 * Third octets of 10.231.X.0/24 that no route on the host uses yet, picked at random, so that this file,
 * other test files and other people's runs of it never put two bridges on one subnet.
 */
export function freeOctets(n: number): number[] {
  const routes = execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' });
  const used = new Set([...routes.matchAll(/10\.231\.(\d+)\./g)].map((m) => Number(m[1])));
  const free = Array.from({ length: 250 }, (_, i) => i + 2).filter((o) => !used.has(o));
  const picked: number[] = [];
  while (picked.length < n) {
    const o = free.splice(Math.floor(Math.random() * free.length), 1)[0];
    if (o === undefined) throw new Error('no free 10.231.X.0/24 subnet');
    picked.push(o);
  }
  return picked;
}

export interface TestNetwork {
  id: string;
  name: string;
  octet: number;
  internal: boolean;
}

export const testNetwork = (name: string, octet: number, internal = false): TestNetwork => ({ id: hexId(), name, octet, internal });

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** Host `host` of the network (2..254): 10.231.<octet>.<host>/24 behind the gateway .1. */
export function endpoint(n: TestNetwork, host: number): WorkloadEndpoint {
  return {
    networkId: n.id, networkName: n.name, internal: n.internal, subnet: `10.231.${n.octet}.0/24`,
    gateway: n.internal ? '' : `10.231.${n.octet}.1`, ip: `10.231.${n.octet}.${host}`, prefixLen: 24,
    mac: `02:42:0a:e7:${hex2(n.octet)}:${hex2(host)}`,
  };
}

export function bridged(endpoints: WorkloadEndpoint[], o: { ports?: PublishedPort[]; hosts?: HostEntry[] } = {}): WorkloadNetwork {
  return { mode: 'bridge', endpoints, ports: o.ports ?? [], hosts: o.hosts ?? [] };
}

export const otherMode = (mode: 'host' | 'none' | 'container', container?: string): WorkloadNetwork =>
  ({ mode, container, endpoints: [], ports: [], hosts: [] });

export const execSpec = (argv: string[]): ExecSpec =>
  ({ argv, env: ['PATH=/bin'], workingDir: '', user: '', tty: false, attachStdin: false, privileged: false });

/** busybox httpd as pid 1, answering `hello <word>` at / on port 8080. */
export const httpdArgv = (word: string) => ['sh', '-c', `mkdir -p /www && echo "hello ${word}" > /www/index.html && exec httpd -f -p 8080 -h /www`];

/** Resolves once something accepts TCP connections at host:port; rejects after the deadline. */
export async function waitForTcp(host: string, port: number, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens at ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One HTTP/1.0 GET over a plain socket: the response body. */
export function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => s.end(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    let data = '';
    s.setEncoding('utf8').on('data', (c: string) => { data += c; });
    s.on('error', reject);
    s.on('end', () => resolve(data.slice(data.indexOf('\r\n\r\n') + 4)));
  });
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '0.0.0.0', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Every kernel object with the driver's tag: namespaces, interfaces and iptables rules. */
export function kernelObjects(names: NetworkNames): { netns: string[]; links: string[]; rules: string[] } {
  const own = (dir: string) => { try { return readdirSync(dir).filter((n) => names.owns(n)); } catch { return []; } };
  const rules = ['filter', 'nat'].flatMap((t) => execFileSync('iptables-save', ['-t', t], { encoding: 'utf8' }).split('\n'))
    .filter((l) => l.includes(names.ruleComment));
  return { netns: own(NETNS_DIR), links: own('/sys/class/net'), rules };
}

export const nothing = { netns: [], links: [], rules: [] };

/** What networkSuite sets up for a test file; its fields are filled in by the file's beforeAll. */
export class NetworkSuite {
  /** The one driver the file's tests share. */
  h!: Harness;
  /** The names that driver gives its kernel objects. */
  names!: NetworkNames;
  /** One network per name given to networkSuite, each on a free subnet. */
  nets: TestNetwork[] = [];
  private readonly started: WorkloadProcess[] = [];

  /** Starts a long-running container and keeps it until the end of the file. */
  readonly serve = async (id: string, over: Parameters<Harness['spec']>[1]): Promise<WorkloadProcess> => {
    const spec = this.h.spec(id, over);
    await this.h.driver.create(spec);
    const p = await this.h.driver.start(spec);
    this.started.push(p);
    return p;
  };

  /** Stops the driver and what it started, then checks that nothing is left in the kernel. */
  async close(): Promise<void> {
    await this.h.cleanup();
    await Promise.all(this.started.map((p) => p.exited));
    // A cleanly stopped driver leaves nothing behind.
    expect(kernelObjects(this.names)).toEqual(nothing);
  }
}

/**
 * The setup every network test file shares: before its tests, a driver and the named test networks;
 * after them, the driver stopped with a check that it left no namespace, link or rule behind.
 */
export function networkSuite(...networkNames: string[]): NetworkSuite {
  const suite = new NetworkSuite();
  beforeAll(async () => {
    suite.h = await harness();
    suite.names = new NetworkNames(`${suite.h.dir}/state`);
    const octets = freeOctets(networkNames.length);
    suite.nets = networkNames.map((name, i) => testNetwork(name, octets[i]));
  });
  afterAll(() => suite.close());
  return suite;
}
