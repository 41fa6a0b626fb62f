import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ForbiddenError, type CreateAdmission } from '@sockerless/sdk';
import type { Tenant } from './tenants-config';

/** HostConfig fields whose value `host` shares a namespace of the daemon's host with the container. */
const HOST_NAMESPACE_MODES = ['NetworkMode', 'PidMode', 'IpcMode', 'UTSMode'] as const;
/** Lists that hand the container host power: capabilities, host devices, device cgroup rules. */
const GRANTING_LISTS = ['CapAdd', 'Devices', 'DeviceCgroupRules'] as const;
/**
 * SecurityOpt entries that switch a confinement off. dockerd accepts `key=value` and the older `key:value`;
 * `systempaths=unconfined` unmasks /proc and /sys, `label=disable` drops SELinux labels.
 */
const UNCONFINING_OPT = /^(seccomp|apparmor|systempaths)[=:]unconfined$|^label[=:]disable$/;
/**
 * HostConfig.MaskedPaths and ReadonlyPaths replace Docker's defaults (moby's oci/defaults.go) when given:
 * a list that leaves one of these out unmasks it, as `systempaths=unconfined` would. A superset is fine.
 */
const DEFAULT_PATH_RULES = {
  MaskedPaths: ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
    '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'],
  ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
} as const;

/**
 * What a tenant's container may ask of the host. With `unprivileged`, nothing beyond Docker's default
 * confinement: no Privileged, no host network/PID/IPC/UTS namespace, no added capability, device,
 * unconfined security option or fewer masked/read-only paths than Docker's. Bind mounts: none unless `allowBindMounts` or `allowedBindPaths`, and with
 * `allowedBindPaths` only sources under one of them (symlinks resolved, so a link cannot lead out).
 * Each refusal is a 403 that names the setting and the rule.
 */
export function checkHostAccess(tenant: Tenant, request: CreateAdmission): void {
  checkBinds(tenant, request.mounts);
  if (!tenant.unprivileged) return;
  const refuse = (what: string) => {
    throw new ForbiddenError(`tenant ${tenant.name} may only create unprivileged containers (unprivileged: true): ${what} is refused`);
  };
  const hc = request.hostConfig;
  if (hc.Privileged === true) refuse('Privileged');
  for (const field of HOST_NAMESPACE_MODES) if (hc[field] === 'host') refuse(`${field} host`);
  for (const field of GRANTING_LISTS) {
    const list = hc[field];
    if (Array.isArray(list) && list.length > 0) refuse(`${field} (${list.map(describeEntry).join(', ')})`);
  }
  const opts = Array.isArray(hc.SecurityOpt) ? hc.SecurityOpt : [];
  const unconfined = opts.find((o): o is string => typeof o === 'string' && UNCONFINING_OPT.test(o));
  if (unconfined) refuse(`SecurityOpt ${unconfined}`);
  for (const [field, defaults] of Object.entries(DEFAULT_PATH_RULES)) {
    const given = hc[field];
    if (!Array.isArray(given)) continue;
    const dropped = defaults.filter((p) => !given.includes(p));
    if (dropped.length > 0) refuse(`${field} without ${dropped.join(', ')}`);
  }
}

function describeEntry(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  const d = entry as { PathOnHost?: unknown } | null;
  return typeof d?.PathOnHost === 'string' ? d.PathOnHost : JSON.stringify(entry);
}

function checkBinds(tenant: Tenant, mounts: CreateAdmission['mounts']): void {
  const binds = mounts.filter((m) => m.type === 'bind');
  if (binds.length === 0) return;
  const allowed = tenant.allowedBindPaths;
  if (!allowed) {
    if (tenant.allowBindMounts) return;
    throw new ForbiddenError(`tenant ${tenant.name} may not bind-mount host paths (${binds[0].source}); use a volume`);
  }
  for (const bind of binds) {
    const source = hostPathOf(bind.source);
    if (!allowed.some((root) => isUnder(source, hostPathOf(root)))) {
      throw new ForbiddenError(`tenant ${tenant.name} may bind-mount only under ${allowed.join(', ')} (allowedBindPaths): ${bind.source} is refused`);
    }
  }
}

/** The path with symlinks resolved as far as it exists (a bind source may be created at create time). */
export function hostPathOf(path: string): string {
  const abs = resolve(path);
  let existing = abs;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    return join(realpathSync(existing), relative(existing, abs));
  } catch {
    return abs;
  }
}

function isUnder(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
