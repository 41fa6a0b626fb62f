import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import volumesLocal, { LocalVolumeDriver } from '../src';

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-volumes-local-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

test('a volume is a directory at HOME/volumes/NAME/_data, as dockerd keeps it under /var/lib/docker', async () => {
  const driver = new LocalVolumeDriver(home);
  expect(driver.mountpoint('data')).toBe(join(home, 'volumes', 'data', '_data'));
  await driver.create('data');
  await driver.create('data');
  writeFileSync(join(driver.mountpoint('data'), 'f'), 'x'.repeat(1000));
  expect(await driver.size('data')).toBe(1000);
  await driver.remove('data');
  expect(existsSync(join(home, 'volumes', 'data'))).toBe(false);
  await driver.remove('data');
  expect(await driver.size('data')).toBe(0);
});

test("dockerd's local options are known but not honoured (501); others are invalid (400)", () => {
  const driver = new LocalVolumeDriver(home);
  expect(() => driver.checkOptions('v', {})).not.toThrow();
  expect(() => driver.checkOptions('v', { type: 'tmpfs' })).toThrow(expect.objectContaining({ code: 'NotImplemented' }));
  expect(() => driver.checkOptions('v', { colour: 'red' })).toThrow('create v: invalid option key: "colour"');
});

test('the plugin is the one the daemon implies when a config lists none (core/src/config/implied-plugins.ts)', () => {
  expect(volumesLocal.id).toBe('volumes-local');
});
