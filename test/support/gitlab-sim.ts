/**
 * The GitLab side of the CI tests: the GitLab simulator in the test process (it outlives a killed daemon,
 * which is a child process) and a daemon config with ci-gitlab pointed at it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_REGISTRATION_TOKEN } from '../../plugins/sim-gitlab/src/defaults';
import { startGitlab, type TestGitlab } from '../../plugins/sim-gitlab/test/helpers';
import { unmountUnder } from './daemon';
import { startE2E, type E2E } from './e2e';

export interface CiGitLabRig {
  dir: string;
  gl: TestGitlab;
  e: E2E;
  /** The containers ci-gitlab made, running or not (`docker ps -aq` by its label). */
  containers(jobId?: number): Promise<string[]>;
  networks(): Promise<string[]>;
  dispose(): Promise<void>;
}

export interface CiGitLabExtra {
  concurrency?: number;
  /** Register with the simulator's registration token instead of using a runner authentication token. */
  register?: boolean;
}

export function ciGitLabConfig(endpoint: string, token: string, extra: CiGitLabExtra = {}): string {
  const credentials = extra.register ? { registrationToken: DEFAULT_REGISTRATION_TOKEN } : { token };
  const options = {
    url: endpoint,
    dockerHost: 'unix://./docker.sock',
    traceIntervalMs: 200,
    runners: [{ name: 'docker', ...credentials, tags: ['docker'], pool: 'big', concurrency: extra.concurrency ?? 3, defaultImage: 'busybox:latest' }],
  };
  return `export default ${JSON.stringify({
    plugins: ['store-sqlite', 'backend-local', 'pools', { plugin: 'ci-gitlab', options }],
    backends: { local: { driver: 'local' } },
    pools: { default: { backends: ['local'] }, big: { backends: ['local'], maxConcurrency: 16, queueSize: 64 } },
    defaultPool: 'default',
  }, null, 2)};\n`;
}

/** The simulator, a runner token for tags [docker], and a daemon (busybox imported) whose ci-gitlab uses it. */
export async function startCiGitLab(prefix: string, extra: CiGitLabExtra = {}): Promise<CiGitLabRig> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const gl = await startGitlab({ longPollMs: 5_000 });
  const token = await gl.runnerToken(['docker']);
  const e = await startE2E({ config: ciGitLabConfig(gl.endpoint, token, extra) });
  const lines = (s: string) => s.split('\n').filter(Boolean);
  return {
    dir, gl, e,
    containers: async (jobId) => lines(await e.ok(['ps', '-aq', '--filter', 'label=com.sockerless.ci.coordinator=gitlab', ...(jobId ? ['--filter', `label=com.sockerless.ci.job=${jobId}`] : [])])),
    networks: async () => lines(await e.ok(['network', 'ls', '-q', '--filter', 'label=com.sockerless.ci.coordinator=gitlab'])),
    async dispose() {
      await e.dispose();
      await gl.close();
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
