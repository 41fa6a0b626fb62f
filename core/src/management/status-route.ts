import type Router from '@koa/router';
import type { BackendInstance } from '../engine/backend-instances';
import type { ContainerRecord } from '../engine/container-record';
import type { BootStep } from '../host/boot-timings';

/** What `GET /internal/status` answers; `sockerless status` prints it with the pools of `/internal/pools`. */
export interface DaemonStatus {
  backends: Array<{ name: string; kind: string; available: boolean; default: boolean }>;
  /** Containers by Docker's state (`running`, `exited`, `created`, ...), as the caller may see them. */
  containers: { total: number; byState: Record<string, number> };
  /** The boot's steps and each plugin's init, in milliseconds; absent while the daemon is still booting. */
  boot?: BootStep;
}

export interface StatusSources {
  backends: Map<string, BackendInstance>;
  defaultBackend: string | undefined;
  /** The containers the caller may see (a tenant sees its own). */
  containers(): ContainerRecord[];
  boot?: () => BootStep;
}

export function registerStatusRoute(router: Router, sources: StatusSources): void {
  router.get('/internal/status', (ctx) => {
    const byState: Record<string, number> = {};
    const containers = sources.containers();
    for (const c of containers) byState[c.state.Status] = (byState[c.state.Status] ?? 0) + 1;
    const boot = sources.boot?.();
    const body: DaemonStatus = {
      backends: [...sources.backends.values()].map((b) => ({
        name: b.name, kind: b.kind, available: b.available(), default: b.name === sources.defaultBackend,
      })),
      containers: { total: containers.length, byState },
      // The total is set when the boot has finished; before that the tree is still growing.
      boot: boot && boot.ms > 0 ? boot : undefined,
    };
    ctx.body = body;
  });
}
