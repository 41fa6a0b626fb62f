import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GitlabError, ParamError, requireString, route, type Call, type Route } from './http';
import { jobPayload, type JobRecord } from './model';
import { parseMultipartFile } from './multipart';
import type { GitlabState } from './state';

export interface RunnerApiOptions {
  /** The instance's registration token (the legacy `gitlab-runner register --registration-token` flow). */
  registrationToken: string;
  /** How long `jobs/request` holds a runner when no job is there (Workhorse's long polling; 50 s on GitLab). */
  longPollMs: number;
  /** The X-GitLab-Trace-Update-Interval a trace PATCH answers with, in seconds (GitLab's default is 3 s). */
  traceUpdateIntervalSeconds: number;
  stateDir: string;
  endpoint(): string;
}

const JOB = '/api/v4/jobs/(\\d+)';

/**
 * The runner API (lib/api/ci/runner.rb and lib/api/ci/jobs.rb's runner part): what GitLab Runner calls to
 * register, take jobs, stream their trace, report their end and upload their artifacts.
 */
export function runnerRoutes(state: GitlabState, opts: RunnerApiOptions): Route[] {
  let lastUpdate = 0;
  const bump = () => { lastUpdate += 1; };

  const runnerFor = (body: Record<string, unknown>) => {
    const runner = state.runnerByToken(requireString(body, 'token'));
    if (!runner) throw new GitlabError(403);
    return runner;
  };

  /**
   * authenticate_job!: the job by id (404), its token from JOB-TOKEN, the `token` param or the query (403), and
   * it must be running (403 with Job-Status: a canceled or finished job tells its runner to stop here).
   */
  const runningJob = (call: Call, token: unknown): JobRecord => {
    const job = state.jobs.get(Number(call.params[0]));
    if (!job) throw new GitlabError(404, '404 Not Found');
    if (typeof token !== 'string' || token !== job.token) throw new GitlabError(403);
    if (job.status !== 'running') throw new GitlabError(403, '403 Forbidden - Job is not processing on runner', { 'Job-Status': job.status });
    return job;
  };

  return [
    route('POST', '/api/v4/runners', (call) => {
      const body = call.body();
      if (requireString(body, 'token') !== opts.registrationToken) throw new GitlabError(403);
      const tags = tagList(body.tag_list);
      const runner = state.addRunner(String(body.description ?? ''), tags, body.run_untagged === undefined ? tags.length === 0 : truthy(body.run_untagged));
      return { status: 201, body: { id: runner.id, token: runner.token, token_expires_at: null } };
    }),
    route('POST', '/api/v4/runners/verify', (call) => {
      const runner = runnerFor(call.body());
      return { status: 200, body: { id: runner.id, token: runner.token, token_expires_at: null } };
    }),
    route('DELETE', '/api/v4/runners', (call) => {
      state.removeRunner(runnerFor(call.body()).id);
      return { status: 204 };
    }),
    route('POST', '/api/v4/jobs/request', async (call) => {
      const runner = runnerFor(call.body());
      runner.contactedAt = new Date().toISOString();
      const deadline = Date.now() + opts.longPollMs;
      for (;;) {
        // A runner that went away while it waited must not be handed a job it will never see.
        if (call.signal.aborted) return undefined;
        const job = state.assign(runner);
        if (job) {
          bump();
          const project = state.projects.get(job.projectId)!;
          return { status: 201, body: jobPayload(job, project, opts.endpoint(), new Date(), (id) => state.jobs.get(id)) };
        }
        const left = deadline - Date.now();
        if (left <= 0 || call.signal.aborted) return { status: 204, headers: { 'X-GitLab-Last-Update': String(lastUpdate) } };
        await state.waitForWork(left, call.signal);
      }
    }),
    route('PUT', JOB, (call) => {
      const body = call.body();
      const job = runningJob(call, body.token);
      const stateName = body.state;
      if (stateName === 'success' || stateName === 'failed') {
        const exitCode = body.exit_code === undefined || body.exit_code === null ? undefined : Number(body.exit_code);
        state.finish(job, stateName, stateName === 'failed' ? String(body.failure_reason ?? 'unknown_failure') : undefined, exitCode);
        job.completions += 1;
        bump();
      } else if (stateName !== undefined && stateName !== 'running') {
        throw new ParamError('state does not have a valid value');
      }
      return { status: 200, body: {}, headers: { 'Job-Status': job.status } };
    }),
    route('PATCH', `${JOB}/trace`, (call) => {
      const job = runningJob(call, call.req.headers['job-token'] ?? call.query.get('token'));
      const range = call.req.headers['content-range'];
      if (typeof range !== 'string') throw new GitlabError(400, '400 Missing header Content-Range');
      const m = /^(\d+)-(\d+)$/.exec(range.trim());
      // GitLab appends only at its current end (Ci::AppendBuildTraceService): any other start is 416 with
      // the size it has in `Range`, from which the runner resumes.
      if (!m || Number(m[1]) !== job.traceBytes) {
        throw new GitlabError(416, '416 Range Not Satisfiable', { Range: `0-${job.traceBytes}` });
      }
      if (call.raw.length !== Number(m[2]) - Number(m[1]) + 1 && call.raw.length > 0) throw new GitlabError(400, '400 Content-Range does not match the body size');
      if (call.raw.length) state.appendTrace(job, call.raw);
      return {
        status: 202,
        headers: { 'Job-Status': job.status, Range: `0-${job.traceBytes}`, 'X-GitLab-Trace-Update-Interval': String(opts.traceUpdateIntervalSeconds) },
      };
    }),
    route('POST', `${JOB}/artifacts`, (call) => {
      const job = runningJob(call, call.req.headers['job-token'] ?? call.query.get('token'));
      const file = parseMultipartFile(call.req.headers['content-type'], call.raw, 'file');
      if (!file) throw new ParamError('file is missing');
      const format = call.query.get('artifact_format') ?? 'zip';
      const type = call.query.get('artifact_type') ?? 'archive';
      const dir = join(opts.stateDir, 'artifacts', String(job.id));
      mkdirSync(dir, { recursive: true });
      const filename = basename(file.filename || `artifacts.${format}`);
      writeFileSync(join(dir, filename), file.data);
      job.artifacts = [...job.artifacts.filter((a) => a.file_type !== type), { file_type: type, filename, size: file.data.length, file_format: format }];
      state.changed();
      return { status: 201, body: {} };
    }),
    route('GET', `${JOB}/artifacts`, (call) => {
      const job = state.jobs.get(Number(call.params[0]));
      const token = call.req.headers['job-token'] ?? call.query.get('token');
      if (!job) throw new GitlabError(404, '404 Not Found');
      // Its own token, or that of a running job of the same project (a later job downloading its dependency's).
      const allowed = token === job.token || [...state.jobs.values()].some((j) => j.token === token && j.status === 'running' && j.projectId === job.projectId);
      if (!allowed) throw new GitlabError(403);
      return artifactReply(opts.stateDir, job);
    }),
  ];
}

/** The archive of a job, or 404 as GitLab answers for a job without one. */
export function artifactReply(stateDir: string, job: JobRecord) {
  const archive = job.artifacts.find((a) => a.file_type === 'archive');
  if (!archive) throw new GitlabError(404, '404 Not Found');
  return { status: 200, raw: readFileSync(join(stateDir, 'artifacts', String(job.id), archive.filename)), headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${archive.filename}"` } };
}

/** `tag_list`: a comma-separated string (the runner's form) or an array. */
export function tagList(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  return items.map((t) => t.trim()).filter(Boolean);
}

function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}
