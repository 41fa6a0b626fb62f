import { join } from 'node:path';
import { FilePersistence, persistentSimulator, type Logger, type PersistentSimulator } from '@sockerless/sdk';
import { adminRoutes } from './admin-api';
import { AppAuth } from './auth';
import { restRoutes } from './rest-api';
import { runnerRoutes } from './runner-api';
import { GitHubServer } from './server';
import { SimState } from './state';
import { WebhookSender } from './webhooks';

export interface GitHubSimOptions {
  stateDir: string;
  /** How long an installation token lives (GitHub: one hour). */
  tokenTtlSeconds: number;
  /** Where `workflow_job` webhooks go from the start (the admin route or `PATCH /app/hook/config` change it). */
  hook?: { url: string; secret: string };
}

export type GitHubSimulator = PersistentSimulator;

/**
 * The GitHub simulator: one listener for the REST API the coordinator calls, the stand-in runners and the
 * admin routes; signed `workflow_job` deliveries on every job change; state in `stateDir/state/github.json`.
 */
export function createGitHubSimulator(logger: Logger, options: GitHubSimOptions): GitHubSimulator {
  const persist = new FilePersistence(join(options.stateDir, 'state'), logger);
  return persistentSimulator({
    name: 'github',
    label: 'GitHub',
    persist,
    async listen({ host, port }) {
      const auth = new AppAuth(options.stateDir, options.tokenTtlSeconds);
      const state = new SimState(persist);
      if (options.hook && !state.hook) state.hook = options.hook;
      let endpoint = '';
      const base = () => endpoint;
      const hooks = new WebhookSender(state, auth.credentials.installationId, base, logger);
      state.onChange(({ action, job }) => hooks.send(action, job));
      const server = new GitHubServer([...restRoutes(state, auth, hooks, base, base), ...runnerRoutes(state), ...adminRoutes(state, auth, hooks, base)], logger);
      endpoint = await server.listen(host, port);
      return { endpoint, closeListener: async () => { state.close(); await server.close(); } };
    },
  });
}
