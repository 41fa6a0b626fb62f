/**
 * A create's mounts through the volume store, as the engine asks for them: requests first (checked before
 * anything is made), then the mount points, with volumes made on first use and binds' sources made or refused.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANONYMOUS_LABEL, VolumeService } from '../src/volume-service';
import { FakeContainers, localVolumeDrivers, MemoryStore, RecordingBus } from '../../../core/test/networks-volumes/fakes';

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-mounts-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function setup() {
  const vols = new VolumeService(localVolumeDrivers(home), new MemoryStore(), new RecordingBus(), new FakeContainers());
  await vols.load();
  return vols;
}
const noContainers = (ref: string): never => { throw new Error(`No such container: ${ref}`); };
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (err) => ({ code: err.code, message: err.message }));

test('named and anonymous volumes are made on first use and mounted from their directories', async () => {
  const vols = await setup();
  const requests = vols.mountRequests({ Binds: ['data:/data'] }, { '/anon': {} }, noContainers);
  const [named, anon] = await vols.mountPoints(requests);
  expect(named).toEqual({ Type: 'volume', Name: 'data', Driver: 'local', Source: join(home, 'volumes', 'data', '_data'), Destination: '/data', Mode: 'z', RW: true, Propagation: '' });
  expect(anon.Name).toMatch(/^[0-9a-f]{64}$/);
  expect(vols.inspect(anon.Name!).Labels).toEqual({ [ANONYMOUS_LABEL]: '' });
  expect(existsSync(anon.Source)).toBe(true);
});

test('a volume subpath is mounted from inside the volume, and must exist there, as dockerd requires', async () => {
  const vols = await setup();
  await vols.create({ Name: 'shared' });
  mkdirSync(join(home, 'volumes', 'shared', '_data', 'sub'));
  writeFileSync(join(home, 'volumes', 'shared', '_data', 'sub', 'f'), 'x');
  const mounts = { Mounts: [{ Type: 'volume', Source: 'shared', Target: '/in', VolumeOptions: { Subpath: 'sub' } }] };
  const [mount] = await vols.mountPoints(vols.mountRequests(mounts, null, noContainers));
  expect(mount.Source).toBe(join(home, 'volumes', 'shared', '_data', 'sub'));
  const missing = { Mounts: [{ Type: 'volume', Source: 'shared', Target: '/in', VolumeOptions: { Subpath: 'nope' } }] };
  expect(await failure(vols.mountPoints(vols.mountRequests(missing, null, noContainers)))).toEqual({
    code: 'InvalidArgument', message: 'cannot access path nope in volume: no such file or directory',
  });
});

test('a missing bind source is made for -v and refused for --mount; tmpfs has no source', async () => {
  const vols = await setup();
  const made = join(home, 'made-by-v');
  const [bind, tmpfs] = await vols.mountPoints(vols.mountRequests({ Binds: [`${made}:/in:ro`], Tmpfs: { '/scratch': '' } }, null, noContainers));
  expect(existsSync(made)).toBe(true);
  expect(bind).toMatchObject({ Type: 'bind', Source: made, RW: false, Propagation: 'rprivate' });
  expect(tmpfs).toMatchObject({ Type: 'tmpfs', Source: '', Destination: '/scratch' });
  const absent = join(home, 'absent');
  const requests = vols.mountRequests({ Mounts: [{ Type: 'bind', Source: absent, Target: '/in' }] }, null, noContainers);
  expect(await failure(vols.mountPoints(requests))).toEqual({
    code: 'InvalidArgument', message: `invalid mount config for type "bind": bind source path does not exist: ${absent}`,
  });
  expect(existsSync(absent)).toBe(false);
});

test('docker rm -v takes the anonymous volumes along and leaves the named ones', async () => {
  const vols = await setup();
  const mounts = await vols.mountPoints(vols.mountRequests({ Binds: ['kept:/kept'] }, { '/anon': {} }, noContainers));
  await vols.removeAnonymous(mounts);
  expect(vols.list().Volumes.map((v) => v.Name)).toEqual(['kept']);
});
