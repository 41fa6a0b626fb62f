/** startTestHost boots a real host in-process: the loader, DI and the Docker API as plugin authors get them. */
import { coreHttpRoutesExtensionPoint, coreServices, definePlugin, z } from '../src';
import { startTestHost } from '../src/testing';

const counter = definePlugin({
  id: 'counter-routes',
  sdk: '^1.0.0',
  options: z.object({ start: z.number() }),
  register(reg) {
    reg.registerInit({
      deps: { routes: coreHttpRoutesExtensionPoint, paths: coreServices.paths },
      init({ routes, paths }, { start }) {
        let n = start;
        routes.add({ method: 'POST', path: '/internal/counter', handler: () => ({ status: 201, body: { n: ++n, home: paths.home } }) });
      },
    });
  },
});

test('a plugin under test serves its routes beside the Docker API', async () => {
  const host = await startTestHost({ plugins: ['store-sqlite', { plugin: counter, options: { start: 41 } }] });
  try {
    const ping = await fetch(`${host.baseUrl}/_ping`);
    expect(ping.status).toBe(200);
    expect(ping.headers.get('api-version')).toBe('1.50');
    const res = await fetch(`${host.baseUrl}/internal/counter`, { method: 'POST' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ n: 42, home: host.home });
    const list = await fetch(`${host.baseUrl}/v1.50/containers/json`);
    expect(await list.json()).toEqual([]);
  } finally {
    await host.close();
  }
});

test('invalid options of a plugin under test fail like a boot', async () => {
  await expect(startTestHost({ plugins: ['store-sqlite', { plugin: counter, options: { start: 'x' } }] }))
    .rejects.toThrow(`plugin 'counter-routes' (from <inline>): invalid option 'start': Invalid input: expected number, received string`);
});
