import { z } from '@sockerless/sdk';

const runnerGroup = z.strictObject({
  /** The runner's labels: a queued job goes to the first group that has every one of its `runs-on` labels. */
  labels: z.array(z.string().min(1)).min(1),
  /** The runner image (the official one is `ghcr.io/actions/actions-runner`). */
  image: z.string().min(1),
  /** The container's command; the image's own when absent (the stand-in runner in tests is a busybox script). */
  command: z.array(z.string()).min(1).optional(),
  /** More environment for the runner; `ACTIONS_RUNNER_INPUT_JITCONFIG` is set by the coordinator. */
  env: z.record(z.string(), z.string()).default({}),
  /** The pool its containers go to (`com.sockerless.pool`). */
  pool: z.string().min(1),
  /** Runners of this group at once (registering, waiting or busy). */
  maxRunners: z.number().int().min(1).default(10),
  /** GitHub's runner group the runners register in (1 is `Default`). */
  runnerGroupId: z.number().int().min(1).default(1),
  /** `HostConfig.NetworkMode` of the runner container (`host` to reach a simulator on the host's loopback). */
  networkMode: z.string().min(1).optional(),
});

export type RunnerGroup = z.infer<typeof runnerGroup>;

export const optionsSchema = z.strictObject({
  /** The REST API's root: `https://api.github.com`, `https://HOST/api/v3` (GHES) or the simulator's endpoint. */
  baseUrl: z.string().url().default('https://api.github.com'),
  auth: z.union([
    z.strictObject({
      /** GitHub App: a JWT signed with its private key buys installation tokens, refreshed before they expire. */
      appId: z.union([z.number().int(), z.string().min(1)]),
      installationId: z.number().int(),
      privateKey: z.string().min(1).optional(),
      /** A PEM file, relative to the config file. */
      privateKeyFile: z.string().min(1).optional(),
    }).refine((a) => !!a.privateKey !== !!a.privateKeyFile, { message: 'give exactly one of privateKey and privateKeyFile' }),
    /** A token with the `administration` permission (classic: `repo` or `admin:org`). */
    z.strictObject({ token: z.string().min(1) }),
  ]),
  /** Where runners register: one repository (`OWNER/NAME`) or an organisation. */
  runners: z.union([z.strictObject({ repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/) }), z.strictObject({ organization: z.string().min(1) })]),
  /** `workflow_job` deliveries: the app's (or repository hook's) secret; the route is under /internal/. */
  webhook: z.strictObject({
    secret: z.string().min(1),
    path: z.string().regex(/^\/internal\//).default('/internal/ci/github/webhook'),
  }).optional(),
  /** Polling queued runs and jobs, for when webhooks cannot reach the daemon (and at start, for what was missed). */
  poll: z.strictObject({
    repositories: z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/)).min(1),
    /** 0 polls only at start. */
    intervalMs: z.number().int().min(0).default(15_000),
  }).optional(),
  /** A runner that has not picked up a job by then is removed (deleted on GitHub, its container removed). */
  pickupTimeoutMs: z.number().int().min(100).default(300_000),
  runnerGroups: z.record(z.string().regex(/^[a-zA-Z0-9_.-]+$/), runnerGroup).refine((g) => Object.keys(g).length > 0, { message: 'configure at least one runner group' }),
}).refine((o) => o.webhook || o.poll, { message: 'configure webhook, poll, or both: otherwise no job ever arrives' });

export type CiGitHubOptions = z.infer<typeof optionsSchema>;
