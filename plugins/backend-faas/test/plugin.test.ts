/** The plugin as the core loads it: the AWS SDK stays unloaded until a Lambda backend is made; options are checked. */
import { join } from 'node:path';
import { bootBackend, modulesLoadedByRequiring } from '../../../test/support/cloud-backend';
import plugin from '../src';

const DIST_INDEX = join(__dirname, '..', 'dist', 'index.js');

test('requiring the plugin loads no AWS SDK module', () => {
  expect(modulesLoadedByRequiring(DIST_INDEX, /@aws-sdk|@smithy/, 'backend-faas')).toBe(0);
});

test('a misspelt option stops the boot, naming it', async () => {
  await expect(bootBackend(plugin, 'lambda', 'lambda', { simulator: 'aws', timeoutSecs: 10 })).rejects.toThrow(/backend 'lambda'.*timeoutSecs/);
});

test('a timeout beyond Lambda\'s 900 s stops the boot', async () => {
  await expect(bootBackend(plugin, 'lambda', 'lambda', { endpoint: 'http://127.0.0.1:9', timeoutSeconds: 901 })).rejects.toThrow(/timeoutSeconds.*900/);
});

test('a simulator that does not run in the daemon stops the boot, naming it', async () => {
  await expect(bootBackend(plugin, 'lambda', 'lambda', { simulator: 'aws' })).rejects.toThrow(/simulator named 'aws'/);
});

test('requiring the plugin loads no Google or Azure client either', () => {
  expect(modulesLoadedByRequiring(DIST_INDEX, /@google-cloud|google-gax|google-auth-library|@azure/)).toBe(0);
});

test('a cloudfunctions backend checks its options at boot, naming the offending one', async () => {
  await expect(bootBackend(plugin, 'gcf', 'cloudfunctions', { endpoint: 'http://127.0.0.1:9', timeoutSeconds: 3601 })).rejects.toThrow(/timeoutSeconds.*3600/);
  await expect(bootBackend(plugin, 'gcf', 'cloudfunctions', { endpoint: 'http://127.0.0.1:9', functionPrefix: 'Upper_' })).rejects.toThrow(/functionPrefix/);
});

test('an azurefunctions backend checks its options at boot: a plain-http endpoint is refused, naming why', async () => {
  await expect(bootBackend(plugin, 'azf', 'azurefunctions', { endpoint: 'https://127.0.0.1:9', resourceGroup: 'rg', sitePrefix: 'UP' })).rejects.toThrow(/sitePrefix/);
  await expect(bootBackend(plugin, 'azf', 'azurefunctions', { endpoint: 'http://127.0.0.1:9', resourceGroup: 'rg' })).rejects.toThrow(/https only/);
});
