import { z } from '@sockerless/sdk';

const runnerSchema = z.strictObject({
  /** A name for logs and status; the tags joined by default. */
  name: z.string().min(1).optional(),
  /** A runner authentication token (`glrt-...`, made in GitLab's UI or `POST /user/runners`). */
  token: z.string().min(1).optional(),
  /**
   * The legacy registration token instead: the runner registers once with `tags` (`POST /api/v4/runners`) and
   * keeps the token it gets in the store, so a restart does not register a second runner.
   */
  registrationToken: z.string().min(1).optional(),
  /** The runner's tags: GitLab gives it the jobs whose tags are all among them. */
  tags: z.array(z.string().min(1)).default([]),
  /** Whether it takes untagged jobs (registration only; a token's runner was configured in GitLab). */
  runUntagged: z.boolean().optional(),
  /** The pool its containers go to (`com.sockerless.pool`); the daemon's default routing when absent. */
  pool: z.string().min(1).optional(),
  /** Jobs of this runner at once (GitLab Runner's `limit`). */
  concurrency: z.number().int().min(1).default(1),
  /** The build image of a job that names none (GitLab Runner's `[runners.docker] image`). */
  defaultImage: z.string().min(1),
}).refine((r) => !!r.token !== !!r.registrationToken, { message: 'give exactly one of token and registrationToken' });

export type RunnerConfig = z.infer<typeof runnerSchema>;

export const optionsSchema = z.strictObject({
  /** The GitLab instance: `https://gitlab.com`, or the simulator's endpoint. */
  url: z.string().url(),
  /**
   * The Docker API the runner drives, as GitLab Runner's docker executor does (`host` in its config.toml):
   * this daemon's own socket by default (`unix://$SOCKERLESS_HOME/docker.sock`); relative to the config file.
   */
  dockerHost: z.string().regex(/^unix:\/\/.+/).optional(),
  /** Where sources are checked out inside the build container (`$CI_BUILDS_DIR`). */
  buildsDir: z.string().regex(/^\/.*/).default('/builds'),
  /** How often the trace is sent (GitLab Runner: 3 s, or what `X-GitLab-Trace-Update-Interval` says if sooner). */
  traceIntervalMs: z.number().int().min(50).default(3000),
  /**
   * The least time between two `jobs/request` of one loop when no job came (GitLab Runner's `check_interval`,
   * 3 s): a GitLab without Workhorse's long polling answers 204 at once, and this keeps the loop from spinning.
   */
  checkIntervalMs: z.number().int().min(0).default(3000),
  runners: z.array(runnerSchema).min(1),
});

export type CiGitLabOptions = z.infer<typeof optionsSchema>;
