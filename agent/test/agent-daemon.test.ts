/** `coreServices.agents` as a plugin gets it from a booted daemon: the agent server with config `agent`. */
import { rmSync } from 'node:fs';
import { WebSocket } from 'ws';
import { coreServices, definePlugin, type AgentServer } from '@sockerless/sdk';
import { startTestHost } from '@sockerless/sdk/testing';
import { finish, requireBuiltAgent, startHostAgent, stopHostAgent } from './agent-support';

let agents: AgentServer | undefined;
const agentUser = definePlugin({
  id: 'agent-user',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { agents: coreServices.agents },
      init(deps) { agents = deps.agents; },
    });
  },
});

beforeAll(() => requireBuiltAgent());

test('a plugin gets the daemon\'s agent server, which listens where the config says and closes with the daemon', async () => {
  const host = await startTestHost({ plugins: ['store-sqlite', agentUser], config: { agent: { listen: 'tcp://127.0.0.1:0' } } });
  let closed = false;
  try {
    expect(agents).toBeDefined();
    const server = agents as AgentServer & Parameters<typeof startHostAgent>[0];
    const grant = await server.grant('c-daemon');
    expect(grant.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/agent$/);
    const agent = await startHostAgent(server, 'c-daemon', ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done']);
    try {
      const session = await server.session('c-daemon', 30_000);
      const r = await finish(await session.exec({ argv: ['echo', 'via the daemon'], env: [], workingDir: '', user: '', tty: false, attachStdin: false, privileged: false }));
      expect(r.out).toBe('via the daemon\n');
      expect(server.connected('c-daemon')).toBe(true);
    } finally {
      await stopHostAgent(agent);
    }
    await host.close();
    closed = true;
    // The listener went away with the daemon.
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(grant.url, { headers: { authorization: `Bearer ${grant.token}`, 'x-sockerless-container-id': 'c-daemon' } });
      ws.on('open', () => { ws.close(); resolve('open'); });
      ws.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(refused).toBe('ECONNREFUSED');
  } finally {
    if (!closed) await host.close();
    rmSync(host.home, { recursive: true, force: true });
  }
});

test('a malformed agent.listen stops the boot', async () => {
  await expect(startTestHost({ plugins: ['store-sqlite'], config: { agent: { listen: 'http://nowhere' } } }))
    .rejects.toThrow('agent.listen must be tcp://host:port, got http://nowhere');
});
