/** The plugin as the core loads it: the Azure clients stay unloaded until an aca backend is made; options are checked. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startTestHost } from '@sockerless/sdk/testing';
import plugin from '../src';

const DIST_INDEX = join(__dirname, '..', 'dist', 'index.js');

test('listing the plugin loads no Azure client: they load when an aca instance is made', () => {
  const loaded = execFileSync(process.execPath, ['-e', `
    const plugin = require(${JSON.stringify(DIST_INDEX)}).default;
    if (plugin.id !== 'backend-aca') throw new Error('not the plugin: ' + plugin.id);
    const azure = Object.keys(require.cache).filter((p) => p.includes('@azure/'));
    process.stdout.write(String(azure.length));
  `], { encoding: 'utf8' });
  expect(loaded).toBe('0');
});

test('a misspelt option stops the boot, naming it', async () => {
  await expect(startTestHost({
    plugins: ['store-sqlite', 'backend-local', plugin],
    backends: { aca: { driver: 'aca', options: { endpoint: 'https://127.0.0.1:9', regoin: 'x' } } },
  })).rejects.toThrow(/backend 'aca'.*regoin/);
});
