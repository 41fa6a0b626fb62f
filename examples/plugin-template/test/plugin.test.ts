/**
 * The template's own tests, through a real host (startTestHost needs @sockerless/core, a devDependency).
 * Once `start` runs workloads, add the conformance kit:
 *   runBackendConformance({ name: 'my-backend', driver: { kind: 'my-backend', optionsSchema, create: (ctx) => new MyBackendDriver(ctx) }, options: {}, image: ... });
 */
import { startTestHost } from '@sockerless/sdk/testing';
import myBackend from '../src';

test('the host boots with the plugin and a backend instance of it', async () => {
  const host = await startTestHost({ plugins: ['store-sqlite', myBackend], backends: { mine: { driver: 'my-backend', options: { region: 'x' } } } });
  try {
    const info = await (await fetch(`${host.baseUrl}/v1.50/info`)).json() as { Containers: number };
    expect(info.Containers).toBe(0);
  } finally {
    await host.close();
  }
});

test('an invalid option stops the boot naming the backend and the option', async () => {
  await expect(startTestHost({ plugins: ['store-sqlite', myBackend], backends: { mine: { driver: 'my-backend', options: { regin: 'x' } } } }))
    .rejects.toThrow(/backend 'mine' \(driver 'my-backend' from plugin 'my-backend'\): invalid option/);
});
