import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANONYMOUS_LABEL, VolumeService } from '../src/volume-service';
import { FakeContainers, localVolumeDrivers, MemoryStore, RecordingBus, makeContainer } from '../../../core/test/networks-volumes/fakes';
import { formatErrors, validateAgainstSpec } from '../../../core/test/support/spec-schema';

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-vol-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function setup() {
  const store = new MemoryStore();
  const bus = new RecordingBus();
  const containers = new FakeContainers();
  const vols = new VolumeService(localVolumeDrivers(home), store, bus, containers);
  await vols.load();
  return { store, bus, containers, vols };
}

const failure = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (err) => ({ code: err.code, message: err.message }));
const mountOf = (name: string) => ({ Type: 'volume' as const, Name: name, Source: '', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' });

describe('VolumeService', () => {
  test('create makes the directory, answers Docker\'s Volume JSON, and is idempotent', async () => {
    const { vols, bus, store } = await setup();
    const v = await vols.create({ Name: 'data', Labels: { app: 'x' } });
    expect(v).toEqual({
      CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), Driver: 'local', Labels: { app: 'x' },
      Mountpoint: join(home, 'volumes', 'data', '_data'), Name: 'data', Options: {}, Scope: 'local',
    });
    expect(formatErrors(validateAgainstSpec('Volume', v))).toBe('');
    expect(existsSync(v.Mountpoint)).toBe(true);
    expect(store.records.get('volume')!.has('data')).toBe(true);
    expect(await vols.create({ Name: 'data' })).toEqual(v);
    expect(bus.emitted).toEqual([{ Type: 'volume', Action: 'create', Actor: { ID: 'data', Attributes: { driver: 'local' } } }]);
  });

  test('a nameless create gets a 64-hex name and the anonymous label; ensure creates on demand', async () => {
    const { vols } = await setup();
    const anon = await vols.create({});
    expect(anon.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(anon.Labels).toEqual({ [ANONYMOUS_LABEL]: '' });
    const e1 = await vols.ensure('cache');
    expect(await vols.ensure('cache')).toEqual(e1);
    expect(e1.Labels).toEqual({});
    const hex = 'ab'.repeat(32);
    expect((await vols.ensure(hex)).Labels).toEqual({ [ANONYMOUS_LABEL]: '' });
  });

  test('concurrent creates of one name share one record and one event', async () => {
    const { vols, bus } = await setup();
    const all = await Promise.all([vols.create({ Name: 'same' }), vols.ensure('same'), vols.create({ Name: 'same' })]);
    expect(new Set(all.map((v) => v.CreatedAt)).size).toBe(1);
    expect(bus.actions('volume')).toEqual(['create']);
  });

  test('create refusals', async () => {
    const { vols } = await setup();
    expect(await failure(vols.create({ Name: 'a' }))).toEqual({ code: 'InvalidArgument', message: 'create a: volume name is too short, names should be at least two alphanumeric characters' });
    expect(await failure(vols.create({ Name: '/abs/path' }))).toEqual({
      code: 'InvalidArgument',
      message: 'create /abs/path: "/abs/path" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    });
    expect(await failure(vols.create({ Name: 'nfs', Driver: 'rexray' }))).toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('"rexray"') });
    expect(await failure(vols.create({ Name: 'tmp', DriverOpts: { type: 'tmpfs', device: 'tmpfs' } }))).toMatchObject({ code: 'NotImplemented', message: expect.stringContaining('"type"') });
    expect(await failure(vols.create({ Name: 'odd', DriverOpts: { colour: 'red' } }))).toEqual({ code: 'InvalidArgument', message: 'create odd: invalid option key: "colour"' });
  });

  test('inspect and remove: 404, in use 409 (any state), force forgives missing, directory deleted', async () => {
    const { vols, containers, bus } = await setup();
    expect(await failure(Promise.resolve().then(() => vols.inspect('nope')))).toEqual({ code: 'NotFound', message: 'get nope: no such volume' });
    expect(await failure(vols.remove('nope'))).toEqual({ code: 'NotFound', message: 'get nope: no such volume' });
    await vols.remove('nope', true);
    const v = await vols.create({ Name: 'busy' });
    const c1 = containers.add(makeContainer('stopped', { mounts: [mountOf('busy')] }));
    const c2 = containers.add(makeContainer('runs', { running: true, mounts: [mountOf('busy')] }));
    expect(await failure(vols.remove('busy', true))).toEqual({ code: 'Conflict', message: `remove busy: volume is in use - [${c1.id}, ${c2.id}]` });
    containers.byId.clear();
    writeFileSync(join(v.Mountpoint, 'f'), 'x');
    await vols.remove('busy');
    expect(existsSync(join(home, 'volumes', 'busy'))).toBe(false);
    expect(bus.emitted.at(-1)).toEqual({ Type: 'volume', Action: 'destroy', Actor: { ID: 'busy', Attributes: { driver: 'local' } } });
  });

  test('list filters: name, label, driver, dangling', async () => {
    const { vols, containers } = await setup();
    await vols.create({ Name: 'web_data', Labels: { 'com.docker.compose.project': 'web' } });
    await vols.create({ Name: 'db_data', Labels: { tier: 'db' } });
    containers.add(makeContainer('db', { mounts: [mountOf('db_data')] }));
    const names = (f: Record<string, string[]>) => vols.list(f).Volumes.map((v) => v.Name);
    expect(names({})).toEqual(['db_data', 'web_data']);
    expect(names({ name: ['web'] })).toEqual(['web_data']);
    expect(names({ label: ['tier=db'] })).toEqual(['db_data']);
    expect(names({ label: ['com.docker.compose.project'] })).toEqual(['web_data']);
    expect(names({ driver: ['local'] })).toHaveLength(2);
    expect(names({ dangling: ['true'] })).toEqual(['web_data']);
    expect(names({ dangling: ['false'] })).toEqual(['db_data']);
    expect(() => vols.list({ dangling: ['maybe'] })).toThrow("invalid filter 'dangling=maybe'");
    expect(formatErrors(validateAgainstSpec('VolumeListResponse', vols.list()))).toBe('');
  });

  test('prune: only anonymous unused volumes unless all, with label filters and real sizes', async () => {
    const { vols, containers, bus } = await setup();
    const anon = await vols.create({});
    const used = await vols.create({});
    await vols.create({ Name: 'named', Labels: { keep: 'no' } });
    await vols.create({ Name: 'kept', Labels: { keep: 'yes' } });
    containers.add(makeContainer('c', { mounts: [mountOf(used.Name)] }));
    writeFileSync(join(anon.Mountpoint, 'blob'), Buffer.alloc(1000));
    expect(await vols.prune()).toEqual({ VolumesDeleted: [anon.Name], SpaceReclaimed: 1000 });
    expect(await vols.prune({ all: true, notLabel: ['keep=yes'] })).toEqual({ VolumesDeleted: ['named'], SpaceReclaimed: 0 });
    expect(await vols.prune({ all: true, label: ['keep'] })).toEqual({ VolumesDeleted: ['kept'], SpaceReclaimed: 0 });
    expect(vols.list().Volumes.map((v) => v.Name)).toEqual([used.Name]);
    expect(bus.emitted.filter((e) => e.Action === 'prune')[0]).toEqual({ Type: 'volume', Action: 'prune', Actor: { ID: '', Attributes: { reclaimed: '1000' } } });
  });

  test('load restores records and their directories', async () => {
    const { vols, store, bus, containers } = await setup();
    await vols.create({ Name: 'persisted' });
    rmSync(join(home, 'volumes'), { recursive: true, force: true });
    const again = new VolumeService(localVolumeDrivers(home), store, bus, containers);
    await again.load();
    expect(again.inspect('persisted').Name).toBe('persisted');
    expect(existsSync(again.mountpoint('persisted'))).toBe(true);
  });
});
