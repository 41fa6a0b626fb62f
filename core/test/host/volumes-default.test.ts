import { coreVolumesExtensionPoint, definePlugin, type VolumeStoreContext } from '@sockerless/sdk';
import { admissionVolumeScope, VolumeService } from '../../../plugins/volumes/src/volume-service';
import { apiUrl as url, daemonPerTest, pluginIds } from './default-plugin-daemon';

/** Docker's volume service is a plugin behind core.volumes; a config that names none still gets Docker's. */
const { boot } = daemonPerTest('sockerless-volumes-');
const createVolume = (d: Awaited<ReturnType<typeof boot>>, name: string) =>
  fetch(url(d, '/volumes/create'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Name: name }) });

test('a config without a volumes plugin boots with the default volumes and the local driver', async () => {
  const daemon = await boot(['store-sqlite']);
  expect(pluginIds(daemon)).toEqual(expect.arrayContaining(['volumes', 'volumes-local']));
  expect((await createVolume(daemon, 'data')).status).toBe(201);
  expect(await (await fetch(url(daemon, '/volumes'))).json()).toMatchObject({ Volumes: [{ Name: 'data', Driver: 'local' }] });
});

test('a config that names volumes gets it once', async () => {
  const daemon = await boot(['store-sqlite', 'volumes']);
  expect(pluginIds(daemon).filter((id) => id === 'volumes')).toHaveLength(1);
});

test('a configured volume store replaces the default, and the core calls it with the drivers', async () => {
  const created: VolumeStoreContext[] = [];
  const custom = definePlugin({
    id: 'my-volumes',
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: { volumes: coreVolumesExtensionPoint },
        init({ volumes }) {
          volumes.setVolumeStore((ctx) => {
            created.push(ctx);
            return new VolumeService(ctx.drivers, ctx.store, ctx.events, ctx.containers, admissionVolumeScope(ctx.admission, ctx.caller));
          });
        },
      });
    },
  });
  const daemon = await boot(['store-sqlite', custom]);
  expect(pluginIds(daemon)).not.toContain('volumes');
  expect(created.map((c) => [...c.drivers.keys()])).toEqual([['local']]);
  expect((await createVolume(daemon, 'mine')).status).toBe(201);
  expect(await (await fetch(url(daemon, '/volumes/mine'))).json()).toMatchObject({ Name: 'mine' });
});
