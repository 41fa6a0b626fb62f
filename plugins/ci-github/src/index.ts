import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { coreCiCoordinatorExtensionPoint, coreHttpRoutesExtensionPoint, coreServices, definePlugin, poolsServiceRef } from '@sockerless/sdk';
import { GitHubCoordinator } from './coordinator';
import { GitHubApi } from './github-api';
import { optionsSchema } from './options';
import { Ledger } from './records';
import { webhookRoute } from './webhook';

export { appJwt, InstallationTokens } from './app-auth';
export type { CiGitHubOptions, RunnerGroup } from './options';
export { cli } from './cli';

/**
 * GitHub Actions jobs become ephemeral runner containers: a queued `workflow_job` (webhook or poll) whose
 * labels match a runner group gets a just-in-time runner (`generate-jitconfig`) in a container of the group's
 * pool; the container goes when the job completes, when it is cancelled before pickup, or when it never
 * picks up. State is in the store (contracts/ci.ts), so a restart neither loses nor duplicates a runner.
 */
export default definePlugin({
  id: 'ci-github',
  sdk: '^1.0.0',
  options: optionsSchema,
  register(reg) {
    reg.registerInit({
      deps: {
        coordinators: coreCiCoordinatorExtensionPoint,
        routes: coreHttpRoutesExtensionPoint,
        containers: coreServices.containers,
        events: coreServices.events,
        records: coreServices.records,
        pools: poolsServiceRef,
        paths: coreServices.paths,
        lifecycle: coreServices.lifecycle,
        logger: coreServices.logger,
      },
      init({ coordinators, routes, containers, events, records, pools, paths, lifecycle, logger }, options) {
        const auth = 'token' in options.auth
          ? { token: options.auth.token }
          : {
            appId: options.auth.appId,
            installationId: options.auth.installationId,
            privateKey: options.auth.privateKey ?? readFileSync(resolve(paths.configDir, options.auth.privateKeyFile!), 'utf8'),
          };
        const scope = options.runners;
        const coordinator = new GitHubCoordinator({
          options, ledger: new Ledger(records), containers, events, pools, logger,
          api: () => GitHubApi.create({ baseUrl: options.baseUrl, scope, auth }),
        });
        coordinators.register(coordinator);
        lifecycle.onReady(() => coordinator.checkPools());
        if (options.webhook) routes.add(webhookRoute(options.webhook.path, options.webhook.secret, coordinator, logger));
        routes.add({ method: 'GET', path: '/internal/ci/github', handler: () => ({ body: coordinator.status() }) });
      },
    });
  },
});
