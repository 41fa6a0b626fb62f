import type { AppAuth } from './auth';
import { GitHubError } from './errors';
import { toRestJob, type SimJob } from './model';
import { route, type Route } from './server';
import { STAND_IN_RUNNER_SCRIPT } from './stand-in-runner';
import type { SimState } from './state';
import type { WebhookSender } from './webhooks';

/** A job as the admin routes show it: GitHub's shape plus what only the simulator knows. */
export function adminJob(j: SimJob, base: string) {
  return { ...toRestJob(j, base), repo: j.repo, assignments: j.assignments, exit_code: j.exitCode ?? null, log: j.log ?? null };
}

/**
 * What a person (or a test) does on github.com, under `/_sim/`: read the app's credentials, point the app's
 * webhook at a URL, push a workflow that queues a job with `runs-on` labels, cancel it, look at jobs and
 * deliveries, redeliver one. Unauthenticated: the simulator listens on loopback.
 */
export function adminRoutes(state: SimState, auth: AppAuth, hooks: WebhookSender, base: () => string): Route[] {
  return [
    route('GET', '/_sim/app', () => ({ body: { ...auth.credentials, endpoint: base(), tokensIssued: auth.tokensIssued() } })),
    route('PUT', '/_sim/hook', (c) => {
      const b = c.json();
      if (typeof b.url !== 'string' || typeof b.secret !== 'string') throw new GitHubError(422, 'url and secret are required');
      state.hook = { url: b.url, secret: b.secret };
      state.changed();
      return { status: 204 };
    }),
    route('POST', '/_sim/jobs', (c) => {
      const b = c.json();
      const labels = Array.isArray(b.labels) ? b.labels.filter((l): l is string => typeof l === 'string') : [];
      const repo = typeof b.repo === 'string' ? b.repo : 'sim/repo';
      const script = typeof b.script === 'string' ? b.script : 'echo hello from the job';
      const job = state.enqueue(repo, labels, script, typeof b.name === 'string' ? b.name : 'build');
      return { status: 201, body: adminJob(job, base()) };
    }),
    route('GET', '/_sim/jobs', () => ({ body: [...state.jobs.values()].map((j) => adminJob(j, base())) })),
    route('GET', '/_sim/jobs/(\\d+)', (c) => ({ body: adminJob(state.job(Number(c.params[0])), base()) })),
    route('POST', '/_sim/jobs/(\\d+)/cancel', (c) => ({ body: adminJob(state.cancel(Number(c.params[0])), base()) })),
    route('GET', '/_sim/runners', () => ({ body: [...state.runners.values()].map(({ secret: _s, ...r }) => r) })),
    route('GET', '/_sim/deliveries', () => ({ body: state.deliveries.map(({ payload: _p, ...d }) => d) })),
    route('POST', '/_sim/deliveries/(\\d+)/redeliver', (c) => ({ status: 202, body: (({ payload: _p, ...d }) => d)(hooks.redeliver(Number(c.params[0]))) })),
    route('GET', '/_sim/runner.sh', (c) => {
      c.res.writeHead(200, { 'content-type': 'text/x-shellscript' });
      c.res.end(STAND_IN_RUNNER_SCRIPT);
      return undefined;
    }),
  ];
}
