/** The tenants plugin's volume scoping and its `unprivileged` / `allowedBindPaths` rules, called directly. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateAdmission } from '@sockerless/sdk';
import { createTenantsController, parseTenantsConfig, TENANT_LABEL } from '../src/index';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tenants-binds-'));
  mkdirSync(join(dir, 'allowed', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'outside'));
  // A link inside the allowed tree that leads out of it.
  symlinkSync(join(dir, 'outside'), join(dir, 'allowed', 'escape'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const section = () => ({
  operatorTokens: ['op'],
  tenants: {
    red: { tokens: ['red'], pools: ['red'], unprivileged: true, allowedBindPaths: [join(dir, 'allowed')] },
    blue: { tokens: ['blue'], pools: ['blue'] },
  },
});
const controller = () => createTenantsController(parseTenantsConfig(section()));
const create = (token: string, hostConfig: Record<string, unknown> = {}, mounts: CreateAdmission['mounts'] = []): CreateAdmission =>
  ({ labels: {}, memoryBytes: 0, bearerToken: token, mounts, hostConfig });
const req = (bearerToken: string) => ({ method: 'GET', path: '/volumes', bearerToken });
const bind = (source: string) => ({ type: 'bind' as const, source, target: '/x' });

describe('unprivileged', () => {
  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['Privileged', { Privileged: true }, 'Privileged'],
    ['host network', { NetworkMode: 'host' }, 'NetworkMode host'],
    ['host PID', { PidMode: 'host' }, 'PidMode host'],
    ['host IPC', { IpcMode: 'host' }, 'IpcMode host'],
    ['host UTS', { UTSMode: 'host' }, 'UTSMode host'],
    ['CapAdd', { CapAdd: ['SYS_ADMIN'] }, 'CapAdd (SYS_ADMIN)'],
    ['Devices', { Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }, 'Devices (/dev/sda)'],
    ['device cgroup rules', { DeviceCgroupRules: ['b 8:* rmw'] }, 'DeviceCgroupRules (b 8:* rmw)'],
    ['seccomp off', { SecurityOpt: ['no-new-privileges', 'seccomp=unconfined'] }, 'SecurityOpt seccomp=unconfined'],
    ['apparmor off, old syntax', { SecurityOpt: ['apparmor:unconfined'] }, 'SecurityOpt apparmor:unconfined'],
    ['unmasked /proc', { SecurityOpt: ['systempaths=unconfined'] }, 'SecurityOpt systempaths=unconfined'],
    ['no masked paths (the raw API)', { MaskedPaths: [] }, 'MaskedPaths without /proc/asound, /proc/acpi, /proc/kcore, /proc/keys, /proc/latency_stats, /proc/timer_list, /proc/timer_stats, /proc/sched_debug, /proc/scsi, /sys/firmware'],
    ['a writable /proc/sys', { ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sysrq-trigger'] }, 'ReadonlyPaths without /proc/sys'],
  ];
  test.each(refusals)('%s is a 403 naming the setting and the rule', async (_name, hostConfig, what) => {
    await expect(Promise.resolve().then(() => controller().onCreate!(create('red', hostConfig)))).rejects.toMatchObject({
      code: 'Forbidden', message: `tenant red may only create unprivileged containers (unprivileged: true): ${what} is refused`,
    });
  });

  test("Docker's defaults, dropped capabilities, no-new-privileges and the default bridge pass", async () => {
    const ok = {
      Privileged: false, NetworkMode: 'default', PidMode: '', CapAdd: [], CapDrop: ['NET_RAW'], Devices: [], SecurityOpt: ['no-new-privileges'],
      MaskedPaths: null, ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger', '/proc/more'],
    };
    await expect(Promise.resolve(controller().onCreate!(create('red', ok)))).resolves.toBeUndefined();
  });

  test('a tenant without the option and the operator may ask for anything', async () => {
    const c = controller();
    await expect(Promise.resolve(c.onCreate!(create('blue', { Privileged: true, NetworkMode: 'host' })))).resolves.toBeUndefined();
    await expect(Promise.resolve(c.onCreate!(create('op', { Privileged: true, CapAdd: ['ALL'] })))).resolves.toBeUndefined();
  });
});

describe('allowedBindPaths', () => {
  const onCreate = (source: string) => Promise.resolve().then(() => controller().onCreate!(create('red', {}, [bind(source)])));

  test('binds under an allowed path pass, the path itself and not-yet-made dirs included', async () => {
    for (const source of [join(dir, 'allowed'), join(dir, 'allowed', 'sub'), join(dir, 'allowed', 'new', 'deeper')]) {
      await expect(onCreate(source)).resolves.toBeUndefined();
    }
  });

  test('a bind outside, a sibling with the same prefix, a dot-dot or a symlink out is a 403 naming the rule', async () => {
    for (const source of ['/etc', join(dir, 'allowed-not'), join(dir, 'allowed', '..', 'outside'), join(dir, 'allowed', 'escape', 'x')]) {
      await expect(onCreate(source)).rejects.toMatchObject({
        code: 'Forbidden', message: `tenant red may bind-mount only under ${join(dir, 'allowed')} (allowedBindPaths): ${source} is refused`,
      });
    }
  });

  test('a relative path is a boot error', () => {
    expect(() => parseTenantsConfig({ tenants: { red: { tokens: ['t'], pools: ['p'], allowedBindPaths: ['srv'] } } }))
      .toThrow('tenants.tenants.red.allowedBindPaths[0]: an allowed bind path is absolute');
  });
});

describe('volumes', () => {
  test("a tenant's new volume is marked as its own, whatever label it sent; the operator's is left as it is", () => {
    const c = controller();
    const labels = { [TENANT_LABEL]: 'blue', keep: 'me' };
    c.onVolumeCreate!({ name: 'data', labels, bearerToken: 'red' });
    expect(labels).toEqual({ [TENANT_LABEL]: 'red', keep: 'me' });
    const op = { a: 'b' };
    c.onVolumeCreate!({ name: 'data', labels: op, bearerToken: 'op' });
    expect(op).toEqual({ a: 'b' });
  });

  test("a tenant sees only volumes marked as its own; the operator sees all; an unknown token none", () => {
    const c = controller();
    const red = { [TENANT_LABEL]: 'red' };
    expect(c.canSeeVolume!(req('red'), red)).toBe(true);
    expect(c.canSeeVolume!(req('blue'), red)).toBe(false);
    expect(c.canSeeVolume!(req('red'), {})).toBe(false);
    expect(c.canSeeVolume!(req('op'), red)).toBe(true);
    expect(c.canSeeVolume!(req(''), {})).toBe(true);
    expect(c.canSeeVolume!(req('nope'), red)).toBe(false);
  });
});
