import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the Google Cloud end-to-end tests share: a daemon config with the simulator inside, and its endpoint. */

/** backend-cloudrun as the default backend, on the Google Cloud simulator running in the daemon (as `--preset gcp-sim`). */
export const CLOUDRUN_IN_DAEMON_CONFIG = `export default {
  plugins: ['store-sqlite', 'backend-local', 'sim-gcp', 'backend-cloudrun'],
  simulators: { gcp: { listen: 'tcp://127.0.0.1:0' } },
  backends: { cloudrun: { driver: 'cloudrun', options: { simulator: 'gcp' } } },
  defaultBackend: 'cloudrun',
};
`;

/** The endpoint a daemon printed for one of its simulators (`GCP simulator: http://127.0.0.1:PORT`). */
export function printedSimulatorEndpoint(output: string, cloud: 'AWS' | 'GCP' | 'Azure'): string {
  const m = new RegExp(`^${cloud} simulator: (http://127\\.0\\.0\\.1:\\d+)$`, 'm').exec(output);
  if (!m) throw new Error(`the daemon printed no ${cloud} simulator line:\n${output}`);
  return m[1];
}

/** Where Debian's google-cloud-cli puts gcloud; tests that need it are skipped, saying so, without it. */
export const GCLOUD = '/usr/bin/gcloud';

/**
 * Runs the Google Cloud CLI against a simulator: an access token from a file (any token), the simulator as
 * the endpoint of `run` and `logging` and as gcloud's HTTP proxy, since gcloud puts the region before the
 * endpoint's host (`us-central1-127.0.0.1`), which does not resolve. `dir` holds gcloud's config and the token.
 */
export function gcloudAgainst(endpoint: string, dir: string, project: string): (args: string[]) => Promise<string> {
  const { port } = new URL(endpoint);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), 'any-token');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, CLOUDSDK_CONFIG: join(dir, 'config'), CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: join(dir, 'token'), CLOUDSDK_CORE_PROJECT: project,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: `${endpoint}/`, CLOUDSDK_API_ENDPOINT_OVERRIDES_LOGGING: `${endpoint}/`,
    CLOUDSDK_PROXY_TYPE: 'http', CLOUDSDK_PROXY_ADDRESS: '127.0.0.1', CLOUDSDK_PROXY_PORT: port,
  };
  return (args) => new Promise((resolve, reject) => {
    execFile(GCLOUD, args, { env, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`gcloud ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}
