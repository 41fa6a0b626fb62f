import { join } from 'node:path';
import type { ImageStoreService, Logger, SandboxRuntime, Simulator } from '@sockerless/sdk';
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
import { FilePersistence } from './persist';
import { SandboxRunner } from './runner';
import { AzureServer } from './server';
import { ensureCertificate } from './tls';
import { SitesService } from './web/sites';

export interface AzureSimulatorDeps {
  sandbox: SandboxRuntime;
  images: ImageStoreService;
  logger: Logger;
}

export interface AzureSimulator extends Simulator {
  /** The PEM file clients trust (`tlsOptions.ca`, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE); made at first start. */
  readonly caFile: string;
  /** Writes pending state now. */
  flush(): Promise<void>;
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
  const runner = new SandboxRunner({ sandbox: deps.sandbox, images: deps.images, stateDir: options.stateDir, logger: deps.logger });
  let running: { server: AzureServer; lifecycle: ExecutionLifecycle; sites: SitesService } | undefined;

  return {
    name: 'azure',
    caFile: join(tlsDir, 'ca.pem'),
    async start({ host, port }) {
      if (running) throw new Error('the Azure simulator is already started');
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
      running = { server, lifecycle, sites };
      return { endpoint, caFile: tls.caFile };
    },
    async stop() {
      const r = running;
      running = undefined;
      if (!r) return;
      await r.server.close();
      // What ran is recorded as it was, as if the simulator had died now; its workloads end with it.
      await persist.freeze();
      await Promise.all([r.lifecycle.close(), r.sites.close()]);
      await runner.close();
    },
    flush: () => persist.flush(),
  };
}
