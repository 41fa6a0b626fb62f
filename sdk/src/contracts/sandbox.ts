import { createServiceRef } from '../refs';
import type { Logger } from '../services';
import type { BackendDriver } from './backend';

/**
 * The local sandbox runtime: runs workloads on this host the way the local backend does (bubblewrap, the
 * image's root filesystem, real exit codes), for plugins that execute what they are asked to run — cloud
 * simulators. Provided by the `backend-local` plugin, so a simulator lists `backend-local` among its plugins.
 */
export interface SandboxRuntime {
  /**
   * A driver whose workloads share the host's network (so they reach 127.0.0.1, like the daemon's agent
   * listener), with its state under `stateDir`. `create` then `start` runs one; `remove` frees it.
   */
  open(opts: { name: string; stateDir: string; logger: Logger }): BackendDriver;
}

export const sandboxRuntimeServiceRef = createServiceRef<SandboxRuntime>({ id: 'backend-local.sandboxRuntime' });
