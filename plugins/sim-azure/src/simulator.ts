import { join } from 'node:path';
import { agentSandboxMounts } from '@sockerless/agent';
import { FilePersistence, persistentSimulator, SandboxRunner, type PersistentSimulator, type SimulatorServices } from '@sockerless/sdk';
import { environmentRoutes } from './apps/environments';
import { JobsService } from './apps/jobs';
import { ExecutionLifecycle } from './apps/lifecycle';
import { groupRoutes } from './arm/groups';
import { Operations } from './arm/operations';
import { ArmState } from './arm/state';
import type { SimContext, SimOptions } from './context';
import { tokenRoutes } from './identity/token';
import { queryRoutes } from './logs/query';
import { LogStore } from './logs/store';
import { AzureServer } from './server';
import { ensureCertificate } from './tls';
import { SitesService } from './web/sites';

export type AzureSimulatorDeps = SimulatorServices;

export interface AzureSimulator extends PersistentSimulator {
  /** The PEM file clients trust (`tlsOptions.ca`, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE); made at first start. */
  readonly caFile: string;
}

/**
 * The Azure simulator: ARM (resource groups, Container Apps environments and jobs, Function Apps, Log
 * Analytics workspaces), Log Analytics' query API and Entra ID's token endpoint on one HTTPS port, workloads in
 * the local sandbox, state in JSON files and the TLS pair under `options.stateDir`. A restarted simulator
 * continues (executions that were running are recorded as failed).
 */
export function createAzureSimulator(deps: AzureSimulatorDeps, options: SimOptions): AzureSimulator {
  const tlsDir = join(options.stateDir, 'tls');
  const persist = new FilePersistence(join(options.stateDir, 'state'), deps.logger);
  // Failures worded plainly (`Image '...' not found`), as Container Apps logs them.
  const runner = new SandboxRunner({ name: 'sim-azure', sandbox: deps.sandbox, images: deps.images, stateDir: options.stateDir, logger: deps.logger, agentMounts: agentSandboxMounts });
  const simulator = persistentSimulator({
    name: 'azure',
    label: 'Azure',
    persist,
    runner,
    async listen({ host, port }) {
      const tls = ensureCertificate(tlsDir);
      const context: SimContext = { options, logger: deps.logger, runner, persist };
      const state = new ArmState(persist);
      const logs = new LogStore(persist);
      const ops = new Operations();
      const lifecycle = new ExecutionLifecycle(context, state, logs);
      const jobs = new JobsService(state, ops, lifecycle, runner);
      const sites = new SitesService(context, state, ops, logs);
      const onGroupDelete = async (ids: string[]) => {
        // The group's resources are already forgotten; what its jobs' executions run is stopped with them.
        await Promise.all(ids.map((id) => lifecycle.stop(id)));
      };
      const routes = [...groupRoutes(state, onGroupDelete), ...ops.routes(), ...environmentRoutes(state, ops), ...jobs.routes(), ...sites.routes(), ...queryRoutes(state, logs), ...tokenRoutes()];
      const server = new AzureServer(routes, tls, options, deps.logger);
      const endpoint = await server.listen(host, port);
      return {
        endpoint,
        caFile: tls.caFile,
        closeListener: () => server.close(),
        endWorkloads: async () => { await Promise.all([lifecycle.close(), sites.close()]); },
      };
    },
  });
  return { ...simulator, caFile: join(tlsDir, 'ca.pem') };
}
