import { mergeConfig, mergeEnv } from '../../src/engine/create-spec';
import { parseMounts, volumesFromMounts } from '../../../plugins/volumes/src/mount-specs';

const image = { Env: ['PATH=/bin', 'LANG=C'], Cmd: ['/bin/sh'], Entrypoint: null, WorkingDir: '/img', User: 'app', Labels: { from: 'image', both: 'image' } };

test('env is merged with the image env by key, container values winning', () => {
  expect(mergeEnv(['PATH=/bin', 'LANG=C'], ['LANG=en', 'NEW=1'])).toEqual(['PATH=/bin', 'LANG=en', 'NEW=1']);
  expect(() => mergeEnv([], ['=x'])).toThrow('invalid environment variable: =x');
});

test('cmd falls back to the image cmd; workdir, user and labels merge', () => {
  const c = mergeConfig({ Image: 'bb', Labels: { both: 'container' } }, image, 'bb', 'abc123abc123');
  expect(c).toMatchObject({ Cmd: ['/bin/sh'], Entrypoint: null, WorkingDir: '/img', User: 'app', Hostname: 'abc123abc123', Labels: { from: 'image', both: 'container' } });
});

test('a given entrypoint replaces the image entrypoint and drops the image cmd', () => {
  const c = mergeConfig({ Image: 'bb', Entrypoint: ['/bin/echo'] }, { ...image, Entrypoint: ['/old'] }, 'bb', 'x');
  expect(c.Entrypoint).toEqual(['/bin/echo']);
  expect(c.Cmd).toBeNull();
  const reset = mergeConfig({ Image: 'bb', Entrypoint: [''], Cmd: ['ls'] }, { ...image, Entrypoint: ['/old'] }, 'bb', 'x');
  expect(reset).toMatchObject({ Entrypoint: null, Cmd: ['ls'] });
});

test('no command at all is refused; a string Cmd is one argument', () => {
  expect(() => mergeConfig({ Image: 'bb' }, {}, 'bb', 'x')).toThrow('No command specified');
  expect(mergeConfig({ Image: 'bb', Cmd: 'date' }, {}, 'bb', 'x').Cmd).toEqual(['date']);
});

test('binds, mounts, tmpfs and image volumes become mount requests', () => {
  const m = parseMounts({ Binds: ['/host:/in:ro', 'named:/data'], Mounts: [{ Type: 'volume', Source: 'v2', Target: '/v2' }], Tmpfs: { '/scratch': '' } }, { '/data': {}, '/anon': {} });
  expect(m.map((x) => [x.type, x.source, x.target, x.readOnly])).toEqual([
    ['bind', '/host', '/in', true], ['volume', 'named', '/data', false], ['volume', 'v2', '/v2', false], ['tmpfs', '', '/scratch', false], ['volume', '', '/anon', false],
  ]);
  expect(() => parseMounts({ Binds: ['a:b:c:d'] }, null)).toThrow(`invalid volume specification: 'a:b:c:d'`);
  expect(() => parseMounts({ Binds: ['/a:/x', '/b:/x'] }, null)).toThrow('Duplicate mount point: /x');
  expect(() => parseMounts({ Binds: ['bad name:/x'] }, null)).toThrow(/includes invalid characters for a local volume name/);
  expect(() => parseMounts({ Mounts: [{ Type: 'bind', Source: 'rel', Target: '/x' }] }, null)).toThrow(/mount path must be absolute/);
});

test('VolumesFrom copies volume and bind mounts, ro wins, a read-only source stays so, own mounts take precedence', () => {
  const source = [
    { Type: 'volume' as const, Name: 'data', Source: '/v/data', Destination: '/data', Mode: 'z', RW: true, Propagation: '' },
    { Type: 'bind' as const, Source: '/host/secret', Destination: '/secret', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    { Type: 'tmpfs' as const, Source: '', Destination: '/scratch', Mode: '', RW: true, Propagation: '' },
  ];
  const mountsOf = (ref: string) => { if (ref !== 'app') throw new Error(`No such container: ${ref}`); return source; };
  const rw = volumesFromMounts({ VolumesFrom: ['app:rw'] }, mountsOf);
  expect(rw.map((x) => [x.type, x.source, x.target, x.readOnly])).toEqual([['volume', 'data', '/data', false], ['bind', '/host/secret', '/secret', true]]);
  expect(volumesFromMounts({ VolumesFrom: ['app:ro'] }, mountsOf).every((x) => x.readOnly)).toBe(true);
  expect(volumesFromMounts({ VolumesFrom: ['app'] }, mountsOf)[0].readOnly).toBe(false);
  expect(() => volumesFromMounts({ VolumesFrom: ['app:zz'] }, mountsOf)).toThrow('invalid mode: zz');
  expect(() => volumesFromMounts({ VolumesFrom: ['nope'] }, mountsOf)).toThrow('No such container: nope');
  const merged = parseMounts({ Binds: ['/mine:/data'] }, { '/secret': {}, '/anon': {} }, rw);
  expect(merged.map((x) => [x.type, x.source, x.target])).toEqual([['bind', '/mine', '/data'], ['bind', '/host/secret', '/secret'], ['volume', '', '/anon']]);
});
