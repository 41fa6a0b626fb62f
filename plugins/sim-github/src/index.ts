import { coreServices, coreSimulatorExtensionPoint, definePlugin, z } from '@sockerless/sdk';
import { createGitHubSimulator } from './simulator';

export { createGitHubSimulator, type GitHubSimulator, type GitHubSimOptions } from './simulator';
export { STAND_IN_RUNNER_COMMAND, STAND_IN_RUNNER_SCRIPT } from './stand-in-runner';
export { signature256 } from './webhooks';
export { cli } from './cli';

const optionsSchema = z.strictObject({
  /** Where state (jobs, runners, the app's key) is kept; the plugin's own state dir by default. */
  stateDir: z.string().min(1).optional(),
  /** Seconds an installation token lives; GitHub's is 3600. */
  tokenTtlSeconds: z.number().int().min(1).default(3600),
  /** Where `workflow_job` webhooks go until changed at runtime. */
  hook: z.strictObject({ url: z.string().url(), secret: z.string().min(1) }).optional(),
});

/**
 * The GitHub simulator: the Actions REST calls a runner coordinator makes, signed `workflow_job` webhooks and
 * a stand-in runner protocol, on one listener the core opens (`simulators.github.listen`). It runs no
 * workload itself: runners are containers the coordinator starts, which report to it.
 */
export default definePlugin({
  id: 'sim-github',
  sdk: '^1.0.0',
  options: optionsSchema,
  register(reg) {
    reg.registerInit({
      deps: { simulators: coreSimulatorExtensionPoint, paths: coreServices.paths, logger: coreServices.logger },
      init({ simulators, paths, logger }, options) {
        simulators.register(createGitHubSimulator(logger, { tokenTtlSeconds: options.tokenTtlSeconds, hook: options.hook, stateDir: options.stateDir ?? paths.stateDir }));
      },
    });
  },
});
