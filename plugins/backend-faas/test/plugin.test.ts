/** The plugin as the core loads it: the AWS SDK stays unloaded until a Lambda backend is made; options are checked. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startTestHost } from '@sockerless/sdk/testing';
import plugin from '../src';

const DIST_INDEX = join(__dirname, '..', 'dist', 'index.js');

test('requiring the plugin loads no AWS SDK module', () => {
  const loaded = execFileSync(process.execPath, ['-e', `
    const plugin = require(${JSON.stringify(DIST_INDEX)}).default;
    if (plugin.id !== 'backend-faas') throw new Error('not the plugin: ' + plugin.id);
    const aws = Object.keys(require.cache).filter((p) => p.includes('@aws-sdk') || p.includes('@smithy'));
    process.stdout.write(String(aws.length));
  `], { encoding: 'utf8' });
  expect(loaded).toBe('0');
});

test('a misspelt option stops the boot, naming it', async () => {
  await expect(startTestHost({
    plugins: ['store-sqlite', 'backend-local', plugin],
    backends: { lambda: { driver: 'lambda', options: { simulator: 'aws', timeoutSecs: 10 } } },
  })).rejects.toThrow(/backend 'lambda'.*timeoutSecs/);
});

test('a timeout beyond Lambda\'s 900 s stops the boot', async () => {
  await expect(startTestHost({
    plugins: ['store-sqlite', 'backend-local', plugin],
    backends: { lambda: { driver: 'lambda', options: { endpoint: 'http://127.0.0.1:9', timeoutSeconds: 901 } } },
  })).rejects.toThrow(/timeoutSeconds.*900/);
});

test('a simulator that does not run in the daemon stops the boot, naming it', async () => {
  await expect(startTestHost({
    plugins: ['store-sqlite', 'backend-local', plugin],
    backends: { lambda: { driver: 'lambda', options: { simulator: 'aws' } } },
  })).rejects.toThrow(/simulator named 'aws'/);
});

test('requiring the plugin loads no Google or Azure client either', () => {
  const loaded = execFileSync(process.execPath, ['-e', `
    require(${JSON.stringify(DIST_INDEX)});
    const google = Object.keys(require.cache).filter((p) => /@google-cloud|google-gax|google-auth-library|@azure/.test(p));
    process.stdout.write(String(google.length));
  `], { encoding: 'utf8' });
  expect(loaded).toBe('0');
});

test('a cloudfunctions backend checks its options at boot, naming the offending one', async () => {
  await expect(startTestHost({
    plugins: ['store-sqlite', 'backend-local', plugin],
    backends: { gcf: { driver: 'cloudfunctions', options: { endpoint: 'http://127.0.0.1:9', timeoutSeconds: 3601 } } },
  })).rejects.toThrow(/timeoutSeconds.*3600/);
  await expect(startTestHost({
    plugins: ['store-sqlite', 'backend-local', plugin],
    backends: { gcf: { driver: 'cloudfunctions', options: { endpoint: 'http://127.0.0.1:9', functionPrefix: 'Upper_' } } },
  })).rejects.toThrow(/functionPrefix/);
});

test('an azurefunctions backend checks its options at boot: a plain-http endpoint is refused, naming why', async () => {
  await expect(startTestHost({
    plugins: ['store-sqlite', 'backend-local', plugin],
    backends: { azf: { driver: 'azurefunctions', options: { endpoint: 'https://127.0.0.1:9', resourceGroup: 'rg', sitePrefix: 'UP' } } },
  })).rejects.toThrow(/sitePrefix/);
  await expect(startTestHost({
    plugins: ['store-sqlite', 'backend-local', plugin],
    backends: { azf: { driver: 'azurefunctions', options: { endpoint: 'http://127.0.0.1:9', resourceGroup: 'rg' } } },
  })).rejects.toThrow(/https only/);
});
