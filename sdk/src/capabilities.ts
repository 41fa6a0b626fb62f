import { stringList } from './request-shapes';
import { InvalidArgumentError } from './errors';
import type { WorkloadSecurity } from './contracts/backend';

/** Linux capability names, indexed by their number (linux/capability.h up to CAP_CHECKPOINT_RESTORE = 40). */
export const LINUX_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's default capability set (moby's oci/caps DefaultCapabilities): root in a container is not root on the host. */
export const DOCKER_DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP',
  'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/**
 * Docker's NormalizeLegacyCapabilities: upper case, a `CAP_` prefix added, `ALL` kept; an unknown name is
 * dockerd's 400 `invalid CapAdd: unknown capability: "CAP_FOO"` (`field` is CapAdd or CapDrop).
 */
export function normalizeCapabilities(field: 'CapAdd' | 'CapDrop', names: unknown): string[] {
  return stringList(names, field).map((raw) => {
    const upper = raw.toUpperCase();
    if (upper === 'ALL') return 'ALL';
    const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
    if (!(LINUX_CAPABILITIES as readonly string[]).includes(name)) throw new InvalidArgumentError(`invalid ${field}: unknown capability: "${name}"`);
    return name;
  });
}

/**
 * The capability set the workload's root gets, as moby's TweakCapabilities computes it: every capability
 * when privileged; `ALL` in CapAdd means all but the dropped ones; `ALL` in CapDrop means only the added
 * ones; otherwise Docker's 14 minus drops plus adds. `available` is what the daemon itself holds (a
 * privileged container cannot get more than the daemon's own bounding set).
 */
export function capabilitiesOf(security: Pick<WorkloadSecurity, 'privileged' | 'capAdd' | 'capDrop'> | undefined, available: readonly string[] = LINUX_CAPABILITIES): string[] {
  const all = LINUX_CAPABILITIES.filter((c) => available.includes(c));
  if (!security) return [...DOCKER_DEFAULT_CAPABILITIES];
  const { capAdd, capDrop } = security;
  let caps: string[];
  if (security.privileged) caps = all;
  else if (capAdd.includes('ALL')) caps = all.filter((c) => !capDrop.includes(c));
  else if (capDrop.includes('ALL')) caps = [...capAdd];
  else caps = [...DOCKER_DEFAULT_CAPABILITIES.filter((c) => !capDrop.includes(c)), ...capAdd];
  return [...new Set(caps)].filter((c) => available.includes(c));
}

/**
 * The first confinement setting that asks for more of the host than Docker's default (privileged mode,
 * host devices, added capabilities, a shared PID/IPC/UTS namespace), named as the user wrote it; undefined
 * when there is none. A backend that runs elsewhere than on a host it controls (ECS, Lambda) refuses such a
 * container with a 501 naming it, rather than running it less privileged than asked.
 */
export function hostAccessAskedFor(security: WorkloadSecurity | undefined): string | undefined {
  if (!security) return undefined;
  if (security.privileged) return '--privileged';
  if (security.devices.length > 0) return `--device ${security.devices[0].hostPath}`;
  if (security.capAdd.length > 0) return `--cap-add ${security.capAdd.join(',')}`;
  if (security.pidMode) return `--pid ${security.pidMode}`;
  if (security.ipcMode === 'host' || security.ipcMode.startsWith('container:')) return `--ipc ${security.ipcMode}`;
  if (security.utsMode) return `--uts ${security.utsMode}`;
  return undefined;
}
