import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InitRegistration, PluginRegistrar, StateStore } from '@sockerless/sdk';
import plugin, { resolveDbPath, SqliteStateStore } from '../src/index';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-sqlite-plugin-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the plugin's register and init by hand, with fakes for the core's services. */
async function boot(options: { path?: string }) {
  let registration: InitRegistration<any, { path?: string }> | undefined;
  const reg: PluginRegistrar<{ path?: string }> = {
    registerExtensionPoint: () => { throw new Error('unexpected'); },
    provideService: () => { throw new Error('unexpected'); },
    registerInit: (r) => { registration = r as InitRegistration<any, { path?: string }>; },
  };
  plugin.register(reg);
  let store: StateStore | undefined;
  const hooks: Array<() => void | Promise<void>> = [];
  const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } };
  const paths = { home: join(dir, 'home'), stateDir: join(dir, 'home', 'plugins', 'store-sqlite'), configDir: join(dir, 'cfg') };
  await registration!.init({
    store: { setStore: (s: StateStore) => { store = s; } },
    lifecycle: { onShutdown: (h: () => void | Promise<void>) => hooks.push(h) },
    paths,
    logger,
  }, options);
  return { store: store as SqliteStateStore, hooks, deps: Object.keys(registration!.deps).sort() };
}

test('the plugin is data with the right id and SDK range', () => {
  expect(plugin.id).toBe('store-sqlite');
  expect(plugin.sdk).toBe('^1.0.0');
});

test('options: path is an optional non-empty string', async () => {
  const validate = (v: unknown) => plugin.options!['~standard'].validate(v);
  expect(await validate({})).toMatchObject({ value: {} });
  expect(await validate({ path: 'x.db' })).toMatchObject({ value: { path: 'x.db' } });
  expect((await validate({ path: 3 })).issues).toBeDefined();
  expect((await validate({ path: '' })).issues).toBeDefined();
});

test('by default the database is SOCKERLESS_HOME/state.db, and the shutdown hook closes it', async () => {
  const { store, hooks, deps } = await boot({});
  expect(deps).toEqual(['lifecycle', 'logger', 'paths', 'store']);
  expect(store).toBeInstanceOf(SqliteStateStore);
  expect(store.path).toBe(join(dir, 'home', 'state.db'));
  store.put('pool', { id: 'p' });
  expect(hooks).toHaveLength(1);
  await hooks[0]();
  expect(() => store.loadAll('pool')).toThrow(/not open/);
});

test('a relative path resolves against the config dir; absolute and :memory: are kept', async () => {
  const paths = { home: '/h', configDir: '/etc/sl' };
  expect(resolveDbPath(undefined, paths)).toBe('/h/state.db');
  expect(resolveDbPath('data/s.db', paths)).toBe('/etc/sl/data/s.db');
  expect(resolveDbPath('/var/s.db', paths)).toBe('/var/s.db');
  expect(resolveDbPath(':memory:', paths)).toBe(':memory:');
  const { store, hooks } = await boot({ path: 'sub/s.db' });
  expect(store.path).toBe(join(dir, 'cfg', 'sub', 's.db'));
  await hooks[0]();
});
