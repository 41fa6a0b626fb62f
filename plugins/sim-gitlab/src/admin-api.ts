import { join } from 'node:path';
import { z } from '@sockerless/sdk';
import { createRepository } from './git';
import { GitlabError, ParamError, route, type Call, type Route } from './http';
import { jobView, type JobRecord } from './model';
import { artifactReply, tagList } from './runner-api';
import type { GitlabState } from './state';

const jobSpecSchema = z.strictObject({
  project_id: z.number().int().positive(),
  ref: z.string().min(1).optional(),
  name: z.string().min(1).default('job'),
  stage: z.string().min(1).default('test'),
  tags: z.array(z.string().min(1)).default([]),
  image: z.string().min(1).optional(),
  services: z.array(z.union([z.string().min(1).transform((name) => ({ name })), z.strictObject({
    name: z.string().min(1), alias: z.string().min(1).optional(), entrypoint: z.array(z.string()).optional(), command: z.array(z.string()).optional(),
  })])).default([]),
  /** A value, or GitLab's variable options: `file` (the runner writes it to a file and sets the path), `masked`. */
  variables: z.record(z.string(), z.union([z.string(), z.strictObject({ value: z.string(), file: z.boolean().optional(), masked: z.boolean().optional() })])).default({}),
  before_script: z.array(z.string()).default([]),
  script: z.array(z.string()).min(1),
  after_script: z.array(z.string()).default([]),
  timeout: z.number().int().positive().default(3600),
  dependencies: z.array(z.number().int().positive()).optional(),
  artifacts: z.strictObject({
    name: z.string().optional(), paths: z.array(z.string().min(1)).min(1), when: z.enum(['on_success', 'on_failure', 'always']).optional(), expire_in: z.string().optional(),
  }).optional(),
});

export type SubmittedJob = z.input<typeof jobSpecSchema>;

const projectSchema = z.strictObject({
  path: z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/),
  default_branch: z.string().regex(/^[A-Za-z0-9_.\/-]+$/).default('main'),
  files: z.record(z.string(), z.string()).default({}),
});

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) throw new ParamError(r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

/**
 * What a person does in GitLab's UI or REST API, for tests and the CLI: create a runner (its authentication
 * token), a project with files, submit a job (which GitLab makes from .gitlab-ci.yml; here the job's keys are
 * given directly), read a job, its trace and artifacts, cancel it. PRIVATE-TOKEN must be the admin token.
 */
export function adminRoutes(state: GitlabState, opts: { adminToken: string; stateDir: string }): Route[] {
  const admin = (call: Call) => {
    if (call.req.headers['private-token'] !== opts.adminToken) throw new GitlabError(401, '401 Unauthorized');
  };
  const jobOf = (call: Call): JobRecord => {
    admin(call);
    const job = state.jobs.get(Number(call.params[1]));
    if (!job || job.projectId !== Number(call.params[0])) throw new GitlabError(404, '404 Job Not Found');
    return job;
  };
  const view = (job: JobRecord) => jobView(job, job.runnerId === undefined ? undefined : state.runners.get(job.runnerId));
  const JOB = '/api/v4/projects/(\\d+)/jobs/(\\d+)';
  return [
    route('POST', '/api/v4/user/runners', (call) => {
      admin(call);
      const body = call.body();
      const tags = tagList(body.tag_list);
      const runner = state.addRunner(String(body.description ?? ''), tags, body.run_untagged === undefined ? tags.length === 0 : body.run_untagged === true || body.run_untagged === 'true');
      return { status: 201, body: { id: runner.id, token: runner.token, token_expires_at: null } };
    }),
    route('POST', '/api/v4/sockerless/projects', async (call) => {
      admin(call);
      const p = parse(projectSchema, call.body());
      if (state.projectByPath(p.path)) throw new GitlabError(400, '400 Bad request - has already been taken');
      const sha = await createRepository(join(opts.stateDir, 'repos'), p.path, p.default_branch, p.files);
      const project = state.addProject(p.path, p.default_branch, sha);
      return { status: 201, body: { id: project.id, path_with_namespace: project.path, default_branch: project.defaultBranch, sha } };
    }),
    route('POST', '/api/v4/sockerless/jobs', (call) => {
      admin(call);
      const { project_id, ref, ...spec } = parse(jobSpecSchema, call.body());
      const project = state.projects.get(project_id);
      if (!project) throw new GitlabError(404, '404 Project Not Found');
      if (ref && ref !== project.defaultBranch) throw new ParamError(`ref: the simulator's projects have one branch, ${project.defaultBranch}`);
      const job = state.addJob(project, spec, project.defaultBranch, project.sha);
      return { status: 201, body: view(job) };
    }),
    route('GET', '/api/v4/projects/(\\d+)/jobs', (call) => {
      admin(call);
      return { status: 200, body: [...state.jobs.values()].filter((j) => j.projectId === Number(call.params[0])).reverse().map(view) };
    }),
    route('GET', JOB, (call) => ({ status: 200, body: view(jobOf(call)) })),
    route('GET', `${JOB}/trace`, (call) => ({ status: 200, raw: state.trace(jobOf(call).id), headers: { 'content-type': 'text/plain' } })),
    route('GET', `${JOB}/artifacts`, (call) => artifactReply(opts.stateDir, jobOf(call))),
    route('POST', `${JOB}/cancel`, (call) => {
      const job = jobOf(call);
      // Ci::Build#cancel: only a pending or running job can be; the runner learns it from its next trace PATCH
      // or job PUT (403 with Job-Status: canceled).
      if (!state.isFinished(job)) state.finish(job, 'canceled');
      return { status: 201, body: view(job) };
    }),
  ];
}
