import { randomBytes } from 'node:crypto';

/** Network and endpoint ids as dockerd makes them: 64 hex digits. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}
