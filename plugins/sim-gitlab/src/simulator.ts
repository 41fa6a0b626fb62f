import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FilePersistence, persistentSimulator, type Logger, type PersistentSimulator } from '@sockerless/sdk';
import { adminRoutes } from './admin-api';
import { gitRoutes } from './git';
import { GitlabServer } from './http';
import { runnerRoutes } from './runner-api';
import { GitlabState } from './state';

export interface GitlabSimOptions {
  /** Where runners, projects (bare repositories), jobs, traces and artifacts are kept. */
  stateDir: string;
  /** The token `POST /api/v4/runners` registers with (the legacy registration flow). */
  registrationToken: string;
  /** PRIVATE-TOKEN of the admin routes (create a runner, a project, submit, cancel, read jobs). */
  adminToken: string;
  /** How long `jobs/request` holds a runner when there is no job for it. */
  longPollMs: number;
  traceUpdateIntervalSeconds: number;
}

export interface GitlabSimulator extends PersistentSimulator {
  /** The state while it runs (tests read jobs and runners from it directly). */
  readonly state: GitlabState | undefined;
}

/**
 * A GitLab instance as far as a runner sees it: the runner API, the jobs it hands out, their traces and
 * artifacts, and the projects' repositories over smart HTTP (git http-backend). State is loaded at `start`,
 * so a restarted simulator continues where it stopped.
 */
export function createGitlabSimulator(deps: { logger: Logger }, options: GitlabSimOptions): GitlabSimulator {
  mkdirSync(join(options.stateDir, 'repos'), { recursive: true });
  const persist = new FilePersistence(join(options.stateDir, 'state'), deps.logger);
  let current: GitlabState | undefined;
  const simulator = persistentSimulator({
    name: 'gitlab',
    label: 'GitLab',
    persist,
    async listen({ host, port }) {
      const state = new GitlabState(persist, options.stateDir);
      current = state;
      let endpoint = '';
      const server = new GitlabServer([
        ...runnerRoutes(state, { ...options, endpoint: () => endpoint }),
        ...adminRoutes(state, options),
        ...gitRoutes(state, join(options.stateDir, 'repos')),
      ], deps.logger);
      endpoint = await server.listen(host, port);
      return { endpoint, closeListener: async () => { current = undefined; state.close(); await server.close(); } };
    },
  });
  return { ...simulator, get state() { return current; } };
}
