import type { Readable } from 'node:stream';
import type { AgentServer } from './contracts/agent';
import type { Logger } from './services';

/**
 * For a cloud backend whose output comes from the cloud's log (it has every line from the first byte, which
 * the agent only has from the moment it connects): once the workload agent dialled in, the container's stdin
 * flows to the main process through an attach session, and the agent's hang-up (it exits with the main
 * process) calls `onHangUp`, so the backend asks the cloud for the exit at once instead of on its next idle
 * poll. Without a session within `waitMs`, stdin is drained (nothing can reach the workload).
 */
export function pipeStdinThroughAgent(p: {
  agents: AgentServer;
  containerId: string;
  /** The container's stdin; null without `-i` (only the hang-up is watched then). */
  stdin: Readable | null;
  waitMs: number;
  /** The agent dialled in: from now on its hang-up will call `onHangUp`. */
  onSession?(): void;
  onHangUp(): void;
  logger: Logger;
}): void {
  p.agents.session(p.containerId, p.waitMs).then(async (session) => {
    p.onSession?.();
    void session.closed.then(() => p.onHangUp());
    if (!p.stdin) return;
    const attached = await session.attach({ stdin: true });
    if (attached.stdin) p.stdin.pipe(attached.stdin);
    // Only stdin is taken from the attach; the output is the cloud log's.
    attached.stdout.resume();
    attached.stderr?.resume();
  }).catch((err: Error) => {
    p.logger.debug('no workload agent session for the container', { id: p.containerId, err: err.message });
    p.stdin?.resume();
  });
}
