import { WorkloadAgentServer } from '@sockerless/agent';
import type { Logger, SockerlessConfig } from '@sockerless/sdk';

/**
 * The daemon's workload agent server, provided to plugins as `coreServices.agents`. Nothing listens until a
 * backend asks for a grant or a session, so a daemon without cloud backends opens no extra port.
 */
export function createAgentService(opts: { home: string; logger: Logger; config: SockerlessConfig['agent'] }): WorkloadAgentServer {
  return new WorkloadAgentServer({
    home: opts.home,
    logger: opts.logger.child({ component: 'agents' }),
    listen: opts.config?.listen,
    advertise: opts.config?.advertise,
  });
}
