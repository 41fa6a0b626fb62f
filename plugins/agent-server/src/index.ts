import { WorkloadAgentServer } from '@sockerless/agent';
import { coreServices, definePlugin, type AgentServer, type SockerlessConfig } from '@sockerless/sdk';

/**
 * The workload agents' server (`@sockerless/agent`), provided as `coreServices.agents` to the cloud backends
 * that run the agent in front of a workload's command. Nothing listens until a backend asks for a grant or a
 * session, so a daemon without cloud backends opens no extra port. Its secret and remembered port live in
 * the home, so the agent of a workload that outlived the daemon is taken back by the next one. The config's
 * top-level `agent` section sets `listen` and `advertise`. The daemon adds this plugin to every config
 * (core/src/config/implied-plugins.ts).
 */
export default definePlugin({
  id: 'agent-server',
  sdk: '^1.0.0',
  register(reg) {
    let server: WorkloadAgentServer | undefined;
    reg.provideService(coreServices.agents, (): AgentServer => {
      if (!server) throw new Error('the agent server is available once the agent-server plugin has initialised');
      return server;
    });
    reg.registerInit({
      deps: { config: coreServices.config, paths: coreServices.paths, logger: coreServices.logger, lifecycle: coreServices.lifecycle },
      async init({ config, paths, logger, lifecycle }) {
        const agent = config.section('agent') as SockerlessConfig['agent'];
        server = new WorkloadAgentServer({ home: paths.home, logger, listen: agent?.listen, advertise: agent?.advertise });
        lifecycle.onShutdown(() => server!.close());
      },
    });
  },
});
