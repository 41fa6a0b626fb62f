/**
 * The plugin as the core loads it: the Google clients stay unloaded until a cloudrun backend is made; invalid
 * options stop the boot with a message naming the backend, the option and what it takes.
 */
import { join } from 'node:path';
import { bootBackend, modulesLoadedByRequiring } from '../../../test/support/cloud-backend';
import plugin from '../src';

const DIST_INDEX = join(__dirname, '..', 'dist', 'index.js');

test('listing the plugin loads no Google client: they load when a cloudrun instance is made', () => {
  expect(modulesLoadedByRequiring(DIST_INDEX, /@google-cloud|google-gax|google-auth-library/, 'backend-cloudrun')).toBe(0);
});

test('a misspelt option stops the boot, naming it', async () => {
  await expect(bootBackend(plugin, 'cloudrun', 'cloudrun', { endpoint: 'http://127.0.0.1:9', regoin: 'x' })).rejects.toThrow(/backend 'cloudrun'.*regoin/);
});

describe('invalid options stop the boot, naming the option and what it takes', () => {
  const boot = (options: Record<string, unknown>) => bootBackend(plugin, 'cloudrun', 'cloudrun', options);
  const local = { endpoint: 'http://127.0.0.1:9' };

  test.each([
    ['a region that is not one', { ...local, region: 'Europe West' }, /backend 'cloudrun'.*'region': a Cloud Run region, e\.g\. us-central1/],
    ['a project id with capitals and spaces', { ...local, project: 'My Project' }, /'project': a Google Cloud project id/],
    ['a service account that is not an email', { ...local, serviceAccount: 'nobody' }, /'serviceAccount'/],
    ['both an endpoint and a simulator', { ...local, simulator: 'gcp' }, /give either endpoint or simulator, not both/],
    ['a poll interval whose min exceeds its max', { ...local, pollIntervalMs: { min: 500, max: 10 } }, /pollIntervalMs\.min must not exceed pollIntervalMs\.max/],
    ['a task timeout beyond the API\'s 7 days', { ...local, taskTimeoutSeconds: 8 * 24 * 3600 }, /'taskTimeoutSeconds'/],
    ['an AWS-style key pair (Google takes Application Default Credentials)', { ...local, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }, /credentials/],
    ['maxAttempts 0', { ...local, maxAttempts: 0 }, /'maxAttempts'/],
  ])('%s', async (_what, options, message) => {
    await expect(boot(options)).rejects.toThrow(message);
  });

  test('a simulator no plugin runs: the backend and the option are named', async () => {
    await expect(boot({ simulator: 'gcp' })).rejects.toThrow(/backend 'cloudrun': options\.simulator: no simulator named 'gcp' runs in this daemon/);
  });

  test('on Google itself, no project in the options or the environment', async () => {
    const saved = process.env.GOOGLE_CLOUD_PROJECT;
    delete process.env.GOOGLE_CLOUD_PROJECT;
    try {
      await expect(boot({})).rejects.toThrow(/backend 'cloudrun': options\.project: name the Google Cloud project the jobs run in \(or set GOOGLE_CLOUD_PROJECT\)/);
    } finally {
      if (saved !== undefined) process.env.GOOGLE_CLOUD_PROJECT = saved;
    }
  });
});
