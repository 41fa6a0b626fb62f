import { Agent, createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { startFaultProxy, PROXY_KEEP_ALIVE_MS, TEST_CREDENTIALS, type FaultProxy } from './helpers';

/**
 * The fault proxy every ECS driver test talks through must not reset a connection the SDK reuses. The SDK's
 * agent (keepAlive, no idle timeout of its own, so it ignores the server's `Keep-Alive: timeout=` hint) keeps
 * an idle socket forever; Node 20's http server, left at its default keepAliveTimeout, closes it 1 s after the
 * 5 s it announces. A call written on that socket just before the server's timer runs is read by nobody: the
 * server closes with the request unread, the kernel answers RST, and the SDK (maxAttempts 1) fails with
 * `TimeoutError: read ECONNRESET` - the flake of driver.test.ts's last `driver.list()` on a loaded machine,
 * where DescribeTaskDefinition reused sockets idle for 4.7 s unloaded.
 */

/** When Node 20's http server closes an idle connection at its default keepAliveTimeout (5 s, plus 1 s). */
const NODE_DEFAULT_IDLE_CLOSE_MS = 6_000;

let upstream: Server;
let proxy: FaultProxy;

beforeAll(async () => {
  // A stand-in for the simulator: every JSON 1.1 call answers an empty result, announcing a keep-alive of its own connection (the simulator's is 60 s).
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'keep-alive': 'timeout=120' }).end('{}'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await proxy?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

test('the proxy announces its own keep-alive, not the upstream connection\'s', async () => {
  const agent = new Agent({ keepAlive: true });
  try {
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      get(`${proxy.endpoint}/`, { agent }, (res) => { res.resume(); resolve(res.headers); }).on('error', reject);
    });
    expect(headers['keep-alive']).toBe(`timeout=${PROXY_KEEP_ALIVE_MS / 1000}`);
  } finally {
    agent.destroy();
  }
});

test('a call reusing a connection idle past Node\'s default keep-alive, on a stalled event loop, is not reset', async () => {
  // The SDK's own agent settings (NodeHttpHandler: keepAlive, maxSockets 50), counting the sockets it opens.
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  let opened = 0;
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (...args: Parameters<typeof connect>) => { opened++; return connect(...args); };
  const ecs = new ECSClient({ region: 'us-east-1', endpoint: proxy.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1, requestHandler: { httpAgent: agent } });
  try {
    await ecs.send(new ListClustersCommand({}));
    const idleSince = Date.now();
    // The idle time is what is under test, so here a timer is the point, not a wait for an event.
    await new Promise((r) => setTimeout(r, NODE_DEFAULT_IDLE_CLOSE_MS - 200));
    // After the poll phase, block the loop past the server's idle deadline, as a loaded machine does, and send:
    // the request is written now, and the next timers phase runs before anything reads it.
    await new Promise((r) => setImmediate(r));
    while (Date.now() < idleSince + NODE_DEFAULT_IDLE_CLOSE_MS + 100) { /* a stalled event loop */ }
    await expect(ecs.send(new ListClustersCommand({}))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(opened).toBe(1); // the second call went out on the kept-alive socket: the race was really run
  } finally {
    ecs.destroy();
    agent.destroy();
  }
});
