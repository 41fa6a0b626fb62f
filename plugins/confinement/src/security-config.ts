import { InvalidArgumentError, normalizeCapabilities, stringList, type WorkloadDevice, type WorkloadSecurity } from '@sockerless/sdk';

/**
 * HostConfig's confinement fields (Privileged, CapAdd, CapDrop, Devices, SecurityOpt, PidMode, IpcMode,
 * UTSMode, UsernsMode) checked at create and turned into the backend's WorkloadSecurity. Messages are
 * dockerd's; where dockerd 20.10 only fails at start (a bad IPC mode, a bad seccomp profile) or silently
 * ignores a value (a bad PID or UTS mode, a user-namespace mode it was not configured for), Sockerless
 * answers the 400 at create, naming the value.
 */

type HostConfig = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** dockerd's parseSecurityOpt, minus SELinux/AppArmor, which it too accepts and ignores where the host has neither. */
function parseSecurityOpt(opts: unknown): { seccomp: string; noNewPrivileges: boolean } {
  const out = { seccomp: 'default', noNewPrivileges: false };
  for (const opt of stringList(opts, 'HostConfig.SecurityOpt')) {
    if (opt === 'no-new-privileges') { out.noNewPrivileges = true; continue; }
    if (opt === 'disable') continue; // label=disable's legacy spelling
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) throw new InvalidArgumentError(`invalid --security-opt 1: "${opt}"`);
    const key = opt.slice(0, opt.indexOf(sep));
    const value = opt.slice(opt.indexOf(sep) + 1);
    if (key === 'label' || key === 'apparmor') continue;
    if (key === 'seccomp') out.seccomp = value === '' ? 'default' : value;
    else if (key === 'no-new-privileges' && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) out.noNewPrivileges = true;
    else if (key === 'no-new-privileges' && ['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) out.noNewPrivileges = false;
    else throw new InvalidArgumentError(`invalid --security-opt 2: "${opt}"`);
  }
  if (out.seccomp !== 'default' && out.seccomp !== 'unconfined') {
    try { JSON.parse(out.seccomp); } catch (err) {
      throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(err as Error).message}`);
    }
  }
  return out;
}

/** `Devices` entries as the API carries them ({PathOnHost, PathInContainer, CgroupPermissions}). */
function parseDevices(devices: unknown): WorkloadDevice[] {
  if (devices === undefined || devices === null) return [];
  if (!Array.isArray(devices)) throw new InvalidArgumentError('invalid HostConfig.Devices: expected a list');
  return devices.map((d: Record<string, unknown>) => {
    const hostPath = str(d?.PathOnHost);
    const containerPath = str(d?.PathInContainer) || hostPath;
    const permissions = str(d?.CgroupPermissions) || 'rwm';
    if (!hostPath.startsWith('/')) throw new InvalidArgumentError(`invalid device path: "${hostPath}"`);
    if (!containerPath.startsWith('/')) throw new InvalidArgumentError(`${containerPath} is not an absolute path`);
    if (!/^[rwm]{1,3}$/.test(permissions)) throw new InvalidArgumentError(`invalid device mode: ${permissions}`);
    return { hostPath, containerPath, permissions };
  });
}

/**
 * A namespace mode: `''`, `host`, `container:<ref>` (resolved to the full id by `find`, which throws
 * Docker's `No such container`), plus the IPC-only `none`, `private`, `shareable`.
 */
function parseMode(field: 'PID' | 'IPC' | 'UTS', value: unknown, find: (ref: string) => string): string {
  const mode = str(value);
  if (mode === '' || mode === 'host') return mode;
  if (field === 'IPC' && (mode === 'private' || mode === 'shareable' || mode === 'none')) return mode;
  if (field !== 'UTS' && mode.startsWith('container:') && mode.length > 'container:'.length) {
    // dockerd answers an unknown container here with a 400, not the usual 404.
    try { return `container:${find(mode.slice('container:'.length))}`; } catch (err) { throw new InvalidArgumentError((err as Error).message); }
  }
  throw new InvalidArgumentError(`Invalid ${field} mode: ${mode}`);
}

/** HostConfig.MaskedPaths / ReadonlyPaths: absent (null) means Docker's defaults; given, absolute paths. */
function parsePaths(field: 'MaskedPaths' | 'ReadonlyPaths', value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((p) => typeof p !== 'string' || !p.startsWith('/'))) {
    throw new InvalidArgumentError(`invalid HostConfig.${field}: expected a list of absolute paths`);
  }
  return value as string[];
}

/** The confinement a create asks for; throws Docker's 400s. `find` resolves a container reference to its id. */
export function workloadSecurityOf(hostConfig: HostConfig, find: (ref: string) => string): WorkloadSecurity {
  const userns = str(hostConfig.UsernsMode);
  if (userns !== '' && userns !== 'host') {
    throw new InvalidArgumentError(`invalid UsernsMode "${userns}": user namespace remapping is not enabled on this daemon (only "host" is accepted)`);
  }
  return {
    privileged: hostConfig.Privileged === true,
    capAdd: normalizeCapabilities('CapAdd', hostConfig.CapAdd),
    capDrop: normalizeCapabilities('CapDrop', hostConfig.CapDrop),
    devices: parseDevices(hostConfig.Devices),
    ...parseSecurityOpt(hostConfig.SecurityOpt),
    pidMode: parseMode('PID', hostConfig.PidMode, find),
    ipcMode: parseMode('IPC', hostConfig.IpcMode, find),
    utsMode: parseMode('UTS', hostConfig.UTSMode, find),
    maskedPaths: parsePaths('MaskedPaths', hostConfig.MaskedPaths),
    readonlyPaths: parsePaths('ReadonlyPaths', hostConfig.ReadonlyPaths),
    // Only when given, so a spec without it stays as it was.
    ...(userns === 'host' ? { usernsMode: 'host' as const } : {}),
  };
}
