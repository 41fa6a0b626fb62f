import { resolve } from 'node:path';
import Docker from 'dockerode';
import { coreCiCoordinatorExtensionPoint, coreHttpRoutesExtensionPoint, coreServices, definePlugin } from '@sockerless/sdk';
import { GitLabCoordinator } from './coordinator';
import { GitLabApi } from './gitlab-api';
import { optionsSchema } from './options';

export type { CiGitLabOptions, RunnerConfig } from './options';
export { serviceAliases } from './executor';
export { zipStore } from './artifacts';
export { cli } from './cli';

/**
 * GitLab CI jobs run as containers: a runner built into the daemon takes jobs from GitLab (`jobs/request`
 * with its tags) and runs each as GitLab Runner's docker executor does, through this daemon's Docker API, in
 * the pool its tag set maps to. State is in the store (contracts/ci.ts), so a restart neither loses nor
 * duplicates a job.
 */
export default definePlugin({
  id: 'ci-gitlab',
  sdk: '^1.0.0',
  options: optionsSchema,
  register(reg) {
    reg.registerInit({
      deps: {
        coordinators: coreCiCoordinatorExtensionPoint,
        routes: coreHttpRoutesExtensionPoint,
        records: coreServices.records,
        paths: coreServices.paths,
        logger: coreServices.logger,
      },
      init({ coordinators, routes, records, paths, logger }, options) {
        const socketPath = options.dockerHost ? resolve(paths.configDir, options.dockerHost.slice('unix://'.length)) : resolve(paths.home, 'docker.sock');
        const coordinator = new GitLabCoordinator({ options, api: new GitLabApi(options.url), docker: new Docker({ socketPath }), records, logger });
        coordinators.register(coordinator);
        routes.add({ method: 'GET', path: '/internal/ci/gitlab', handler: () => ({ body: coordinator.status() }) });
      },
    });
  },
});
