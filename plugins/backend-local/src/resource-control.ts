import { ConflictError, NotImplementedError, type WorkloadResources, type WorkloadSpec, type WorkloadStats } from '@sockerless/sdk';
import { readStats } from './cgroup-stats';
import type { ResourceCgroups } from './resource-cgroups';
import type { RunInfo } from './running';

/** How often a running container's OOM kill count is read (see watchOom). */
const OOM_POLL_MS = 500;

export interface ResourceControlDeps {
  groups: ResourceCgroups;
  /** The container's run once its workload is in place (confine joined the groups), or undefined. */
  readyRunningOf(id: string): Promise<RunInfo | undefined>;
  specOf(id: string): Promise<WorkloadSpec>;
  /** Rewrites the container's spec file (its limits are read from it at the next start). */
  saveSpec(spec: WorkloadSpec): Promise<void>;
}

/**
 * The local driver's `docker pause`/`unpause` (the freezer), `docker update` (limits written live, as runc
 * update does) and `docker stats` (cgroup-stats.ts), all on the container's resource groups. A container
 * run without the sandbox has no groups: pause and live updates answer Docker's 501 for it.
 */
export class ResourceControl {
  constructor(private readonly d: ResourceControlDeps) {}

  private async sandboxedRun(id: string, what: string): Promise<RunInfo> {
    await this.d.specOf(id);
    const r = await this.d.readyRunningOf(id);
    if (!r) throw new ConflictError(`Container ${id} is not running`);
    if (!r.sandboxed) throw new NotImplementedError(`${what} needs the bubblewrap sandbox (the container runs on the host)`);
    return r;
  }

  async setPaused(id: string, paused: boolean): Promise<void> {
    await this.sandboxedRun(id, paused ? 'pause' : 'unpause');
    await this.d.groups.setFrozen(id, paused);
  }

  async isPaused(id: string): Promise<boolean> {
    return this.d.groups.isFrozen(id);
  }

  /** Kept in the spec for the next start; written into the groups now when it runs (runc update). */
  async update(id: string, resources: WorkloadResources): Promise<string[]> {
    const spec = await this.d.specOf(id);
    const unsupported = this.d.groups.unsupported(resources);
    if (unsupported) throw new NotImplementedError(`${unsupported} needs a cgroup v1 controller this host does not have mounted`);
    const r = await this.d.readyRunningOf(id);
    if (r?.sandboxed) this.d.groups.apply(id, resources);
    await this.d.saveSpec({ ...spec, resources });
    return [];
  }

  /**
   * runc reports a memory group's OOM kills through an eventfd on memory.oom_control; Node has no eventfd,
   * so the group's `oom_kill` count is read every OOM_POLL_MS while a container with a memory limit runs.
   */
  watchOom(id: string, onOom: () => void): () => void {
    // The group is made afresh at each start: every kill it counted is this run's.
    let seen = 0;
    let timer: NodeJS.Timeout | undefined;
    void this.d.specOf(id).then((spec) => {
      if (!spec.resources || (spec.resources.memoryBytes <= 0 && spec.resources.memorySwapBytes <= 0) || stopped) return;
      timer = setInterval(() => {
        const now = this.d.groups.oomKills(id);
        for (; seen < now; seen++) onOom();
      }, OOM_POLL_MS).unref();
    }, () => undefined);
    let stopped = false;
    return () => { stopped = true; if (timer) clearInterval(timer); };
  }

  async stats(id: string): Promise<WorkloadStats | undefined> {
    const r = await this.d.readyRunningOf(id);
    if (!r?.sandboxed) return undefined;
    return readStats(this.d.groups, id, r.workloadPid);
  }
}
