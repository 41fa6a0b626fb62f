import { coreServices, coreSimulatorExtensionPoint, definePlugin, z } from '@sockerless/sdk';
import { DEFAULT_ADMIN_TOKEN, DEFAULT_REGISTRATION_TOKEN } from './defaults';
import { createGitlabSimulator } from './simulator';

export { createGitlabSimulator, type GitlabSimulator, type GitlabSimOptions } from './simulator';
export type { SubmittedJob } from './admin-api';
export type { JobRecord, JobSpec, JobStatus } from './model';
export { cli } from './cli';

export { DEFAULT_ADMIN_TOKEN, DEFAULT_REGISTRATION_TOKEN } from './defaults';

const optionsSchema = z.strictObject({
  registrationToken: z.string().min(1).default(DEFAULT_REGISTRATION_TOKEN),
  adminToken: z.string().min(1).default(DEFAULT_ADMIN_TOKEN),
  /** ms `jobs/request` holds a runner when no job waits (GitLab Workhorse: 50 s). */
  longPollMs: z.number().int().min(0).default(50_000),
  traceUpdateIntervalSeconds: z.number().int().min(1).default(3),
  /** Where state is kept; the plugin's own state dir by default. */
  stateDir: z.string().min(1).optional(),
});

/**
 * The GitLab simulator: the runner API and projects' git repositories on one listener the core opens
 * (`simulators.gitlab.listen`). It runs nothing itself: a runner (plugins/ci-gitlab) takes its jobs.
 */
export default definePlugin({
  id: 'sim-gitlab',
  sdk: '^1.0.0',
  options: optionsSchema,
  register(reg) {
    reg.registerInit({
      deps: { simulators: coreSimulatorExtensionPoint, paths: coreServices.paths, logger: coreServices.logger },
      init({ simulators, paths, logger }, options) {
        const { stateDir, ...rest } = options;
        simulators.register(createGitlabSimulator({ logger }, { ...rest, stateDir: stateDir ?? paths.stateDir }));
      },
    });
  },
});
