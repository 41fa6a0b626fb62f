import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestAdmission } from '@sockerless/sdk';

/**
 * Who is calling, for the duration of one API request. The engine reads it wherever it looks containers up,
 * so tenant scoping covers every endpoint (inspect, logs, exec, attach, archive, kill, rm, ...) without each
 * route having to remember it. Work that runs outside a request (boot recovery, timers) has no caller and
 * sees everything.
 */
export const callerContext = new AsyncLocalStorage<RequestAdmission>();

export function currentCaller(): RequestAdmission | undefined {
  return callerContext.getStore();
}
