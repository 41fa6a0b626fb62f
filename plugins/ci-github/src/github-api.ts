import type { Octokit } from '@octokit/rest';
import { fixedToken, InstallationTokens, type TokenSource } from './app-auth';

/**
 * `import()` that TypeScript leaves alone: @octokit/rest and @octokit/webhooks are ESM only, and this package
 * compiles to CommonJS, where tsc would turn a plain `import()` into `require()`. Node 20.20 could `require()`
 * them too, but jest's module loader cannot; the daemon (and the e2e tests, which run it as a process) use this.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
export const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

export interface QueuedJob {
  id: number;
  repo: string;
  labels: string[];
  status: string;
  runnerName: string | null;
}

export type RunnerScope = { repository: string } | { organization: string };

export interface JitRunner {
  runnerId: number;
  encodedJitConfig: string;
}

/** GitHub's answer as Octokit throws it: `status` is the HTTP status. */
export function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}

/** The REST calls the coordinator makes, through @octokit/rest, each with a current token. */
export class GitHubApi {
  private constructor(private readonly octokit: Octokit, private readonly scope: RunnerScope) {}

  static async create(opts: { baseUrl: string; scope: RunnerScope; auth: { token: string } | { appId: string | number; installationId: number; privateKey: string } }): Promise<GitHubApi> {
    const { Octokit: OctokitClass } = await importEsm<typeof import('@octokit/rest')>('@octokit/rest');
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const octokit = new OctokitClass({ baseUrl: opts.baseUrl, userAgent: 'sockerless-ci-github', log: quiet });
    let tokens: TokenSource;
    if ('token' in opts.auth) {
      tokens = fixedToken(opts.auth.token);
    } else {
      const app = opts.auth;
      const buyer = new OctokitClass({ baseUrl: opts.baseUrl, userAgent: 'sockerless-ci-github', log: quiet });
      tokens = new InstallationTokens(app.appId, app.installationId, app.privateKey, async (jwt, installationId) => {
        const res = await buyer.request('POST /app/installations/{installation_id}/access_tokens', { installation_id: installationId, headers: { authorization: `Bearer ${jwt}` } });
        return res.data;
      });
    }
    octokit.hook.before('request', async (options) => {
      if (String(options.url).includes('/access_tokens')) return;
      options.headers.authorization = `token ${await tokens.token()}`;
    });
    return new GitHubApi(octokit, opts.scope);
  }

  /** The queued jobs of a repository: its queued workflow runs, then each run's queued jobs. */
  async queuedJobs(repo: string): Promise<QueuedJob[]> {
    const [owner, name] = repo.split('/');
    const runs = await this.octokit.paginate(this.octokit.rest.actions.listWorkflowRunsForRepo, { owner, repo: name, status: 'queued', per_page: 100 });
    const out: QueuedJob[] = [];
    for (const run of runs) {
      const jobs = await this.octokit.paginate(this.octokit.rest.actions.listJobsForWorkflowRun, { owner, repo: name, run_id: run.id, per_page: 100 });
      for (const j of jobs) if (j.status === 'queued') out.push({ id: j.id, repo, labels: j.labels, status: j.status, runnerName: j.runner_name ?? null });
    }
    return out;
  }

  async job(repo: string, id: number): Promise<QueuedJob> {
    const [owner, name] = repo.split('/');
    const { data: j } = await this.octokit.rest.actions.getJobForWorkflowRun({ owner, repo: name, job_id: id });
    return { id: j.id, repo, labels: j.labels, status: j.status, runnerName: j.runner_name ?? null };
  }

  async generateJitConfig(name: string, labels: string[], runnerGroupId: number): Promise<JitRunner> {
    const body = { name, labels, runner_group_id: runnerGroupId, work_folder: '_work' };
    const { data } = 'repository' in this.scope
      ? await this.octokit.rest.actions.generateRunnerJitconfigForRepo({ ...this.repoOf(this.scope.repository), ...body })
      : await this.octokit.rest.actions.generateRunnerJitconfigForOrg({ org: this.scope.organization, ...body });
    return { runnerId: data.runner.id, encodedJitConfig: data.encoded_jit_config };
  }

  async runners(): Promise<Array<{ id: number; name: string; busy: boolean }>> {
    const list = 'repository' in this.scope
      ? await this.octokit.paginate(this.octokit.rest.actions.listSelfHostedRunnersForRepo, { ...this.repoOf(this.scope.repository), per_page: 100 })
      : await this.octokit.paginate(this.octokit.rest.actions.listSelfHostedRunnersForOrg, { org: this.scope.organization, per_page: 100 });
    return list.map((r) => ({ id: r.id, name: r.name, busy: r.busy }));
  }

  /** Unregisters a runner. 404 (already gone: an ephemeral runner after its job) counts as done; 422 (busy) throws. */
  async deleteRunner(runnerId: number): Promise<void> {
    try {
      if ('repository' in this.scope) await this.octokit.rest.actions.deleteSelfHostedRunnerFromRepo({ ...this.repoOf(this.scope.repository), runner_id: runnerId });
      else await this.octokit.rest.actions.deleteSelfHostedRunnerFromOrg({ org: this.scope.organization, runner_id: runnerId });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  private repoOf(full: string): { owner: string; repo: string } {
    const [owner, repo] = full.split('/');
    return { owner, repo };
  }
}
