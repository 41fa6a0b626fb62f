import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreLifecycleHooksExtensionPoint, definePlugin, InvalidArgumentError, type LifecycleContext, type PluginEntry } from '@sockerless/sdk';
import { silentLogger } from '@sockerless/sdk/testing';
import { startDaemon, type RunningDaemon } from '../../src/daemon';

/** Health checks and restart policies are plugins on core.lifecycleHooks; a config that names neither still gets both. */
let home: string;
let daemon: RunningDaemon | undefined;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-lifecycle-hooks-')); });
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
  rmSync(home, { recursive: true, force: true });
});

const boot = (plugins: PluginEntry[]) => startDaemon({ config: { plugins }, listen: ['tcp://127.0.0.1:0'], home, logger: silentLogger });
const pluginIds = (d: RunningDaemon) => d.host.initTimes.map((t) => t.id);
const create = async (d: RunningDaemon, body: Record<string, unknown>) => {
  const res = await fetch(`${d.addresses[0].replace('tcp://', 'http://')}/containers/create`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Image: 'busybox', ...body }),
  });
  return { status: res.status, body: await res.json() as { message?: string } };
};

test('a config that names neither gets health and restart-policy, whose create checks answer with dockerd\'s 400s', async () => {
  daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toEqual(expect.arrayContaining(['health', 'restart-policy']));
  expect(await create(daemon, { HostConfig: { RestartPolicy: { Name: 'sometimes' } } })).toEqual({ status: 400, body: { message: `invalid restart policy 'sometimes'` } });
  expect(await create(daemon, { Healthcheck: { Test: ['CMD', 'true'], Interval: 10 } })).toEqual({ status: 400, body: { message: 'Interval in Healthcheck cannot be less than 1ms' } });
});

test('a config that names them gets each once', async () => {
  daemon = await boot(['store-sqlite', 'health', 'restart-policy']);
  expect(pluginIds(daemon).filter((id) => id === 'health' || id === 'restart-policy')).toEqual(['health', 'restart-policy']);
});

test('a plugin\'s own hook is handed the core\'s context and refuses a create with its Docker error', async () => {
  const contexts: LifecycleContext[] = [];
  const policy = definePlugin({
    id: 'no-privileged',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: { hooks: coreLifecycleHooksExtensionPoint },
        init({ hooks }) {
          hooks.register((ctx) => {
            contexts.push(ctx);
            return {
              validateCreate(body) {
                if (body.HostConfig?.Privileged === true) throw new InvalidArgumentError('privileged containers are not allowed here');
              },
            };
          });
        },
      });
    },
  });
  daemon = await boot(['store-sqlite', policy]);
  expect(contexts).toHaveLength(1);
  expect(contexts[0].containers()).toEqual([]);
  expect(await create(daemon, { HostConfig: { Privileged: true } })).toEqual({ status: 400, body: { message: 'privileged containers are not allowed here' } });
});
