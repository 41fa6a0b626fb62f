import type { Readable } from 'node:stream';
import type { AgentServer, AgentSession } from './contracts/agent';
import type { ExecSpec, PathStat, WorkloadProcess } from './contracts/backend';
import { NotImplementedError } from './errors';
import type { Logger } from './services';
import { normalizeSignal } from './signals';

/** How long after a start a cloud driver waits for the workload agent to dial in (exec, attach, cp wait as long). */
export const AGENT_WAIT_MS = 10_000;

export interface AgentChannelOptions {
  agents: AgentServer;
  /** Whether the workloads run the agent (the backend's `agent` option). */
  enabled: boolean;
  /** The cloud's name in messages (`Cloud Run`, `ECS`). */
  cloud: string;
  /** What the cloud calls one run of a container (`task`, `replica`). */
  unit: string;
  /** What the cloud can do to a run without the agent, for the 501 of another signal (`Cloud Run can only cancel an execution`). */
  cloudCanOnly: string;
  /** How long a call waits for the agent to dial in after a start. */
  waitMs: number;
  /** Whether the container has a run going now (exec and cp need one). */
  isRunning(id: string): Promise<boolean>;
  logger: Logger;
}

/**
 * What a cloud backend reaches through the workload agent (exec, cp, any signal) and the rules around it, the
 * same for every cloud: without the agent, exec and cp are 501 and only SIGTERM/SIGKILL can be carried out
 * (by the cloud ending the run); a signal right after a start waits for the agent to dial in, since ending
 * the run instead would turn any signal into the end of it.
 */
export class AgentChannel {
  constructor(private readonly o: AgentChannelOptions) {}

  /**
   * Delivers `signal` through the agent: `delivered`; or, when the agent is off or cannot be reached, the
   * signal (SIGTERM or SIGKILL) the cloud must carry out by ending the run. Any other signal then is a 501.
   */
  async signal(id: string, signal: string): Promise<'delivered' | 'SIGTERM' | 'SIGKILL'> {
    const sig = normalizeSignal(signal);
    if (this.o.enabled) {
      try {
        await (await this.o.agents.session(id, this.o.agents.connected(id) ? 0 : this.o.waitMs)).signal(sig);
        return 'delivered';
      } catch (err) {
        if (sig !== 'SIGKILL' && sig !== 'SIGTERM') throw err;
        this.o.logger.debug(`the agent could not deliver the signal; the ${this.o.cloud} ${this.o.unit} is ended instead`, { id, err: (err as Error).message });
      }
    }
    if (sig !== 'SIGKILL' && sig !== 'SIGTERM') {
      throw new NotImplementedError(`signal ${sig} cannot reach a${/^[aeiou]/i.test(this.o.cloud) ? 'n' : ''} ${this.o.cloud} ${this.o.unit} without its workload agent: ${this.o.cloudCanOnly}`);
    }
    return sig;
  }

  exec(id: string, spec: ExecSpec): Promise<WorkloadProcess> {
    if (spec.tty) return Promise.reject(new NotImplementedError(`a TTY exec is not available on the ${this.o.cloud} backend: the workload agent has no terminal allocator`));
    return this.session(id, 'exec').then((s) => s.exec(spec));
  }

  async statPath(id: string, path: string): Promise<PathStat> {
    return (await this.session(id, 'copy')).statPath(path);
  }

  async getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: Readable }> {
    return (await this.session(id, 'copy')).getArchive(path);
  }

  async putArchive(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void> {
    return (await this.session(id, 'copy')).putArchive(path, tar, opts);
  }

  private async session(id: string, purpose: 'exec' | 'copy'): Promise<AgentSession> {
    if (!this.o.enabled) {
      throw new NotImplementedError(`${purpose} is not available: this ${this.o.cloud} backend runs ${this.o.unit}s without the workload agent (option agent: false)`);
    }
    if (!(await this.o.isRunning(id))) {
      throw new NotImplementedError(purpose === 'copy'
        ? `the container has no running ${this.o.unit} to copy through: on ${this.o.cloud}, docker cp works while the container runs`
        : `the container has no running ${this.o.cloud} ${this.o.unit} to exec in`);
    }
    return this.o.agents.session(id, this.o.waitMs);
  }
}

/**
 * A cloud backend whose exec and `docker cp` go through the workload agent: the driver's optional exec and
 * archive powers, answered by its AgentChannel, written once for every such backend.
 */
export abstract class AgentBackedDriver {
  protected abstract readonly agent: AgentChannel;

  exec(id: string, spec: ExecSpec): Promise<WorkloadProcess> {
    return this.agent.exec(id, spec);
  }

  statPath(id: string, path: string): Promise<PathStat> {
    return this.agent.statPath(id, path);
  }

  getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: Readable }> {
    return this.agent.getArchive(id, path);
  }

  putArchive(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void> {
    return this.agent.putArchive(id, path, tar, opts);
  }
}
