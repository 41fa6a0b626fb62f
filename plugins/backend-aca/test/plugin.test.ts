/** The plugin as the core loads it: the Azure clients stay unloaded until an aca backend is made; options are checked. */
import { join } from 'node:path';
import { bootBackend, modulesLoadedByRequiring } from '../../../test/support/cloud-backend';
import plugin from '../src';

const DIST_INDEX = join(__dirname, '..', 'dist', 'index.js');

test('listing the plugin loads no Azure client: they load when an aca instance is made', () => {
  expect(modulesLoadedByRequiring(DIST_INDEX, /@azure\//, 'backend-aca')).toBe(0);
});

test('a misspelt option stops the boot, naming it', async () => {
  await expect(bootBackend(plugin, 'aca', 'aca', { endpoint: 'https://127.0.0.1:9', regoin: 'x' })).rejects.toThrow(/backend 'aca'.*regoin/);
});
