/**
 * The GitHub side of the CI tests: the GitHub simulator as its own process (so it outlives a killed daemon),
 * its admin routes, a daemon config with ci-github pointed at it, and the daemon's event stream.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAND_IN_RUNNER_COMMAND } from '../../plugins/sim-github/src/stand-in-runner';
import { startSimulatorProcess, type SimulatorProcess } from './aws';
import { unmountUnder } from './daemon';
import { startE2E, type E2E } from './e2e';

export interface SimJob {
  id: number; status: string; conclusion: string | null; labels: string[]; runner_name: string | null; assignments: number; exit_code: number | null; log: string | null;
}

export function githubSim(endpoint: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${endpoint}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) as unknown : undefined;
  };
  return {
    call,
    app: () => call('GET', '/_sim/app') as Promise<{ appId: number; installationId: number; privateKey: string; token: string; tokensIssued: number }>,
    hook: (url: string, secret: string) => call('PUT', '/_sim/hook', { url, secret }),
    enqueue: (labels: string[], script = 'echo hello from the job', repo = 'acme/app') => call('POST', '/_sim/jobs', { repo, labels, script }) as Promise<SimJob>,
    jobs: () => call('GET', '/_sim/jobs') as Promise<SimJob[]>,
    job: (id: number) => call('GET', `/_sim/jobs/${id}`) as Promise<SimJob>,
    cancel: (id: number) => call('POST', `/_sim/jobs/${id}/cancel`),
    runners: () => call('GET', '/_sim/runners') as Promise<Array<{ id: number; name: string }>>,
    deliveries: () => call('GET', '/_sim/deliveries') as Promise<Array<{ id: number; guid: string; action: string; jobId: number; statusCode: number; redelivery: boolean }>>,
    redeliver: (id: number) => call('POST', `/_sim/deliveries/${id}/redeliver`),
  };
}

export async function startGitHubSim(dir: string): Promise<SimulatorProcess> {
  return startSimulatorProcess({ dir, cloud: 'github' });
}

/** A free loopback port, for the daemon's TCP listener (webhooks reach it there). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const WEBHOOK_SECRET = 'it-is-a-secret';

/**
 * A daemon config with pools `default` and `big`, and ci-github on the simulator as a GitHub App: group `big`
 * (labels self-hosted, linux, big; max 3) and group `idle` (its runner never asks for a job).
 */
export async function ciGitHubConfig(dir: string, endpoint: string, extra: { pollMs?: number; pickupTimeoutMs?: number; maxRunners?: number; webhook?: boolean } = {}): Promise<string> {
  const app = await githubSim(endpoint).app();
  const keyFile = join(dir, 'app-key.pem');
  writeFileSync(keyFile, app.privateKey, { mode: 0o600 });
  const options = {
    baseUrl: endpoint,
    auth: { appId: app.appId, installationId: app.installationId, privateKeyFile: keyFile },
    runners: { repository: 'acme/app' },
    ...(extra.webhook === false ? {} : { webhook: { secret: WEBHOOK_SECRET } }),
    poll: { repositories: ['acme/app'], intervalMs: extra.pollMs ?? 0 },
    pickupTimeoutMs: extra.pickupTimeoutMs ?? 300_000,
    runnerGroups: {
      big: { labels: ['self-hosted', 'linux', 'big'], image: 'busybox:latest', command: STAND_IN_RUNNER_COMMAND, pool: 'big', maxRunners: extra.maxRunners ?? 3, networkMode: 'host' },
      idle: { labels: ['self-hosted', 'linux', 'idle'], image: 'busybox:latest', command: ['sleep', '600'], pool: 'default', maxRunners: 2, networkMode: 'host' },
    },
  };
  return `export default ${JSON.stringify({
    plugins: ['store-sqlite', 'backend-local', 'pools', 'limits', { plugin: 'ci-github', options }],
    backends: { local: { driver: 'local' } },
    pools: { default: { backends: ['local'] }, big: { backends: ['local'], maxConcurrency: 8, queueSize: 64 } },
    defaultPool: 'default',
  }, null, 2)};\n`;
}

export interface DockerEvent { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number }

/** The daemon's `/events` stream (runner containers only), collected; `until` resolves when a predicate holds. */
export function runnerEvents(socketPath: string) {
  const seen: DockerEvent[] = [];
  const waiters: Array<{ ok: (e: DockerEvent[]) => boolean; resolve: () => void }> = [];
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'], label: ['com.sockerless.ci.coordinator=github'] }));
  let res: IncomingMessage | undefined;
  const req = request({ socketPath, path: `/events?filters=${filters}` }, (r) => {
    res = r;
    let buf = '';
    r.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        seen.push(JSON.parse(line) as DockerEvent);
        for (const w of [...waiters]) if (w.ok(seen)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
      }
    });
    r.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return {
    seen,
    until(what: string, ok: (e: DockerEvent[]) => boolean, timeoutMs = 60_000): Promise<void> {
      if (ok(seen)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; events: ${seen.map((e) => `${e.Action} ${e.Actor.Attributes.name}`).join(', ')}`)), timeoutMs);
        waiters.push({ ok, resolve: () => { clearTimeout(t); resolve(); } });
      });
    },
    close() { res?.destroy(); req.destroy(); },
  };
}

/** The most runner containers that existed at once, from create/destroy events in order. */
export function mostAtOnce(events: DockerEvent[]): number {
  let now = 0;
  let most = 0;
  for (const e of events) {
    if (e.Action === 'create') most = Math.max(most, ++now);
    if (e.Action === 'destroy') now -= 1;
  }
  return most;
}

export interface CiGitHubRig {
  dir: string;
  sim: SimulatorProcess;
  gh: ReturnType<typeof githubSim>;
  e: E2E;
  /** The daemon's webhook route on its TCP listener. */
  webhookUrl: string;
  dispose(): Promise<void>;
}

/** The simulator process, its hook pointed at a daemon with ci-github (TCP listener for the webhooks) and busybox. */
export async function startCiGitHub(prefix: string, extra: Parameters<typeof ciGitHubConfig>[2] = {}): Promise<CiGitHubRig> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const sim = await startGitHubSim(dir);
  const gh = githubSim(sim.endpoint);
  const port = await freePort();
  const webhookUrl = `http://127.0.0.1:${port}/internal/ci/github/webhook`;
  await gh.hook(webhookUrl, WEBHOOK_SECRET);
  const e = await startE2E({ config: await ciGitHubConfig(dir, sim.endpoint, extra), args: ['--listen', `tcp://127.0.0.1:${port}`] });
  // The first container start of a daemon waits for its live-restore monitor to be compiled: not a runner's latency.
  await e.ok(['run', '--rm', 'busybox:latest', 'true']);
  return {
    dir, sim, gh, e, webhookUrl,
    async dispose() {
      await e.dispose();
      await sim.stop();
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
