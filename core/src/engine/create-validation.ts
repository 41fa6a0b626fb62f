import { isIP } from 'node:net';
import { posix } from 'node:path';
import { InvalidArgumentError, splitProtoPort, type LogDriver } from '@sockerless/sdk';
import type { CreateBody } from './create-spec';

/**
 * What dockerd's verifyContainerSettings refuses at create (400, its wording) that a backend would otherwise
 * meet only at start, or never: a relative WorkingDir, exposed ports that are not ports, a HostIp that is not
 * an address, ulimits below -1 (-1 is "unlimited") or with a soft limit above the hard one.
 */
export function validateCreateSettings(body: CreateBody, logs?: Pick<LogDriver, 'validateConfig'>): void {
  const workingDir = body.WorkingDir;
  if (typeof workingDir === 'string' && workingDir !== '' && !posix.isAbsolute(workingDir)) {
    throw new InvalidArgumentError(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`);
  }
  const exposed = body.ExposedPorts;
  if (exposed !== undefined && exposed !== null) {
    if (typeof exposed !== 'object' || Array.isArray(exposed)) throw new InvalidArgumentError('invalid ExposedPorts: expected an object');
    for (const key of Object.keys(exposed)) splitProtoPort(key);
  }
  const hostConfig = (body.HostConfig ?? {}) as Record<string, unknown>;
  validateHostIps(hostConfig.PortBindings);
  validateUlimits(hostConfig.Ulimits);
  logs?.validateConfig(hostConfig.LogConfig);
  const groupAdd = hostConfig.GroupAdd;
  if (groupAdd !== undefined && groupAdd !== null && (!Array.isArray(groupAdd) || groupAdd.some((g) => typeof g !== 'string' || g === ''))) {
    throw new InvalidArgumentError('invalid HostConfig.GroupAdd: expected a list of group names or ids');
  }
}

function validateHostIps(bindings: unknown): void {
  if (!bindings || typeof bindings !== 'object') return;
  for (const list of Object.values(bindings as Record<string, unknown>)) {
    for (const b of Array.isArray(list) ? list : []) {
      const ip = (b as { HostIp?: unknown } | null)?.HostIp;
      // go-connections' nat.ParsePortSpec wording; `[::1]` is how the CLI writes an IPv6 host.
      if (typeof ip === 'string' && ip !== '' && !isIP(ip.replace(/^\[(.*)\]$/, '$1'))) throw new InvalidArgumentError(`invalid IP address: ${ip}`);
    }
  }
}

function validateUlimits(ulimits: unknown): void {
  if (ulimits === undefined || ulimits === null) return;
  if (!Array.isArray(ulimits)) throw new InvalidArgumentError('invalid HostConfig.Ulimits: expected a list');
  for (const u of ulimits as { Name?: unknown; Soft?: unknown; Hard?: unknown }[]) {
    const name = String(u?.Name ?? '');
    const soft = Number(u?.Soft ?? 0);
    const hard = Number(u?.Hard ?? 0);
    if (!Number.isInteger(soft) || !Number.isInteger(hard) || soft < -1 || hard < -1) {
      throw new InvalidArgumentError(`invalid ulimit ${name}: soft and hard limits must be integers of at least -1 (unlimited), not ${String(u?.Soft)}:${String(u?.Hard)}`);
    }
    // go-units' ParseUlimit wording; -1 (unlimited) is above every limit.
    if (hard !== -1 && (soft === -1 || soft > hard)) throw new InvalidArgumentError(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
}
