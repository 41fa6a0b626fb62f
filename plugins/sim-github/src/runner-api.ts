import { GitHubError } from './errors';
import { route, type Route } from './server';
import type { SimState } from './state';

/** The longest a stand-in runner's poll is held. */
const MAX_WAIT_MS = 60_000;

/**
 * The stand-in runner's side (not GitHub's broker protocol, which only the official runner speaks): a long
 * poll for the job GitHub hands the runner (`job ID` on the first line, then the script; 204 when none came),
 * and the report of its end (`X-Exit-Code`, the output as the body).
 */
export function runnerRoutes(state: SimState): Route[] {
  const auth = (id: string, header: string | undefined) => state.runnerBySecret(Number(id), /^RemoteAuth\s+(\S+)$/.exec(header ?? '')?.[1]);
  return [
    route('GET', '/_runner/(\\d+)/job', async (c) => {
      const runner = auth(c.params[0], c.req.headers.authorization);
      const wait = Math.min(MAX_WAIT_MS, Math.max(0, Number(c.query.get('wait') ?? 20_000) || 0));
      let gone = false;
      c.res.once('close', () => { gone = true; });
      const job = await state.nextJob(runner, wait);
      if (!state.runners.has(runner.id)) throw new GitHubError(401, 'runner deleted');
      if (!job) { c.res.writeHead(204); c.res.end(); return undefined; }
      // A runner that hung up before the job was handed over would leave it in_progress forever; GitHub
      // would time it out, here the closed poll is rare enough (the runner's own process died) to log only.
      const text = `job ${job.id}\n${job.script}\n`;
      if (gone) return undefined;
      c.res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      c.res.end(text);
      return undefined;
    }),
    route('POST', '/_runner/(\\d+)/jobs/(\\d+)/complete', (c) => {
      const runner = auth(c.params[0], c.req.headers.authorization);
      const code = Number(c.req.headers['x-exit-code'] ?? NaN);
      if (!Number.isInteger(code)) throw new GitHubError(400, 'X-Exit-Code must be an integer');
      const job = state.report(runner, Number(c.params[1]), code, c.raw.toString('utf8'));
      return { body: { id: job.id, conclusion: job.conclusion } };
    }),
  ];
}
