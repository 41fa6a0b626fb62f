import { posix } from 'node:path';
import { InvalidArgumentError, splitProtoPort, type LogDriver } from '@sockerless/sdk';
import type { CreateBody } from './create-spec';

/**
 * dockerd's verifyContainerSettings (400, its wording) for the fields the core owns: a relative WorkingDir, exposed
 * ports that are not ports, bad group names. The plugins owning the others check theirs (networks, confinement, logs).
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
  logs?.validateConfig(hostConfig.LogConfig);
  const groupAdd = hostConfig.GroupAdd;
  if (groupAdd !== undefined && groupAdd !== null && (!Array.isArray(groupAdd) || groupAdd.some((g) => typeof g !== 'string' || g === ''))) {
    throw new InvalidArgumentError('invalid HostConfig.GroupAdd: expected a list of group names or ids');
  }
}
