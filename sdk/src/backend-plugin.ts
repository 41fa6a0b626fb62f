import type { AgentServer } from './contracts/agent';
import type { BackendDriverFactory } from './contracts/backend';
import { coreBackendDriversExtensionPoint } from './extension-points';
import { definePlugin, type SockerlessPlugin } from './plugin';
import { coreServices, type Logger, type SimulatorDirectory } from './services';

/** What a cloud backend's driver factories are given: the workload agent's server and the simulators by name. */
export interface BackendPluginServices {
  agents: AgentServer;
  simulators: SimulatorDirectory;
  logger: Logger;
}

/**
 * A cloud backend as a plugin: it registers the driver factories `drivers` makes (one per driver kind) on the
 * backend-driver extension point, with the agent server and the simulator directory a cloud driver needs. A
 * factory's `create` loads the cloud's clients when an instance is made, never when the plugin is listed.
 */
export function defineBackendPlugin(spec: {
  id: string;
  drivers(services: BackendPluginServices): BackendDriverFactory<any>[];
}): SockerlessPlugin {
  return definePlugin({
    id: spec.id,
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: {
          drivers: coreBackendDriversExtensionPoint,
          agents: coreServices.agents,
          simulators: coreServices.simulators,
          logger: coreServices.logger,
        },
        init({ drivers, agents, simulators, logger }) {
          const kinds = spec.drivers({ agents, simulators, logger }).map((factory) => {
            drivers.register(factory);
            return factory.kind;
          });
          const named = kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1]}` : kinds[0];
          logger.debug(`${named} backend driver${kinds.length > 1 ? 's' : ''} registered`);
        },
      });
    },
  });
}
