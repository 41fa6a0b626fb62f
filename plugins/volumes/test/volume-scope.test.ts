/**
 * VolumeService under an admission scope (what the tenants plugin gives it), as two callers: each creates,
 * lists, inspects, mounts, removes and prunes only what the scope lets it see; hidden names stay taken.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdmissionController, RequestAdmission } from '@sockerless/sdk';
import { callerContext, currentCaller } from '../../../core/src/engine/caller';
import { admissionVolumeScope, VolumeService } from '../src/volume-service';
import { FakeContainers, localVolumeDrivers, MemoryStore, RecordingBus } from '../../../core/test/networks-volumes/fakes';

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-volscope-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** Owner by token: a volume is the token's when its `owner` label says so; no token sees all. */
const byOwner: AdmissionController = {
  name: 'owner',
  onVolumeCreate: (r) => { if (r.bearerToken) r.labels.owner = r.bearerToken; },
  canSeeVolume: (caller, labels) => !caller.bearerToken || labels.owner === caller.bearerToken,
};

async function setup() {
  const vols = new VolumeService(localVolumeDrivers(home), new MemoryStore(), new RecordingBus(), new FakeContainers(), admissionVolumeScope([byOwner], currentCaller));
  await vols.load();
  return vols;
}

const as = <T>(token: string, fn: () => T): T => callerContext.run({ method: 'X', path: '/', bearerToken: token } as RequestAdmission, fn);
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (err) => ({ code: err.code, message: err.message }));

test('each caller lists and inspects only its own; the operator (no token) and boot (no caller) see all', async () => {
  const vols = await setup();
  await as('red', () => vols.create({ Name: 'red-data' }));
  await as('blue', () => vols.ensure('blue-data'));
  await vols.create({ Name: 'unowned' });
  expect(as('red', () => vols.list()).Volumes.map((v) => [v.Name, v.Labels])).toEqual([['red-data', { owner: 'red' }]]);
  expect(as('blue', () => vols.list()).Volumes.map((v) => v.Name)).toEqual(['blue-data']);
  expect(as('', () => vols.list()).Volumes.map((v) => v.Name)).toEqual(['blue-data', 'red-data', 'unowned']);
  expect(vols.list().Volumes).toHaveLength(3);
  expect(() => as('blue', () => vols.inspect('red-data'))).toThrow('get red-data: no such volume');
  expect(() => as('blue', () => vols.inspect('unowned'))).toThrow('get unowned: no such volume');
});

test("another's volume is removed by no one but its owner and the operator, and prune passes over it", async () => {
  const vols = await setup();
  await as('red', () => vols.create({ Name: 'red-data' }));
  expect(await failure(as('blue', () => vols.remove('red-data')))).toEqual({ code: 'NotFound', message: 'get red-data: no such volume' });
  await as('blue', () => vols.remove('red-data', true));
  expect(await as('blue', () => vols.prune({ all: true }))).toEqual({ VolumesDeleted: [], SpaceReclaimed: 0 });
  expect(vols.inspect('red-data').Name).toBe('red-data');
  await as('red', () => vols.remove('red-data'));
  expect(vols.list().Volumes).toEqual([]);
});

test('a name another holds can be neither created nor mounted, even while its create is in flight', async () => {
  const vols = await setup();
  const inFlight = as('red', () => vols.create({ Name: 'shared-name' }));
  const racing = as('blue', () => vols.ensure('shared-name'));
  await inFlight;
  expect(await failure(racing)).toEqual({ code: 'Conflict', message: 'create shared-name: the volume name is in use by another tenant' });
  expect(await failure(as('blue', () => vols.create({ Name: 'shared-name' })))).toEqual({ code: 'Conflict', message: 'create shared-name: the volume name is in use by another tenant' });
  expect((await as('red', () => vols.ensure('shared-name'))).Labels).toEqual({ owner: 'red' });
});

test('events: a caller sees its own volumes; a gone one only the operator', async () => {
  const vols = await setup();
  await as('red', () => vols.create({ Name: 'red-data' }));
  const red = { method: 'GET', path: '/events', bearerToken: 'red' };
  const blue = { ...red, bearerToken: 'blue' };
  expect([vols.visibleTo(red, 'red-data'), vols.visibleTo(blue, 'red-data'), vols.visibleTo(undefined, 'red-data')]).toEqual([true, false, true]);
  expect([vols.visibleTo(red, 'gone'), vols.visibleTo(undefined, 'gone')]).toEqual([false, true]);
});
