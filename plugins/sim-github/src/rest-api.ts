import type { AppAuth } from './auth';
import { GitHubError } from './errors';
import { toRestJob, toRestRun, toRestRunner } from './model';
import { route, type Call, type Route } from './server';
import type { SimState } from './state';
import type { WebhookSender } from './webhooks';

const REPO = '/repos/([^/]+/[^/]+)';
const ORG = '/orgs/([^/]+)';

/** Page `per_page`/`page` as GitHub does (30 by default, 100 at most). */
function page<T>(call: Call, items: T[]): T[] {
  const per = Math.min(100, Math.max(1, Number(call.query.get('per_page') ?? 30) || 30));
  const n = Math.max(1, Number(call.query.get('page') ?? 1) || 1);
  return items.slice((n - 1) * per, n * per);
}

/**
 * The REST calls a runner coordinator makes, on GitHub's paths and shapes: the app's JWT endpoints, queued
 * workflow runs and their jobs, `generate-jitconfig` for repository and organisation runners, runners list and
 * delete. Every repository belongs to the one installation; nothing else of GitHub is served.
 */
export function restRoutes(state: SimState, auth: AppAuth, hooks: WebhookSender, base: () => string, simEndpoint: () => string): Route[] {
  const app = (handler: (call: Call) => { status?: number; body?: unknown }) => (call: Call) => { auth.checkJwt(call.req.headers.authorization); return handler(call); };
  const user = (handler: (call: Call) => { status?: number; body?: unknown }) => (call: Call) => { auth.checkToken(call.req.headers.authorization); return handler(call); };
  const installation = { id: auth.credentials.installationId, account: { login: 'sim', id: 1, type: 'Organization' }, app_id: auth.credentials.appId, target_type: 'Organization' };
  const jitConfig = (scope: string, call: Call) => {
    const body = call.json();
    const name = typeof body.name === 'string' ? body.name : '';
    const labels = Array.isArray(body.labels) ? body.labels.filter((l): l is string => typeof l === 'string') : [];
    if (!name) throw new GitHubError(422, 'Invalid request.\n\n"name" wasn\'t supplied.');
    if (labels.length === 0) throw new GitHubError(422, 'Invalid request.\n\n"labels" wasn\'t supplied.');
    const runner = state.registerRunner(scope, name, labels, Number(body.runner_group_id ?? 1));
    // The stand-in runner reads these fields (docs/ci.md); the official runner's JIT config is a map of files.
    const encoded = Buffer.from(JSON.stringify({ url: simEndpoint(), runnerId: runner.id, name: runner.name, secret: runner.secret })).toString('base64');
    return { status: 201, body: { runner: toRestRunner(runner), encoded_jit_config: encoded } };
  };
  const runnersOf = (scope: string) => (call: Call) => {
    const all = state.runnersOf(scope).map(toRestRunner);
    return { body: { total_count: all.length, runners: page(call, all) } };
  };
  const deleteRunner = (scope: string, id: string) => { state.deleteRunner(scope, Number(id)); return { status: 204 }; };
  const repoJobs = (repo: string) => [...state.jobs.values()].filter((j) => j.repo === repo);

  return [
    route('GET', '/app', app(() => ({ body: { id: auth.credentials.appId, slug: 'sockerless-sim', name: 'Sockerless simulator' } }))),
    route('GET', '/app/installations', app(() => ({ body: [installation] }))),
    route('POST', '/app/installations/(\\d+)/access_tokens', app((c) => ({
      status: 201, body: { ...auth.issueInstallationToken(Number(c.params[0])), permissions: { administration: 'write', actions: 'read' }, repository_selection: 'all' },
    }))),
    route('PATCH', '/app/hook/config', app((c) => {
      const b = c.json();
      if (typeof b.url !== 'string' || typeof b.secret !== 'string') throw new GitHubError(422, 'url and secret are required');
      state.hook = { url: b.url, secret: b.secret };
      state.changed();
      return { body: { url: b.url, content_type: 'json', insecure_ssl: '0' } };
    })),
    route('GET', '/app/hook/deliveries', app((c) => ({
      body: page(c, [...state.deliveries].reverse()).map((d) => ({
        id: d.id, guid: d.guid, delivered_at: d.deliveredAt, redelivery: d.redelivery, status_code: d.statusCode,
        status: d.statusCode >= 200 && d.statusCode < 300 ? 'OK' : 'failed', event: d.event, action: d.action, installation_id: auth.credentials.installationId,
      })),
    }))),
    route('POST', '/app/hook/deliveries/(\\d+)/attempts', app((c) => { hooks.redeliver(Number(c.params[0])); return { status: 202, body: {} }; })),

    route('GET', `${REPO}/actions/runs`, user((c) => {
      const status = c.query.get('status');
      const runs = repoJobs(c.params[0]).filter((j) => !status || j.status === status).map((j) => toRestRun(j, base()));
      return { body: { total_count: runs.length, workflow_runs: page(c, runs) } };
    })),
    route('GET', `${REPO}/actions/runs/(\\d+)/jobs`, user((c) => {
      const jobs = repoJobs(c.params[0]).filter((j) => j.runId === Number(c.params[1])).map((j) => toRestJob(j, base()));
      return { body: { total_count: jobs.length, jobs: page(c, jobs) } };
    })),
    route('POST', `${REPO}/actions/runs/(\\d+)/cancel`, user((c) => {
      const job = repoJobs(c.params[0]).find((j) => j.runId === Number(c.params[1]));
      if (!job) throw new GitHubError(404, 'Not Found');
      state.cancel(job.id);
      return { status: 202, body: {} };
    })),
    route('GET', `${REPO}/actions/jobs/(\\d+)`, user((c) => {
      const job = state.job(Number(c.params[1]));
      if (job.repo !== c.params[0]) throw new GitHubError(404, 'Not Found');
      return { body: toRestJob(job, base()) };
    })),
    route('POST', `${REPO}/actions/runners/generate-jitconfig`, user((c) => jitConfig(c.params[0], c))),
    route('POST', `${ORG}/actions/runners/generate-jitconfig`, user((c) => jitConfig(`org:${c.params[0]}`, c))),
    route('GET', `${REPO}/actions/runners`, user((c) => runnersOf(c.params[0])(c))),
    route('GET', `${ORG}/actions/runners`, user((c) => runnersOf(`org:${c.params[0]}`)(c))),
    route('DELETE', `${REPO}/actions/runners/(\\d+)`, user((c) => deleteRunner(c.params[0], c.params[1]))),
    route('DELETE', `${ORG}/actions/runners/(\\d+)`, user((c) => deleteRunner(`org:${c.params[0]}`, c.params[1]))),
  ];
}
