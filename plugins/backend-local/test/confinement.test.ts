import { DOCKER_DEFAULT_CAPABILITIES, capabilitiesOf, hostAccessAskedFor, normalizeCapabilities, type WorkloadSecurity } from '@sockerless/sdk';
import { DEFAULT_SECURITY, MASKED_PATHS, READONLY_PATHS, SANDBOX_CONFINE, SANDBOX_SECCOMP, confineArgv, mountArgs } from '../src/confinement';
import { bwrapArgs, type SandboxArgs } from '../src/sandbox';
import { dockerDefaultSeccomp, kernelAtLeast, seccompSpec } from '../src/seccomp/profile';

const rules = (spec: string) => spec.trim().split('\n');
const security = (over: Partial<WorkloadSecurity>): WorkloadSecurity => ({ ...DEFAULT_SECURITY, ...over });

describe('seccomp profile resolution (moby setupSeccomp)', () => {
  const defaults = rules(seccompSpec(dockerDefaultSeccomp(), DOCKER_DEFAULT_CAPABILITIES, 'x64', '6.1.0'));

  test("Docker's default profile for Docker's capabilities on amd64", () => {
    expect(defaults[0]).toBe('default errno:1');
    expect(defaults.slice(1, 4)).toEqual(['arch x86_64', 'arch x86', 'arch x32']);
    expect(defaults).toContain('allow read');
    expect(defaults).toContain('allow socket'); // Docker 20.10's profile allows every address family (later ones stop at AF_ALG)
    expect(defaults).toContain('allow arch_prctl'); // amd64 only
    expect(defaults).not.toContain('allow set_tls'); // arm only
    // Without CAP_SYS_ADMIN: clone only without namespace flags, clone3 answers ENOSYS, no mount/unshare.
    expect(defaults).toContain('allow clone 0 MASKED_EQ 2114060288 0');
    expect(defaults).toContain('errno:38 clone3');
    for (const name of ['mount', 'unshare', 'setns', 'init_module', 'ptrace', 'sethostname', 'clock_settime', 'reboot']) {
      expect(defaults.filter((l) => l.split(' ')[1] === name && l.startsWith('allow'))).toEqual(name === 'ptrace' ? ['allow ptrace'] : []);
    }
  });

  test('capabilities bring in their syscalls and drop the restricted variants', () => {
    const admin = rules(seccompSpec(dockerDefaultSeccomp(), [...DOCKER_DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], 'x64', '6.1.0'));
    expect(admin).toEqual(expect.arrayContaining(['allow mount', 'allow unshare', 'allow clone', 'allow clone3', 'allow sethostname']));
    expect(admin).not.toContain('errno:38 clone3');
    expect(admin).not.toContain('allow clone 0 MASKED_EQ 2114060288 0');
    const module = rules(seccompSpec(dockerDefaultSeccomp(), ['CAP_SYS_MODULE'], 'x64', '6.1.0'));
    expect(module).toEqual(expect.arrayContaining(['allow init_module', 'allow finit_module', 'allow delete_module']));
    expect(rules(seccompSpec(dockerDefaultSeccomp(), ['CAP_SYS_TIME'], 'x64', '6.1.0'))).toContain('allow clock_settime');
  });

  test('architecture and kernel filters', () => {
    const arm = rules(seccompSpec(dockerDefaultSeccomp(), DOCKER_DEFAULT_CAPABILITIES, 'arm64', '6.1.0'));
    expect(arm.slice(1, 3)).toEqual(['arch aarch64', 'arch arm']);
    expect(arm).toContain('allow set_tls');
    expect(arm).not.toContain('allow arch_prctl');
    // ptrace for everyone only from 4.8, where seccomp can no longer be bypassed with it.
    expect(rules(seccompSpec(dockerDefaultSeccomp(), [], 'x64', '4.4.0'))).not.toContain('allow ptrace');
    expect(kernelAtLeast('4.8', '6.18.44-fc')).toBe(true);
    expect(kernelAtLeast('4.8', '4.7.10')).toBe(false);
  });

  test('a custom profile, its errno and its mistakes', () => {
    const custom = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };
    expect(rules(seccompSpec(custom, [], 'x64'))).toEqual(['default allow', 'errno:13 mkdir']);
    expect(() => seccompSpec({ defaultAction: 'SCMP_ACT_NOTIFY' }, [], 'x64')).toThrow(/not supported/);
    expect(() => seccompSpec({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a;b'], action: 'SCMP_ACT_ALLOW' }] }, [], 'x64')).toThrow(/invalid syscall name/);
  });
});

describe('capabilities (moby TweakCapabilities)', () => {
  const all = ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_KILL'];
  test('normalisation and Docker errors', () => {
    expect(normalizeCapabilities('CapAdd', ['sys_admin', 'CAP_NET_ADMIN', 'all'])).toEqual(['CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'ALL']);
    expect(() => normalizeCapabilities('CapDrop', ['bogus'])).toThrow('invalid CapDrop: unknown capability: "CAP_BOGUS"');
  });
  test('adds, drops, ALL and privileged', () => {
    const none = { privileged: false, capAdd: [], capDrop: [] };
    expect(capabilitiesOf(none)).toEqual(DOCKER_DEFAULT_CAPABILITIES);
    expect(capabilitiesOf({ ...none, capDrop: ['CAP_CHOWN'], capAdd: ['CAP_SYS_ADMIN'] })).toEqual([...DOCKER_DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN'), 'CAP_SYS_ADMIN']);
    expect(capabilitiesOf({ ...none, capDrop: ['ALL'], capAdd: ['CAP_KILL'] })).toEqual(['CAP_KILL']);
    expect(capabilitiesOf({ ...none, capAdd: ['ALL'], capDrop: ['CAP_SYS_ADMIN'] }, all)).toEqual(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN']);
    expect(capabilitiesOf({ ...none, privileged: true }, all)).toEqual(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN']);
  });
});

test('what a cloud backend must refuse: host access, never more confinement', () => {
  expect(hostAccessAskedFor(undefined)).toBeUndefined();
  expect(hostAccessAskedFor(security({ capDrop: ['ALL'], ipcMode: 'none', seccomp: 'unconfined', noNewPrivileges: true }))).toBeUndefined();
  expect(hostAccessAskedFor(security({ privileged: true }))).toBe('--privileged');
  expect(hostAccessAskedFor(security({ capAdd: ['CAP_NET_ADMIN'] }))).toBe('--cap-add CAP_NET_ADMIN');
  expect(hostAccessAskedFor(security({ ipcMode: 'host' }))).toBe('--ipc host');
  expect(hostAccessAskedFor(security({ utsMode: 'host' }))).toBe('--uts host');
});

describe('bwrap argv', () => {
  const base: SandboxArgs = {
    root: '/r', hostname: 'h', mounts: [], workingDir: '/w', env: { A: '1' }, user: { uid: 1000, gid: 1000, groups: [1000, 27], home: '/' },
    resolvConf: false, sys: true, tty: false, argv: ['sh', '-c', 'x'], exe: '/bin/sh',
    confine: { helper: '/host/confine', seccompFilter: '/state/f.bpf', caps: ['CAP_KILL', 'CAP_CHOWN'], noNewPrivileges: true, cgroupFd: true },
  };
  const pairs = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [`${args[i + 1]} ${args[i + 2]}`] : []));

  test('the workload runs under confine with its caps, filter, user, groups and cgroup', () => {
    const args = bwrapArgs(base);
    expect(args).not.toContain('--cap-drop');
    expect(args.slice(0, 6)).toEqual(['--unshare-pid', '--as-pid-1', '--unshare-ipc', '--unshare-uts', '--hostname', 'h']);
    expect(pairs(args, '--ro-bind')).toEqual(expect.arrayContaining([`/host/confine ${SANDBOX_CONFINE}`, `/state/f.bpf ${SANDBOX_SECCOMP}`]));
    expect(pairs(args, '--dev-bind')).toContain('/r /');
    const inside = args.slice(args.indexOf('--') + 1).filter((a, i, all) => !['--ro-path', '--mask-path'].includes(a) && !['--ro-path', '--mask-path'].includes(all[i - 1]));
    expect(inside).toEqual([
      SANDBOX_CONFINE, '--cgroup-fd', '3', '--caps', '0,5', '--seccomp-file', SANDBOX_SECCOMP, '--nnp', '--uid', '1000', '--gid', '1000',
      '--groups', '1000,27', '--unset-env', 'PWD', '--argv0', 'sh', '--', '/bin/sh', '-c', 'x',
    ]);
  });

  test('host and container namespaces are not unshared; privileged gets the host /dev and no masks', () => {
    const shared = bwrapArgs({ ...base, security: security({ pidMode: 'host', ipcMode: 'container:abc', utsMode: 'host', privileged: true }) });
    for (const flag of ['--unshare-pid', '--as-pid-1', '--unshare-ipc', '--unshare-uts', '--hostname']) expect(shared).not.toContain(flag);
    expect(pairs(shared, '--dev-bind')).toContain('/dev /dev');
    expect(pairs(shared, '--bind')).toContain('/sys /sys');
    const joined = bwrapArgs({ ...base, pidns: 4, security: security({ pidMode: `container:${'a'.repeat(64)}` }) });
    expect(joined.slice(0, 2)).toEqual(['--pidns', '4']);
    expect(joined).not.toContain('--unshare-pid');
  });

  test('runc\'s masked and read-only paths are confine\'s, not for privileged; devices are bound into bwrap\'s minimal /dev', () => {
    const args = bwrapArgs(base);
    const inside = args.slice(args.indexOf('--') + 1);
    expect(inside.flatMap((a, i) => (a === '--ro-path' ? [inside[i + 1]] : []))).toEqual(READONLY_PATHS);
    expect(inside.flatMap((a, i) => (a === '--mask-path' ? [inside[i + 1]] : []))).toEqual(MASKED_PATHS);
    expect(MASKED_PATHS).toEqual(expect.arrayContaining(['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware']));
    const privileged = bwrapArgs({ ...base, security: security({ privileged: true }) });
    expect(privileged.filter((a) => a === '--ro-path' || a === '--mask-path')).toEqual([]);
    const mounts = mountArgs({ privileged: false, devices: [{ hostPath: '/dev/zero', containerPath: '/dev/z', permissions: 'rwm' }], sys: false });
    expect(mounts).toEqual(['--proc', '/proc', '--dev', '/dev', '--tmpfs', '/dev/shm', '--dev-bind', '/dev/zero', '/dev/z']);
  });

  test('empty lists are spelled "-" for confine', () => {
    expect(confineArgv({ caps: [], seccomp: false, noNewPrivileges: false, user: { uid: 0, gid: 0, groups: [], home: '/' }, leadSession: true, cgroupFd: false, exe: '/x', argv: ['x'] }))
      .toEqual([SANDBOX_CONFINE, '--setsid-ctty', '--caps', '-', '--uid', '0', '--gid', '0', '--groups', '-', '--argv0', 'x', '--', '/x']);
  });
});
