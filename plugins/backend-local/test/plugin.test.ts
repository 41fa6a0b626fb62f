import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendDriverFactory } from '@sockerless/sdk';
import { captureInit } from '@sockerless/sdk/testing';
import plugin, { LocalDriver } from '../src/index';
import { silentLogger } from './helpers';

/** Runs the plugin's register and init by hand, with a fake driver registry. */
async function boot(): Promise<BackendDriverFactory<any>[]> {
  const registration = captureInit(plugin);
  const factories: BackendDriverFactory<any>[] = [];
  await registration.init({ drivers: { register: (f: BackendDriverFactory<any>) => factories.push(f) }, logger: silentLogger() }, undefined);
  return factories;
}

test('registers the local driver kind; options are validated strictly', async () => {
  expect(plugin.id).toBe('backend-local');
  const [factory, ...rest] = await boot();
  expect(rest).toEqual([]);
  expect(factory.kind).toBe('local');
  const validate = (v: unknown) => factory.optionsSchema!['~standard'].validate(v);
  expect(await validate({})).toEqual({ value: { sandbox: 'auto' } });
  expect(await validate({ sandbox: 'none' })).toEqual({ value: { sandbox: 'none' } });
  expect((await validate({ sandbox: 'docker' })).issues).toBeDefined();
  expect((await validate({ sandbx: 'none' })).issues).toBeDefined();
  const dir = mkdtempSync(join(tmpdir(), 'sl-local-plugin-'));
  try {
    const driver = await factory.create({ instanceName: 'local', options: { sandbox: 'auto' }, stateDir: dir, logger: silentLogger() });
    expect(driver).toBeInstanceOf(LocalDriver);
    expect(driver.capabilities).toEqual({ exec: true, archive: true, top: true, attach: true });
    expect(await driver.list()).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
