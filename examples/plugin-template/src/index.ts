/**
 * A backend plugin to start from (`scripts/new-plugin.sh NAME DIR` copies it): the plugin object, its options,
 * and a driver whose every method says what the core expects of it. What works as it is: the container's
 * directory under the instance's `stateDir` (create, remove, and `list()` for a restarted daemon). What you
 * write: `start` and `signal` against your platform (until then the core answers Docker's 501).
 * docs/plugins.md is the contract; examples/host-process-backend is a complete backend of 150 lines.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  coreBackendDriversExtensionPoint, definePlugin, NotFoundError, NotImplementedError, z,
  type BackendDriver, type BackendDriverContext, type ManagedWorkload, type WorkloadProcess, type WorkloadSpec,
} from '@sockerless/sdk';

/** `backends.<name>.options`, checked at boot and by `sockerless config check`; strict, so a typo is an error. */
export const optionsSchema = z.strictObject({
  endpoint: z.string().url().optional(),
  region: z.string().default('local'),
});
export type MyBackendOptions = z.infer<typeof optionsSchema>;

export class MyBackendDriver implements BackendDriver {
  readonly kind = 'my-backend';

  constructor(private readonly ctx: BackendDriverContext<MyBackendOptions>) {}

  /** At `docker create`: prepare what `start` needs. `stateDir` is this instance's alone, and survives restarts. */
  async create(spec: WorkloadSpec): Promise<void> {
    mkdirSync(this.dirOf(spec.id), { recursive: true });
    writeFileSync(join(this.dirOf(spec.id), 'spec.json'), JSON.stringify(spec));
  }

  /**
   * At `docker start` (and each restart, with the same spec, also after a daemon restart): run it and return
   * its stdio and `exited`. A command that cannot run rejects with runc's words ("executable file not found",
   * "permission denied"), which the core turns into exit codes 127 and 126.
   */
  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    throw new NotImplementedError(`start is not written yet in backend '${this.ctx.instanceName}' (container ${spec.id.slice(0, 12)})`);
  }

  /** A signal by name (`SIGTERM`, `KILL`, `9`); NotFound when the workload does not run. */
  async signal(id: string, _signal: string): Promise<void> {
    throw new NotFoundError(`container ${id} is not running`);
  }

  /** Frees everything `create` made; called again after a failure or a restart, so it must not mind repeats. */
  async remove(id: string): Promise<void> {
    rmSync(this.dirOf(id), { recursive: true, force: true });
  }

  /** What this instance manages, read back from its state dir or platform: how a restarted daemon finds them. */
  async list(): Promise<ManagedWorkload[]> {
    const dir = join(this.ctx.stateDir, 'containers');
    return (existsSync(dir) ? readdirSync(dir) : []).map((id) => ({ id, running: false }));
  }

  private dirOf(id: string): string {
    return join(this.ctx.stateDir, 'containers', id);
  }
}

export default definePlugin({
  id: 'my-backend',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { drivers: coreBackendDriversExtensionPoint },
      init({ drivers }) {
        drivers.register({ kind: 'my-backend', optionsSchema, create: (ctx) => new MyBackendDriver(ctx as BackendDriverContext<MyBackendOptions>) });
      },
    });
  },
});
