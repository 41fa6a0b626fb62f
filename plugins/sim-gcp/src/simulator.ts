import { join } from 'node:path';
import type { ImageStoreService, Logger, SandboxRuntime, Simulator } from '@sockerless/sdk';
import type { SimContext, SimOptions } from './context';
import { FunctionsService } from './functions/api';
import { loggingRoutes } from './logging/api';
import { LogStore } from './logging/store';
import { operationRoutes } from './operations-api';
import { Operations, typed, typeUrl } from './operations';
import { FilePersistence } from '@sockerless/sdk';
import { runRoutes } from './run/api';
import { knativeV1Routes } from './run/knative-v1';
import { EXECUTION_TYPE, ExecutionLifecycle } from './run/lifecycle';
import { RunState } from './run/state';
import { SandboxRunner } from './runner';
import { GcpServer } from './server';

export interface GcpSimulatorDeps {
  sandbox: SandboxRuntime;
  images: ImageStoreService;
  logger: Logger;
}

export interface GcpSimulator extends Simulator {
  /** Writes pending state now. */
  flush(): Promise<void>;
}

/**
 * The Google Cloud simulator: Cloud Run Admin v2, Cloud Functions v2 and Cloud Logging v2 on one port,
 * workloads in the local sandbox, state in JSON files under `options.stateDir/state`. State is loaded at
 * `start`, so a restarted simulator continues (executions that were running are recorded as failed).
 */
export function createGcpSimulator(deps: GcpSimulatorDeps, options: SimOptions): GcpSimulator {
  const persist = new FilePersistence(join(options.stateDir, 'state'), deps.logger);
  const runner = new SandboxRunner({ sandbox: deps.sandbox, images: deps.images, stateDir: options.stateDir, logger: deps.logger });
  let running: { server: GcpServer; lifecycle: ExecutionLifecycle; ops: Operations; functions: FunctionsService } | undefined;

  return {
    name: 'gcp',
    async start({ host, port }) {
      if (running) throw new Error('the GCP simulator is already started');
      const logs = new LogStore(persist);
      const context: SimContext = { options, logger: deps.logger, runner, persist, logs };
      const ops = new Operations(persist);
      const state = new RunState(persist);
      const lifecycle = new ExecutionLifecycle(context, state, ops);
      ops.settleOrphans((op) => {
        const name = op.metadata?.['@type'] === typeUrl(EXECUTION_TYPE) ? op.metadata.name : undefined;
        const execution = typeof name === 'string' ? state.executions.get(name) : undefined;
        return execution ? typed(EXECUTION_TYPE, execution) : undefined;
      });
      let endpoint = '';
      const functions = new FunctionsService(context, persist, ops, () => endpoint);
      const server = new GcpServer([...runRoutes(state, lifecycle, ops, (ref) => runner.hasImage(ref)), ...knativeV1Routes(state), ...operationRoutes(ops), ...functions.routes(), ...loggingRoutes(logs)], options, deps.logger);
      endpoint = await server.listen(host, port);
      running = { server, lifecycle, ops, functions };
      return { endpoint };
    },
    async stop() {
      const r = running;
      running = undefined;
      if (!r) return;
      await r.server.close();
      // What ran is recorded as it was, as if the simulator had died now; its workloads end with it.
      await persist.freeze();
      r.ops.close();
      await Promise.all([r.lifecycle.close(), r.functions.close()]);
      await runner.close();
    },
    flush: () => persist.flush(),
  };
}
