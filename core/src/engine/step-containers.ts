import { NotImplementedError, type ContainerRunner } from '@sockerless/sdk';
import type { ContainerEngine } from './container-engine';
import type { RunController } from './container-runs';

/**
 * The builder's RUN step containers: the engine's own, with the events dockerd's builder makes. `runs` is asked
 * for late: the builder is created before the run controller.
 */
export function stepContainers(engine: ContainerEngine, runs: () => RunController): ContainerRunner {
  return {
    create: async (config) => (await engine.create(config as Parameters<ContainerEngine['create']>[0], undefined)).Id,
    layerReader: (id) => {
      const c = engine.find(id);
      const driver = engine.backendOf(c).powers.layer;
      if (!driver) throw new NotImplementedError(`docker build is not supported by backend '${c.backend}': it cannot read a container's filesystem layer`);
      return () => driver.layerDiff(id);
    },
    run: async (id, onOutput) => {
      const detach = engine.ioOf(id).addSink({ write: onOutput, end: () => undefined });
      const exited = runs().wait(id, 'next-exit');
      try {
        await runs().start(id);
        return (await exited).StatusCode;
      } finally {
        detach();
      }
    },
    remove: (id) => runs().remove(id, { force: true, removeVolumes: true }),
  };
}
