import { join } from 'node:path';
import { sandboxRuntimeServiceRef } from '../contracts/sandbox';
import type { Simulator } from '../contracts/simulator';
import { definePlugin } from '../plugin';
import { coreServices } from '../services';
import type { SimulatorServices } from '../simulator/plugin';
import { startTestHost, type TestHost } from './index';

/** A cloud simulator under test, on a real in-process host, on 127.0.0.1 at an ephemeral port. */
export interface SimulatorHarness<S extends Simulator> {
  host: TestHost;
  endpoint: string;
  port: number;
  /** The simulator's state dir (`<the host's plugin state dir>/<name>`). */
  stateDir: string;
  /** The running simulator (a new one after each restart). */
  readonly simulator: S;
  /** Stops the simulator (as if it died: state as it was, workloads ended) and starts a new one on the same port and state. */
  restart(): Promise<void>;
  /** Stops the simulator, then the host. */
  close(): Promise<void>;
}

/**
 * Starts a host (store-sqlite, backend-local) whose services a simulator plugin would get, lets `prepare`
 * fill it (import the test image), and starts the simulator `create` makes from those services, so the test
 * owns the simulator's start, restart and stop. What sim-aws, sim-gcp and sim-azure's tests build on.
 */
export async function startSimulatorHarness<S extends Simulator>(p: {
  /** The simulator's name: its state dir, and the harness plugin's id. */
  name: string;
  prepare(host: TestHost): Promise<void>;
  create(services: SimulatorServices, stateDir: string): S;
}): Promise<SimulatorHarness<S>> {
  let captured: (SimulatorServices & { stateDir: string }) | undefined;
  const harness = definePlugin({
    id: `sim-${p.name}-test-harness`,
    sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({
        deps: { sandbox: sandboxRuntimeServiceRef, images: coreServices.images, logger: coreServices.logger, paths: coreServices.paths },
        init({ sandbox, images, logger, paths }) { captured = { sandbox, images, logger, stateDir: paths.stateDir }; },
      });
    },
  });
  const host = await startTestHost({ plugins: ['store-sqlite', 'backend-local', harness] });
  try {
    await p.prepare(host);
    const { stateDir: pluginStateDir, ...services } = captured!;
    const stateDir = join(pluginStateDir, p.name);
    let simulator = p.create(services, stateDir);
    const { endpoint } = await simulator.start({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(endpoint).port);
    return {
      host, endpoint, port, stateDir,
      get simulator() { return simulator; },
      async restart() {
        await simulator.stop();
        simulator = p.create(services, stateDir);
        await simulator.start({ host: '127.0.0.1', port });
      },
      async close() {
        await simulator.stop();
        await host.close();
      },
    };
  } catch (err) {
    await host.close();
    throw err;
  }
}
