import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestAdmission } from '@sockerless/sdk';

/**
 * Who calls, for one API request: the engine's lookups read it, so tenant scoping covers every endpoint without
 * each route remembering it. Work outside a request (boot recovery, timers) has no caller and sees everything.
 */
export const callerContext = new AsyncLocalStorage<RequestAdmission>();

export function currentCaller(): RequestAdmission | undefined {
  return callerContext.getStore();
}
