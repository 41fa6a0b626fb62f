import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coreBackendDriversExtensionPoint, coreServices, coreSimulatorExtensionPoint, definePlugin, type BackendDriver, type SimulatorDirectory,
} from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { startDaemon } from '../src/daemon';

/** A simulator plugin whose "cloud" answers every request with its name; it records its start and stop. */
function fakeSimulatorPlugin(name: string, log: string[]) {
  return definePlugin({
    id: `sim-${name}`,
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: { simulators: coreSimulatorExtensionPoint },
        init({ simulators }) {
          let server: Server | undefined;
          simulators.register({
            name,
            async start({ host, port }) {
              server = createServer((_req, res) => res.end(name));
              await new Promise<void>((r) => server!.listen(port, host, () => r()));
              log.push(`start ${name}`);
              return { endpoint: `http://${host}:${(server.address() as AddressInfo).port}` };
            },
            async stop() {
              log.push(`stop ${name}`);
              await new Promise<void>((r) => server!.close(() => r()));
            },
          });
        },
      });
    },
  });
}

/** A backend plugin whose driver factory resolves the simulator's endpoint, as a cloud backend does. */
function cloudBackendPlugin(simulator: string, seen: { endpoint?: string; error?: string; directory?: SimulatorDirectory }, log: string[]) {
  return definePlugin({
    id: 'fake-cloud',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: { drivers: coreBackendDriversExtensionPoint, simulators: coreServices.simulators },
        init({ drivers, simulators }) {
          seen.directory = simulators;
          drivers.register({
            kind: 'cloud',
            create(): BackendDriver {
              try {
                seen.endpoint = simulators.endpoint(simulator);
              } catch (err) {
                seen.error = (err as Error).message;
              }
              return {
                kind: 'cloud',
                create: async () => undefined, start: async () => { throw new Error('not used'); },
                signal: async () => undefined, remove: async () => undefined, list: async () => [],
                close: async () => { log.push('backend close'); },
              };
            },
          });
        },
      });
    },
  });
}

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-simulators-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

test('simulators start before backend instances are made, answer on their listener, and stop after the core', async () => {
  const log: string[] = [];
  const seen: { endpoint?: string; error?: string; directory?: SimulatorDirectory } = {};
  const daemon = await startDaemon({
    config: { plugins: ['store-sqlite', fakeSimulatorPlugin('fake', log), cloudBackendPlugin('fake', seen, log)], simulators: { fake: { listen: 'tcp://127.0.0.1:0' } } },
    listen: ['tcp://127.0.0.1:0'], home, logger: silentLogger,
  });
  try {
    expect(seen.error).toBeUndefined();
    expect(seen.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(daemon.simulators).toEqual([{ name: 'fake', endpoint: seen.endpoint }]);
    expect(await (await fetch(seen.endpoint!)).text()).toBe('fake');
    expect(seen.directory!.names()).toEqual(['fake']);
    // An http simulator has no CA file to trust (sim-azure's https one has: plugins/sim-azure/test/cli.test.ts).
    expect(seen.directory!.caFile?.('fake')).toBeUndefined();
    expect(() => seen.directory!.caFile?.('gcp')).toThrow(/no simulator named 'gcp'/);
    expect(() => seen.directory!.endpoint('gcp')).toThrow(/no simulator named 'gcp' runs in this daemon \(running: fake\)/);
    const api = daemon.addresses[0].replace('tcp://', 'http://');
    expect(await (await fetch(`${api}/internal/simulators`)).json()).toEqual([{ name: 'fake', endpoint: seen.endpoint }]);
  } finally {
    await daemon.close();
  }
  expect(log).toEqual(['start fake', 'backend close', 'stop fake']);
  await expect(fetch(seen.endpoint!)).rejects.toThrow();
});

test('without a simulator plugin the directory answers NotFound naming the fix', async () => {
  const log: string[] = [];
  const seen: { endpoint?: string; error?: string } = {};
  const daemon = await startDaemon({ config: { plugins: ['store-sqlite', cloudBackendPlugin('aws', seen, log)] }, listen: [], home, logger: silentLogger });
  await daemon.close();
  expect(seen.endpoint).toBeUndefined();
  expect(seen.error).toMatch(/no simulator named 'aws' runs in this daemon \(none runs; add its plugin/);
  expect(daemon.addresses).toEqual([]);
});

test('a listener configured for a simulator nobody registers stops the boot', async () => {
  await expect(startDaemon({ config: { plugins: ['store-sqlite'], simulators: { aws: { listen: 'tcp://127.0.0.1:0' } } }, listen: [], home, logger: silentLogger }))
    .rejects.toThrow(/simulators\.aws: no configured plugin registers a simulator named 'aws' \(registered: none\)/);
});

test('a simulator listen address must be tcp', async () => {
  await expect(startDaemon({ config: { plugins: ['store-sqlite'], simulators: { aws: { listen: 'unix:///tmp/x.sock' } } }, listen: [], home, logger: silentLogger }))
    .rejects.toThrow(/simulators\.aws\.listen.*expected tcp:\/\/HOST:PORT/);
});
