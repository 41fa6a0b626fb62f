import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIMULATOR_CREDENTIALS, type WorkloadProcess, type WorkloadSpec } from '@sockerless/sdk';
import { readAll, silentLogger } from '@sockerless/sdk/testing';
import { noAgents, noSimulators, workloadSpec as anySpec } from '../../../test/support/cloud-backend';
import { createEcsDriver, type EcsDriver } from '../src/driver';
import { ecsOptionsSchema } from '../src/options';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** What the simulator accepts (it checks every signature). */
export const TEST_CREDENTIALS = { ...SIMULATOR_CREDENTIALS };

export function containerId(): string {
  return randomBytes(32).toString('hex');
}

export { noAgents, noSimulators };

/** A driver against `endpoint` with test credentials, no SDK retries, no agent, and fast polls. */
export async function ecsDriver(endpoint: string, over: Record<string, unknown> = {}, instanceName = 'ecs-test'): Promise<{ driver: EcsDriver; dir: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sl-ecs-'));
  const options = ecsOptionsSchema.parse({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1, agent: false, pollIntervalMs: { min: 10, max: 200 }, stopTimeoutSeconds: 2, ...over });
  const driver = await createEcsDriver({ instanceName, options, stateDir: dir, logger: silentLogger }, { agents: noAgents, simulators: noSimulators });
  return { driver, dir, async close() { await driver.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** A spec with the given id (the tests name their containers' ids). */
export function workloadSpec(id: string, over: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return anySpec({ id, ...over });
}

export { readAll as collect };

export async function finish(p: WorkloadProcess): Promise<{ out: string; exitCode: number; error?: string }> {
  const [out, st] = await Promise.all([readAll(p.stdout), p.exited]);
  return { out, exitCode: st.exitCode, error: st.error };
}

export interface RecordedCall {
  target: string;
  body: Record<string, unknown>;
}

export type Fault = (
  | {
    /** The AWS error code answered, e.g. `ThrottlingException`. */
    type: string;
    message?: string;
    status?: number;
  }
  /** No answer: the connection is reset (TCP RST), as a peer or a middlebox that drops it does. */
  | { reset: true }
) & {
  /** How many calls fail; every call when absent. */
  times?: number;
};

/**
 * A recording, fault-injecting HTTP proxy in front of the simulator: the SDK's real requests pass through
 * unchanged, except the `x-amz-target`s given a fault, which get AWS's JSON 1.1 error or a reset connection instead.
 */
export interface FaultProxy {
  endpoint: string;
  calls: RecordedCall[];
  fail(target: string, fault: Fault): void;
  clear(): void;
  callsOf(operation: string): RecordedCall[];
  close(): Promise<void>;
}

/** How long the proxy keeps an idle client connection: the simulator's keepAliveTimeout (plugins/sim-aws/src/server.ts). */
export const PROXY_KEEP_ALIVE_MS = 60_000;

/**
 * Connection-level ("hop-by-hop", RFC 9110 7.6.1) headers describe one connection, not the message: a proxy
 * drops them, or it would tell its clients the upstream's `Keep-Alive: timeout=` instead of its own.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = String(headers.connection ?? '').split(',').map((h) => h.trim().toLowerCase());
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.includes(name) && !named.includes(name)));
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const faults = new Map<string, Fault>();
  const calls: RecordedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const amzTarget = String(req.headers['x-amz-target'] ?? '');
      let parsed: Record<string, unknown> = {};
      try { parsed = JSON.parse(body.toString() || '{}') as Record<string, unknown>; } catch { /* not JSON */ }
      calls.push({ target: amzTarget, body: parsed });
      const fault = faults.get(amzTarget.split('.').pop() ?? '');
      if (fault && (fault.times === undefined || fault.times > 0)) {
        if (fault.times !== undefined) fault.times--;
        if ('reset' in fault) {
          req.socket.resetAndDestroy();
          return;
        }
        const payload = JSON.stringify({ __type: fault.type, message: fault.message ?? `injected ${fault.type}` });
        res.writeHead(fault.status ?? 400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': fault.type });
        res.end(payload);
        return;
      }
      const upstreamReq = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: endToEnd(req.headers) }, (up) => {
        res.writeHead(up.statusCode ?? 502, endToEnd(up.headers));
        up.pipe(res);
      });
      upstreamReq.on('error', (err) => { res.writeHead(502); res.end(err.message); });
      upstreamReq.end(body);
    });
  });
  // Node's default (5 s, closed at 6 s) is shorter than a test file, and the SDK's agent keeps idle sockets with
  // no timeout of its own: a call that reuses one as the proxy closes it reads ECONNRESET. The simulator keeps 60 s.
  server.keepAliveTimeout = PROXY_KEEP_ALIVE_MS;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    fail: (operation, fault) => faults.set(operation, fault),
    clear: () => faults.clear(),
    callsOf: (operation) => calls.filter((c) => c.target.endsWith(`.${operation}`)),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
