import type { Readable, Writable } from 'node:stream';
import type { ExecSpec, PathStat, WorkloadProcess } from './backend';

/**
 * The workload agent: a small program that wraps a cloud workload's entrypoint, dials back to the daemon
 * over a WebSocket, proves which container it serves with a per-container token, and carries exec, attach,
 * archive and signals over that one connection. Backends on clouds without an exec API use it through
 * `coreServices.agents`.
 */

/** The path where a workload's image carries the agent; a backend puts it first in the entrypoint. */
export const AGENT_ENTRYPOINT = '/.sockerless/agent';

/** Environment variables the agent reads; a backend adds `grant.env` to the workload's environment. */
export const AGENT_ENV = {
  url: 'SOCKERLESS_AGENT_URL',
  token: 'SOCKERLESS_AGENT_TOKEN',
  containerId: 'SOCKERLESS_CONTAINER_ID',
  /** `1` when the workload's main process takes stdin from attach sessions (the container's OpenStdin). */
  stdin: 'SOCKERLESS_AGENT_STDIN',
} as const;

/** What a workload needs to dial back: the daemon's agent URL and the container's own token. */
export interface AgentGrant {
  url: string;
  token: string;
  /** `NAME=value` entries for the three variables of AGENT_ENV. */
  env: string[];
}

/** The main process's live streams, as an attach sees them. */
export interface AgentAttachStreams {
  stdin: Writable | null;
  stdout: Readable;
  stderr: Readable | null;
}

/** One connected agent. Every call is multiplexed on the same WebSocket. */
export interface AgentSession {
  readonly containerId: string;
  exec(spec: ExecSpec): Promise<WorkloadProcess>;
  /** Attaches to the wrapped main process: its output from now on, and its stdin when it was opened. */
  attach(opts: { stdin: boolean }): Promise<AgentAttachStreams>;
  /** Delivers a signal to the main process (`SIGTERM`, `KILL`, `9`...). */
  signal(signal: string): Promise<void>;
  statPath(path: string): Promise<PathStat>;
  getArchive(path: string): Promise<{ stat: PathStat; tar: Readable }>;
  putArchive(path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void>;
  /** Resolves when the connection ends. */
  readonly closed: Promise<void>;
}

/** The daemon's side: hands out grants and holds the agents' connections. */
export interface AgentServer {
  /**
   * The URL and token for a container's agent. The token is derived from a secret kept in the daemon's
   * home, so it stays valid across daemon restarts and an agent can dial back to the next daemon.
   */
  grant(containerId: string): Promise<AgentGrant>;
  /** The container's connected agent; waits up to `timeoutMs` (default 0) for it to dial in, then Unavailable. */
  session(containerId: string, timeoutMs?: number): Promise<AgentSession>;
  connected(containerId: string): boolean;
  /** Forgets a container (it was removed): its agent is refused from now on and a live connection is cut. */
  revoke(containerId: string): void;
}
