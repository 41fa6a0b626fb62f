import {
  CI_COORDINATOR_LABEL, CI_JOB_LABEL, ciContainerName, detached, isSockerlessError, POOL_LABEL,
  type ContainersService, type ContainerView, type Logger,
} from '@sockerless/sdk';
import { statusOf, type JitRunner } from './github-api';
import type { RunnerGroup } from './options';
import { runnerKey, type JobRecord, type Ledger, type RunnerRecord } from './records';

export const COORDINATOR = 'github';
export const GROUP_LABEL = 'com.sockerless.ci.github.group';

/** The GitHub calls runners need (GitHubApi; a test may hand another). */
export interface RunnerApi {
  generateJitConfig(name: string, labels: string[], runnerGroupId: number): Promise<JitRunner>;
  runners(): Promise<Array<{ id: number; name: string; busy: boolean }>>;
  deleteRunner(runnerId: number): Promise<void>;
}

/**
 * Ephemeral runners: launched as record -> `generate-jitconfig` -> container (named after the runner), and
 * retired as GitHub first (so no job is handed to a runner about to go), then the container, then the record.
 */
export class Runners {
  /** Runners whose container removal is in flight. */
  private readonly removing = new Set<string>();

  constructor(
    private readonly ledger: Ledger,
    private readonly api: RunnerApi,
    private readonly containers: ContainersService,
    private readonly groups: Record<string, RunnerGroup>,
    private readonly logger: Logger,
    /** Called once a retired runner's container is gone: the coordinator drops its record and reconciles. */
    private readonly removed: (runner: RunnerRecord) => Promise<void>,
  ) {}

  /** Records, registers and creates a runner for `job`; resolves with the container to start, or undefined. */
  async launch(groupName: string, job: JobRecord): Promise<{ runner: RunnerRecord; containerId: string } | undefined> {
    const group = this.groups[groupName];
    // Kept in memory until the job's next write: it orders jobs for runners, and a name reused after a crash
    // is free again (a runner record is dropped only once its runner and container are gone).
    job.runnersLaunched += 1;
    const name = ciContainerName(COORDINATOR, `${job.jobId}-${job.runnersLaunched}`);
    const runner: RunnerRecord = { id: runnerKey(name), kind: 'runner', name, group: groupName, forJob: job.jobId, state: 'registering', launchedAt: Date.now() };
    await this.ledger.putRunner(runner);
    let jit: JitRunner;
    try {
      jit = await this.api.generateJitConfig(name, group.labels, group.runnerGroupId);
    } catch (err) {
      this.logger.warn('generate-jitconfig failed; the job waits for the next round', { runner: name, status: statusOf(err), err: (err as Error).message });
      await this.retire(runner, true);
      return undefined;
    }
    // Not written yet: recovery goes by the container (none: unregister by name; created: start; running: keep).
    runner.runnerId = jit.runnerId;
    runner.state = 'starting';
    try {
      const { id } = await this.containers.create(this.containerBody(groupName, group, runner, jit.encodedJitConfig), name);
      return { runner, containerId: id };
    } catch (err) {
      this.logger.error('runner container create failed', { runner: name, pool: group.pool, err: (err as Error).message });
      await this.retire(runner, true);
      return undefined;
    }
  }

  private containerBody(groupName: string, group: RunnerGroup, runner: RunnerRecord, jitConfig: string): Record<string, unknown> {
    return {
      Image: group.image,
      ...(group.command ? { Cmd: group.command } : {}),
      Env: [...Object.entries(group.env).map(([k, v]) => `${k}=${v}`), `ACTIONS_RUNNER_INPUT_JITCONFIG=${jitConfig}`],
      Labels: { [POOL_LABEL]: group.pool, [CI_COORDINATOR_LABEL]: COORDINATOR, [CI_JOB_LABEL]: String(runner.forJob), [GROUP_LABEL]: groupName },
      HostConfig: group.networkMode ? { NetworkMode: group.networkMode } : {},
    };
  }

  /**
   * Removes a runner: unregistered on GitHub first, then recorded as `removing`; its container is removed
   * outside the coordinator's queue (a sandbox teardown takes a while) and `removed` is called after, which
   * drops the record. Unless `force`, a runner GitHub says is busy (422) is kept and marked busy. Answers
   * whether it is on its way out.
   */
  async retire(runner: RunnerRecord, force: boolean): Promise<boolean> {
    if (runner.state === 'removing') return true;
    try {
      const id = runner.runnerId ?? (await this.api.runners()).find((r) => r.name === runner.name)?.id;
      if (id !== undefined) await this.api.deleteRunner(id);
    } catch (err) {
      if (statusOf(err) === 422 && !force) {
        runner.state = 'busy';
        await this.ledger.putRunner(runner);
        return false;
      }
      if (statusOf(err) !== 422) {
        // GitHub unreachable: the record stays, so the next round tries again; nothing is forgotten.
        this.logger.warn('could not unregister a runner; will retry', { runner: runner.name, err: (err as Error).message });
        return false;
      }
    }
    runner.state = 'removing';
    await this.ledger.putRunner(runner);
    this.finishRemoval(runner);
    return true;
  }

  /**
   * Removes a `removing` runner's container unless that is under way already, and calls `removed` only once no
   * container of its name is left; a removal that failed or raced a start is tried again by the next call
   * (the reaper makes one every round).
   */
  finishRemoval(runner: RunnerRecord): void {
    if (this.removing.has(runner.name)) return;
    this.removing.add(runner.name);
    const work = this.removeContainer(runner).then(async () => {
      if (this.containerOf(runner.name)) throw new Error('its container is still there after removal; the reaper tries again');
      await this.removed(runner);
    });
    detached(this.logger, { on: 'runner removal', runner: runner.name }, work.finally(() => this.removing.delete(runner.name)));
  }

  /** Removes the runner's container if there is one. */
  private async removeContainer(runner: RunnerRecord): Promise<void> {
    const container = this.containerOf(runner.name);
    if (!container) return;
    // Gone already (NotFound), or being removed by a concurrent `docker rm` (Conflict): either way it goes.
    await this.containers.remove(container.id, { force: true }).catch((err: unknown) => {
      if (!isSockerlessError(err) || (err.code !== 'NotFound' && err.code !== 'Conflict')) throw err;
    });
  }

  containerOf(name: string): ContainerView | undefined {
    return this.containers.list().find((c) => c.name === name);
  }

  /** The containers this coordinator made (by label), whatever the records say. */
  ownContainers(): ContainerView[] {
    return this.containers.list().filter((c) => c.labels[CI_COORDINATOR_LABEL] === COORDINATOR);
  }
}
