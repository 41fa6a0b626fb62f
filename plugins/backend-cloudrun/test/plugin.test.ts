/** The plugin as the core loads it: the Google clients stay unloaded until a cloudrun backend is made; options are checked. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startTestHost } from '@sockerless/sdk/testing';
import plugin from '../src';

const DIST_INDEX = join(__dirname, '..', 'dist', 'index.js');

test('listing the plugin loads no Google client: they load when a cloudrun instance is made', () => {
  const loaded = execFileSync(process.execPath, ['-e', `
    const plugin = require(${JSON.stringify(DIST_INDEX)}).default;
    if (plugin.id !== 'backend-cloudrun') throw new Error('not the plugin: ' + plugin.id);
    const google = Object.keys(require.cache).filter((p) => p.includes('@google-cloud') || p.includes('google-gax') || p.includes('google-auth-library'));
    process.stdout.write(String(google.length));
  `], { encoding: 'utf8' });
  expect(loaded).toBe('0');
});

test('a misspelt option stops the boot, naming it', async () => {
  await expect(startTestHost({
    plugins: ['store-sqlite', 'backend-local', plugin],
    backends: { cloudrun: { driver: 'cloudrun', options: { endpoint: 'http://127.0.0.1:9', regoin: 'x' } } },
  })).rejects.toThrow(/backend 'cloudrun'.*regoin/);
});
