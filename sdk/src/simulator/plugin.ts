import type { SandboxRuntime } from '../contracts/sandbox';
import { sandboxRuntimeServiceRef } from '../contracts/sandbox';
import type { Simulator } from '../contracts/simulator';
import { coreSimulatorExtensionPoint } from '../extension-points';
import { definePlugin, type SockerlessPlugin, type StandardSchema } from '../plugin';
import { coreServices, type ImageStoreService, type Logger } from '../services';

/** What a simulator plugin is given to build its simulator: the sandbox its workloads run in, the images, a logger. */
export interface SimulatorServices {
  sandbox: SandboxRuntime;
  images: ImageStoreService;
  logger: Logger;
}

/**
 * A cloud simulator as a plugin: it registers the simulator `create` makes on the simulator extension point
 * (the core opens its listener, `simulators.<name>.listen`), with the sandbox runtime of backend-local and the
 * core's image store. Every simulator's options take `stateDir`, its plugin state dir by default.
 */
export function defineSimulatorPlugin<O extends { stateDir?: string }>(spec: {
  id: string;
  options: StandardSchema<O>;
  create(services: SimulatorServices, options: Omit<O, 'stateDir'> & { stateDir: string }): Simulator;
}): SockerlessPlugin<O> {
  return definePlugin({
    id: spec.id,
    sdk: '^1.0.0',
    options: spec.options,
    register(reg) {
      reg.registerInit({
        deps: {
          simulators: coreSimulatorExtensionPoint,
          sandbox: sandboxRuntimeServiceRef,
          images: coreServices.images,
          paths: coreServices.paths,
          logger: coreServices.logger,
        },
        init({ simulators, sandbox, images, paths, logger }, options) {
          const { stateDir, ...rest } = options;
          simulators.register(spec.create({ sandbox, images, logger }, { ...rest, stateDir: stateDir ?? paths.stateDir }));
        },
      });
    },
  });
}
