import { randomBytes } from 'node:crypto';

/**
 * A new id as dockerd makes them for containers, execs, networks, endpoints and the volumes it names itself
 * (stringid.GenerateRandomID): 64 hex digits.
 */
export function newObjectId(): string {
  return randomBytes(32).toString('hex');
}
