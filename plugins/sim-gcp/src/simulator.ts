import { join } from 'node:path';
import { agentSandboxMounts } from '@sockerless/agent';
import { FilePersistence, persistentSimulator, SandboxRunner, type PersistentSimulator, type SimulatorServices } from '@sockerless/sdk';
import type { SimContext, SimOptions } from './context';
import { FunctionsService } from './functions/api';
import { loggingRoutes } from './logging/api';
import { LogStore } from './logging/store';
import { operationRoutes } from './operations-api';
import { Operations, typed, typeUrl } from './operations';
import { runRoutes } from './run/api';
import { knativeV1Routes } from './run/knative-v1';
import { EXECUTION_TYPE, ExecutionLifecycle } from './run/lifecycle';
import { RunState } from './run/state';
import { GcpServer } from './server';

export type GcpSimulatorDeps = SimulatorServices;
export type GcpSimulator = PersistentSimulator;

/**
 * The Google Cloud simulator: Cloud Run Admin v2, Cloud Functions v2 and Cloud Logging v2 on one port,
 * workloads in the local sandbox, state in JSON files under `options.stateDir/state`. State is loaded at
 * `start`, so a restarted simulator continues (executions that were running are recorded as failed).
 */
export function createGcpSimulator(deps: GcpSimulatorDeps, options: SimOptions): GcpSimulator {
  const persist = new FilePersistence(join(options.stateDir, 'state'), deps.logger);
  // Failures worded plainly (`Image '...' not found`), as Cloud Run logs them.
  const runner = new SandboxRunner({ name: 'sim-gcp', sandbox: deps.sandbox, images: deps.images, stateDir: options.stateDir, logger: deps.logger, agentMounts: agentSandboxMounts });
  return persistentSimulator({
    name: 'gcp',
    label: 'GCP',
    persist,
    runner,
    async listen({ host, port }) {
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
      return {
        endpoint,
        closeListener: () => server.close(),
        async endWorkloads() {
          ops.close();
          await Promise.all([lifecycle.close(), functions.close()]);
        },
      };
    },
  });
}
