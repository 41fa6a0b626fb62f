/** The agent as a Lambda bootstrap: one invocation from the Runtime API, answered with the exit code. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { AGENT_MAIN, requireBuiltAgent } from './agent-support';

beforeAll(() => requireBuiltAgent());

test('takes the next invocation, runs the command and posts {"exitCode":N}', async () => {
  const responses: Array<{ path: string; body: string }> = [];
  const api: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/2018-06-01/runtime/invocation/next') {
      res.writeHead(200, { 'lambda-runtime-aws-request-id': 'req-42', 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => { responses.push({ path: `${req.method} ${req.url}`, body }); res.writeHead(202); res.end(); });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  try {
    const port = (api.address() as AddressInfo).port;
    const child = spawn(process.execPath, [AGENT_MAIN, 'sh', '-c', 'echo in lambda; exit 9'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}` }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code).toBe(0);
    expect(out).toBe('in lambda\n');
    expect(responses).toEqual([{ path: 'POST /2018-06-01/runtime/invocation/req-42/response', body: '{"exitCode":9}' }]);
  } finally {
    await new Promise((r) => api.close(r));
  }
});
