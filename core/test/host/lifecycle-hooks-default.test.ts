import { coreLifecycleHooksExtensionPoint, definePlugin, InvalidArgumentError, type LifecycleContext } from '@sockerless/sdk';
import type { RunningDaemon } from '../../src/daemon';
import { apiUrl, daemonPerTest, pluginIds } from './default-plugin-daemon';

/** Health checks and restart policies are plugins on core.lifecycleHooks; a config that names neither still gets both. */
const { boot } = daemonPerTest('sockerless-lifecycle-hooks-');
const create = async (d: RunningDaemon, body: Record<string, unknown>) => {
  const res = await fetch(apiUrl(d, '/containers/create'), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Image: 'busybox', ...body }),
  });
  return { status: res.status, body: await res.json() as { message?: string } };
};

test('a config that names neither gets health and restart-policy, whose create checks answer with dockerd\'s 400s', async () => {
  const daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toEqual(expect.arrayContaining(['health', 'restart-policy']));
  expect(await create(daemon, { HostConfig: { RestartPolicy: { Name: 'sometimes' } } })).toEqual({ status: 400, body: { message: `invalid restart policy 'sometimes'` } });
  expect(await create(daemon, { Healthcheck: { Test: ['CMD', 'true'], Interval: 10 } })).toEqual({ status: 400, body: { message: 'Interval in Healthcheck cannot be less than 1ms' } });
});

test('a config that names them gets each once', async () => {
  const daemon = await boot(['store-sqlite', 'health', 'restart-policy']);
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
  const daemon = await boot(['store-sqlite', policy]);
  expect(contexts).toHaveLength(1);
  expect(contexts[0].containers()).toEqual([]);
  expect(await create(daemon, { HostConfig: { Privileged: true } })).toEqual({ status: 400, body: { message: 'privileged containers are not allowed here' } });
});

test('a config that does not name confinement gets it: resource and security settings answer with dockerd\'s 400s, once when named', async () => {
  const daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toContain('confinement');
  expect(await create(daemon, { HostConfig: { Memory: 1000 } })).toEqual({ status: 400, body: { message: 'Minimum memory limit allowed is 6MB' } });
  expect(await create(daemon, { HostConfig: { PidMode: 'container:nosuch' } })).toEqual({ status: 400, body: { message: 'No such container: nosuch' } });
  await daemon.close();
  const named = await boot(['store-sqlite', 'confinement']);
  expect(pluginIds(named).filter((id) => id === 'confinement')).toHaveLength(1);
});
