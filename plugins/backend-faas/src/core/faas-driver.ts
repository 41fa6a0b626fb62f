import { PassThrough, type Readable } from 'node:stream';
import {
  AGENT_ENV, hostAccessAskedFor, isSockerlessError, NotFoundError, NotImplementedError, pipeStdinThroughAgent, UnavailableError,
  type AgentServer, type AgentSession, type BackendDriver, type ExecSpec, type ExitStatus, type Logger,
  type ManagedWorkload, type PathStat, type WorkloadProcess, type WorkloadSpec,
} from '@sockerless/sdk';
import type { FaasInvocation, FaasProvider } from './provider';

export interface FaasDriverDeps {
  kind: string;
  provider: FaasProvider;
  agents: AgentServer;
  logger: Logger;
  /** How long exec, cp, attach and signals wait for the workload agent of a running invocation to dial in. */
  agentWaitMs: number;
}

/**
 * Docker containers as functions, the same on every cloud: `create` makes a function whose command is the
 * workload agent followed by the container's argv, each `start` is one invocation kept open for as long as the
 * container runs (its answer is the exit code), output comes from the cloud's log, and exec / cp / attach /
 * signals go through the agent while an invocation runs (no function platform has an API for any of them).
 */
export class FaasDriver implements BackendDriver {
  readonly kind: string;
  private readonly running = new Map<string, FaasInvocation>();
  /** Invocations left when the daemon closed: their answers belong to the next boot's recovery. */
  private readonly abandoned = new WeakSet<FaasInvocation>();
  protected readonly provider: FaasProvider;
  private readonly cloud: string;

  constructor(private readonly deps: FaasDriverDeps) {
    this.kind = deps.kind;
    this.provider = deps.provider;
    this.cloud = deps.provider.cloud;
  }

  async create(spec: WorkloadSpec): Promise<void> {
    const { cloud, provider } = this;
    if (spec.tty) throw new NotImplementedError(`${cloud} has no terminal: a container with a TTY (docker run -t) cannot run as a ${cloud} function`);
    this.refuseWhatFunctionsCannotDo(spec);
    provider.check?.(spec);
    const grant = await this.deps.agents.grant(spec.id);
    const env = [...spec.env, ...grant.env, ...(spec.openStdin ? [`${AGENT_ENV.stdin}=1`] : [])];
    if (spec.user) this.deps.logger.debug(`${cloud}: the container user is not applied; the platform runs functions as its own user`, { id: spec.id, user: spec.user });
    await provider.createFunction(spec, env);
    try {
      await provider.whenReady?.(spec);
    } catch (err) {
      // Nothing is left behind by a create that failed half way.
      await provider.deleteFunction(spec.id).catch((e: Error) => this.deps.logger.warn(`${cloud}: cleanup after a failed create failed`, { id: spec.id, err: e.message }));
      throw err;
    }
  }

  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    const { agents, logger, agentWaitMs } = this.deps;
    if (this.running.has(spec.id)) throw new UnavailableError(`container ${spec.id} already has a ${this.cloud} invocation running`);
    // Marks the container as this daemon's, so its agent is accepted (after a restart, create ran in another daemon).
    await agents.grant(spec.id);
    const invocation = this.provider.invoke(spec);
    this.running.set(spec.id, invocation);
    void invocation.result.then((r) => {
      if (this.running.get(spec.id) === invocation) this.running.delete(spec.id);
      if (!this.abandoned.has(invocation)) void this.provider.recordResult?.(spec.id, r);
    });
    // Docker's stdin for `run -i`: written to the main process once its agent connected (buffered until then).
    let stdin: PassThrough | null = null;
    if (spec.openStdin) {
      stdin = new PassThrough();
      stdin.pause();
      pipeStdinThroughAgent({ agents, containerId: spec.id, stdin, waitMs: agentWaitMs, onHangUp: () => undefined, logger });
    }
    // After the daemon closed, the answer belongs to nobody: the next boot's recovery decides the container's fate.
    const exited = invocation.result.then((r) => (this.abandoned.has(invocation) ? new Promise<ExitStatus>(() => undefined) : r.status));
    return { stdin, stdout: invocation.stdout, stderr: invocation.stderr, exited };
  }

  async signal(id: string, signal: string): Promise<void> {
    const session = await this.agentOf(id, `${this.cloud} has no API to stop an invocation; the workload agent is not connected`);
    await session.signal(signal);
  }

  async remove(id: string): Promise<void> {
    // A removed container's agent must not be served any more, whatever the cloud says below.
    this.deps.agents.revoke(id);
    await this.provider.deleteFunction(id);
  }

  async exec(id: string, spec: ExecSpec): Promise<WorkloadProcess> {
    if (spec.tty) throw new NotImplementedError('a TTY through the workload agent is not supported: it has no terminal allocator');
    return (await this.agentOf(id, `docker exec reaches a ${this.cloud} container through its workload agent, which has not connected`)).exec(spec);
  }

  async statPath(id: string, path: string): Promise<PathStat> {
    return (await this.archiveSession(id)).statPath(path);
  }

  async getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: Readable }> {
    return (await this.archiveSession(id)).getArchive(path);
  }

  async putArchive(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void> {
    return (await this.archiveSession(id)).putArchive(path, tar, opts);
  }

  async list(): Promise<ManagedWorkload[]> {
    return (await this.provider.list()).map((w) => ({ id: w.id, running: this.running.has(w.id), ...(w.identity ? { identity: w.identity } : {}) }));
  }

  /**
   * No function platform keeps a record of an invocation that can be read back: the answer goes only to the
   * connection that asked, so the output and result of one that was in flight when the previous daemon died are
   * lost to the API, and the core records the container as ended.
   */
  async reattach(): Promise<WorkloadProcess | undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    for (const invocation of this.running.values()) {
      this.abandoned.add(invocation);
      invocation.abandon();
    }
    this.running.clear();
    await this.provider.close();
  }

  private refuseWhatFunctionsCannotDo(spec: WorkloadSpec): void {
    const hostAccess = hostAccessAskedFor(spec.security);
    if (hostAccess) throw new NotImplementedError(`${hostAccess} is not available on ${this.cloud}: a function cannot be given host devices, extra capabilities or another container's namespaces`);
    const bind = spec.mounts.find((m) => m.type === 'bind');
    if (bind) throw new NotImplementedError(`a ${this.cloud} function cannot mount a path of the daemon's host (bind mount ${bind.source}:${bind.target})`);
    for (const m of spec.mounts) {
      this.deps.logger.warn(`${this.cloud}: volume mounted as a plain directory of the function; its data does not outlive the invocation`, { id: spec.id, target: m.target });
    }
    if (spec.network?.ports.length) {
      throw new NotImplementedError(`a ${this.cloud} function takes no inbound connections: published ports (docker run -p) cannot be served`);
    }
  }

  /** The agent of a running invocation; NotFound when none runs, NotImplemented (naming why) when it never dials in. */
  private async agentOf(id: string, whyWithoutAgent: string): Promise<AgentSession> {
    if (!this.running.has(id)) throw new NotFoundError(`container ${id} has no running ${this.cloud} invocation`);
    try {
      return await this.deps.agents.session(id, this.deps.agents.connected(id) ? 0 : this.deps.agentWaitMs);
    } catch (err) {
      if (isSockerlessError(err) && err.code === 'Unavailable') throw new NotImplementedError(whyWithoutAgent);
      throw err;
    }
  }

  private async archiveSession(id: string): Promise<AgentSession> {
    if (!this.running.has(id)) {
      throw new NotImplementedError(`a ${this.cloud} container has a filesystem only while an invocation runs; start it first`);
    }
    return this.agentOf(id, `docker cp reaches a ${this.cloud} container through its workload agent, which has not connected`);
  }
}
