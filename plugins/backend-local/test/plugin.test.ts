import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driverPowers, sandboxRuntimeServiceRef, type BackendDriverFactory, type InitRegistration, type SandboxRuntime } from '@sockerless/sdk';
import plugin, { LocalDriver } from '../src/index';
import { silentLogger } from './helpers';

/** Runs the plugin's register and init by hand, with a fake driver registry, keeping the services it provides. */
async function boot(): Promise<{ factories: BackendDriverFactory<any>[]; services: Map<string, () => unknown> }> {
  let registration: InitRegistration<any, unknown> | undefined;
  const services = new Map<string, () => unknown>();
  plugin.register({
    registerExtensionPoint: () => { throw new Error('backend-local owns no extension point'); },
    provideService: (ref, factory) => { services.set(ref.id, factory); },
    registerInit: (r) => { registration = r as InitRegistration<any, unknown>; },
  });
  const factories: BackendDriverFactory<any>[] = [];
  // The daemon's home only names its network objects (their tag); nothing is written there.
  const paths = { home: join(tmpdir(), 'sl-local-plugin-home'), configDir: tmpdir(), stateDir: tmpdir() };
  await registration!.init({ drivers: { register: (f: BackendDriverFactory<any>) => factories.push(f) }, logger: silentLogger(), paths }, undefined);
  return { factories, services };
}

test('registers the local driver kind; options are validated strictly', async () => {
  expect(plugin.id).toBe('backend-local');
  const { factories: [factory, ...rest] } = await boot();
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
    expect(Object.keys(driverPowers(driver)).sort()).toEqual(['archive', 'diskUsage', 'exec', 'layer', 'network', 'oom', 'pause', 'reattach', 'resources', 'stats', 'top']);
    expect(await driver.list()).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('provides the sandbox runtime: a local driver for simulators', async () => {
  const { services } = await boot();
  const runtime = services.get(sandboxRuntimeServiceRef.id)?.() as SandboxRuntime;
  expect(runtime).toBeDefined();
  const dir = mkdtempSync(join(tmpdir(), 'sl-local-sandbox-'));
  try {
    const driver = runtime.open({ name: 'sim', stateDir: dir, logger: silentLogger() });
    expect(driver).toBeInstanceOf(LocalDriver);
    expect(driver.kind).toBe('local');
    await driver.close?.();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
