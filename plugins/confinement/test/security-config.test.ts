import { workloadSecurityOf } from '../src/security-config';

const known = (ref: string) => {
  if (ref === 'db') return 'a'.repeat(64);
  throw new Error(`No such container: ${ref}`);
};
const of = (hostConfig: Record<string, unknown>) => workloadSecurityOf(hostConfig, known);

test('defaults: nothing asked is Docker\'s default confinement', () => {
  expect(of({})).toEqual({
    privileged: false, capAdd: [], capDrop: [], devices: [], seccomp: 'default', noNewPrivileges: false, pidMode: '', ipcMode: '', utsMode: '',
    maskedPaths: undefined, readonlyPaths: undefined,
  });
  // `--security-opt systempaths=unconfined`, as the docker CLI sends it.
  expect(of({ MaskedPaths: [], ReadonlyPaths: [] })).toMatchObject({ maskedPaths: [], readonlyPaths: [] });
  expect(() => of({ MaskedPaths: ['proc/kcore'] })).toThrow('invalid HostConfig.MaskedPaths: expected a list of absolute paths');
});

test('SecurityOpt as dockerd parses it', () => {
  expect(of({ SecurityOpt: ['no-new-privileges'] }).noNewPrivileges).toBe(true);
  expect(of({ SecurityOpt: ['no-new-privileges:true', 'no-new-privileges=false'] }).noNewPrivileges).toBe(false);
  expect(of({ SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined', 'label=disable', 'label:type:x'] }).seccomp).toBe('unconfined');
  expect(of({ SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] }).seccomp).toBe('{"defaultAction":"SCMP_ACT_ALLOW"}');
  expect(() => of({ SecurityOpt: ['foo'] })).toThrow('invalid --security-opt 1: "foo"');
  expect(() => of({ SecurityOpt: ['foo=bar'] })).toThrow('invalid --security-opt 2: "foo=bar"');
  expect(() => of({ SecurityOpt: ['seccomp=notjson'] })).toThrow(/^Decoding seccomp profile failed: /);
});

test('capabilities, devices and namespace modes', () => {
  expect(of({ CapAdd: ['net_admin'], CapDrop: ['ALL'] })).toMatchObject({ capAdd: ['CAP_NET_ADMIN'], capDrop: ['ALL'] });
  expect(() => of({ CapAdd: ['FOO'] })).toThrow('invalid CapAdd: unknown capability: "CAP_FOO"');
  expect(of({ Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '', CgroupPermissions: '' }] }).devices)
    .toEqual([{ hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm' }]);
  expect(() => of({ Devices: [{ PathOnHost: '/dev/fuse', CgroupPermissions: 'rwx' }] })).toThrow('invalid device mode: rwx');
  expect(of({ PidMode: 'container:db', IpcMode: 'host', UTSMode: 'host' })).toMatchObject({ pidMode: `container:${'a'.repeat(64)}`, ipcMode: 'host', utsMode: 'host' });
  expect(() => of({ IpcMode: 'container:nope' })).toThrow(expect.objectContaining({ code: 'InvalidArgument', message: 'No such container: nope' }));
  expect(() => of({ UTSMode: 'container:db' })).toThrow('Invalid UTS mode: container:db');
  expect(of({ UsernsMode: 'host' }).privileged).toBe(false);
  // `--userns=host` reaches the backend (the opt-out of a remapping); nothing is added when it is absent.
  expect(of({ UsernsMode: 'host' }).usernsMode).toBe('host');
  expect('usernsMode' in of({})).toBe(false);
  expect(() => of({ UsernsMode: 'private' })).toThrow(/user namespace remapping is not enabled/);
});
