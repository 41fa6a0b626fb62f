import { createExtensionPoint, createServiceRef, coreServices, definePlugin, type SockerlessPlugin } from '@sockerless/sdk';
import { PluginHost } from '../src/host/plugin-host';
import type { LoadedPlugin } from '../src/host/plugin-loader';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };
const paths = { home: '/tmp/sockerless-unit-home', configFile: '<inline>', configDir: '/tmp' };
const loaded = (plugin: SockerlessPlugin<any>): LoadedPlugin => ({ plugin, source: '<inline>', options: {} });

test('service providers init before users, contributors before the extension point owner, shutdown in reverse', async () => {
  const log: string[] = [];
  const greeter = createServiceRef<{ greet(): string }>({ id: 'test.greeter' });
  const collector = createExtensionPoint<{ add(s: string): void }>({ id: 'test.collector' });
  const collected: string[] = [];
  const owner = definePlugin({
    id: 'owner',
    sdk: '^1',
    register(reg) {
      reg.registerExtensionPoint(collector, { add: (s) => collected.push(s) });
      reg.registerInit({ deps: { lifecycle: coreServices.lifecycle }, init({ lifecycle }) {
        log.push(`init owner sees ${collected.join(',')}`);
        lifecycle.onShutdown(() => { log.push('shutdown owner'); });
      } });
    },
  });
  const contributor = definePlugin({
    id: 'contributor',
    sdk: '^1',
    register(reg) {
      reg.registerInit({ deps: { c: collector, g: greeter, lifecycle: coreServices.lifecycle }, init({ c, g, lifecycle }) {
        c.add(g.greet());
        log.push('init contributor');
        lifecycle.onShutdown(() => { log.push('shutdown contributor'); });
      } });
    },
  });
  const provider = definePlugin({
    id: 'provider',
    sdk: '^1',
    register(reg) {
      reg.provideService(greeter, () => ({ greet: () => 'hello' }));
      reg.registerInit({ deps: { lifecycle: coreServices.lifecycle }, init({ lifecycle }) {
        log.push('init provider');
        lifecycle.onShutdown(() => { log.push('shutdown provider'); });
      } });
    },
  });
  const host = new PluginHost(paths, silent);
  host.register([loaded(owner), loaded(contributor), loaded(provider)]);
  await host.initAll();
  expect(host.initOrder).toEqual(['provider', 'contributor', 'owner']);
  await host.shutdown();
  expect(log).toEqual(['init provider', 'init contributor', 'init owner sees hello', 'shutdown owner', 'shutdown contributor', 'shutdown provider']);
});

test('a dependency cycle is a boot error naming the chain', async () => {
  const a = createServiceRef<number>({ id: 'test.a' });
  const b = createServiceRef<number>({ id: 'test.b' });
  const pa = definePlugin({ id: 'pa', sdk: '^1', register(reg) { reg.provideService(a, () => 1); reg.registerInit({ deps: { b }, init() {} }); } });
  const pb = definePlugin({ id: 'pb', sdk: '^1', register(reg) { reg.provideService(b, () => 2); reg.registerInit({ deps: { a }, init() {} }); } });
  const host = new PluginHost(paths, silent);
  host.register([loaded(pa), loaded(pb)]);
  await expect(host.initAll()).rejects.toThrow('plugin dependency cycle: pa -> pb -> pa');
});

test('a dependency nobody provides is named', async () => {
  const missing = createServiceRef<number>({ id: 'test.missing' });
  const p = definePlugin({ id: 'needy', sdk: '^1', register(reg) { reg.registerInit({ deps: { m: missing }, init() {} }); } });
  const host = new PluginHost(paths, silent);
  host.register([loaded(p)]);
  await expect(host.initAll()).rejects.toThrow(`plugin 'needy' (from <inline>): dependency 'm' (test.missing) is not provided by the core or any configured plugin`);
});

test('the same plugin twice, and a plugin without init, are refused at registration', () => {
  const p = definePlugin({ id: 'twice', sdk: '^1', register(reg) { reg.registerInit({ deps: {}, init() {} }); } });
  expect(() => new PluginHost(paths, silent).register([loaded(p), loaded(p)])).toThrow(`plugin 'twice' is configured twice (from <inline> and <inline>)`);
  const noInit = definePlugin({ id: 'no-init', sdk: '^1', register() {} });
  expect(() => new PluginHost(paths, silent).register([loaded(noInit)])).toThrow(`plugin 'no-init' (from <inline>): register() did not call registerInit()`);
});

test('a shutdown hook that hangs is cut off by its timeout and the others still run', async () => {
  const log: string[] = [];
  const mk = (id: string, hang: boolean) => definePlugin({ id, sdk: '^1', register(reg) {
    reg.registerInit({ deps: { lifecycle: coreServices.lifecycle }, init({ lifecycle }) {
      lifecycle.onShutdown(() => (hang ? new Promise<void>(() => undefined) : void log.push(id)), { timeoutMs: 50 });
    } });
  } });
  const host = new PluginHost(paths, silent);
  host.register([loaded(mk('first', false)), loaded(mk('hangs', true))]);
  await host.initAll();
  await host.shutdown();
  expect(log).toEqual(['first']);
});

test('definePlugin refuses ids that are not kebab-case', () => {
  expect(() => definePlugin({ id: 'Bad_Id', sdk: '^1', register() {} })).toThrow(`plugin id 'Bad_Id' must be kebab-case`);
});
