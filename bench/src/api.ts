/**
 * The Docker Engine API spoken directly over an engine's unix socket, without the CLI: for figures where
 * the CLI's own start-up would drown what is measured (a `ps` with 1,000 containers, readiness polling).
 */
import { Agent, request } from 'node:http';
import type { DockerTarget } from './docker-cli';

export const socketOf = (t: DockerTarget) => t.dockerHost.replace(/^unix:\/\//, '');

/** Keep-alive, so a sequence of calls reuses one connection and times the request, not the connect. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface Reply { status: number; text: string }

export function call(t: DockerTarget, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath: socketOf(t), agent, method, path, headers: payload ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Like `call`, but any answer other than 2xx throws with the engine's message. */
export async function ok(t: DockerTarget, method: string, path: string, body?: unknown): Promise<Reply> {
  const r = await call(t, method, path, body);
  if (r.status >= 300) throw new Error(`[${t.label}] ${method} ${path} answered ${r.status}: ${r.text}`);
  return r;
}

/** Not listening yet: the socket file is missing, or it exists but nobody accepts on it. */
const NOT_YET = new Set(['ENOENT', 'ECONNREFUSED']);

type PingAttempt = { status: number } | { notYet: string };

/**
 * One GET /_ping on a fresh connection (no agent): a pooled socket would hide a listener that went away.
 * An engine may accept connections before it serves them, so a request can wait; `timeoutMs` bounds that.
 */
function pingOnce(socket: string, timeoutMs: number): Promise<PingAttempt> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: '/_ping', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code && NOT_YET.has(err.code)) resolve({ notYet: err.code });
      else reject(new Error(`GET /_ping on ${socket} failed: ${err.message}`));
    });
    req.end();
  });
}

/**
 * Resolves at the first 200 to GET /_ping on `socket`. Between attempts it yields for ~1 ms only, so the
 * moment the engine starts answering is seen within a millisecond or so (a boot time is measured with it).
 * `gone()` names why waiting is pointless (the process exited), and is checked before every attempt.
 */
export async function waitForPing(socket: string, timeoutMs: number, gone: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  for (;;) {
    const why = gone();
    if (why) throw new Error(why);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no 200 to GET /_ping within ${timeoutMs} ms (last: ${last})`);
    const attempt = await pingOnce(socket, left);
    if ('status' in attempt && attempt.status === 200) return;
    last = 'status' in attempt ? `answered ${attempt.status}` : attempt.notYet;
    await new Promise((r) => setTimeout(r, 1));
  }
}
