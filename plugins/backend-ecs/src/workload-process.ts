import { PassThrough } from 'node:stream';
import { AGENT_WAIT_MS, pipeStdinThroughAgent, type AgentServer, type ExitStatus, type Logger, type WorkloadProcess } from '@sockerless/sdk';
import type { Task } from './aws';
import { LogFollower } from './log-follower';
import type { PollLoop } from './poll-loop';
import { exitStatusOf } from './task-definition';

export interface ProcessParts {
  containerId: string;
  taskArn: string;
  logGroup: string;
  logStream: string;
  loop: PollLoop;
  poll: { min: number; max: number };
  logger: Logger;
  /** The agent server when the task runs the agent: stdin goes through its attach, its hang-up wakes the loop. */
  agents?: AgentServer;
  openStdin: boolean;
  /** Output from this time on (ms), for a reattach; the whole stream otherwise. */
  logsSince?: number;
  /** The task stopped or was lost. */
  onStopped(): void;
}

/**
 * A task as a WorkloadProcess: its output is the awslogs stream (all on stdout: CloudWatch does not keep
 * which stream a line came from), its exit the main container's exit code once DescribeTasks says STOPPED.
 */
export function taskProcess(p: ProcessParts): WorkloadProcess {
  const follower = new LogFollower(p.logGroup, p.logStream, p.poll, p.logger, p.logsSince);
  const exited = p.loop.watch(p.taskArn, follower).then(
    (task) => { p.onStopped(); return exitStatusOf(task); },
    (err: Error): ExitStatus => { p.onStopped(); return { exitCode: 137, error: err.message }; },
  ).then(async (status) => { await follower.whenEnded(); return status; });
  const stdin = p.openStdin && p.agents ? new PassThrough() : null;
  if (p.agents) pipeStdinThroughAgent({ agents: p.agents, containerId: p.containerId, stdin, waitMs: AGENT_WAIT_MS, onHangUp: () => p.loop.wake(), logger: p.logger });
  return { stdin, stdout: follower.output, stderr: null, exited };
}
