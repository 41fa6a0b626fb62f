/**
 * The GitLab simulator's records and the job payload `POST /api/v4/jobs/request` answers with. Field names are
 * GitLab's own (lib/api/entities/ci/job_request/*.rb), so a runner written against GitLab reads them unchanged.
 */

export type JobStatus = 'pending' | 'running' | 'success' | 'failed' | 'canceled';
export const FINISHED: ReadonlySet<JobStatus> = new Set(['success', 'failed', 'canceled']);

export interface RunnerRecord {
  id: number;
  /** The runner authentication token (`glrt-...`) the runner sends as `token`. */
  token: string;
  description: string;
  tags: string[];
  /** Whether it takes jobs that have no tags. */
  runUntagged: boolean;
  contactedAt?: string;
}

export interface ProjectRecord {
  id: number;
  /** `group/name`: the repository is served at `/<path>.git`. */
  path: string;
  defaultBranch: string;
  /** The commit the default branch points at when the project was made. */
  sha: string;
}

export interface ServiceSpec {
  name: string;
  alias?: string;
  entrypoint?: string[];
  command?: string[];
}

export interface ArtifactSpec {
  name?: string;
  paths: string[];
  when?: 'on_success' | 'on_failure' | 'always';
  expire_in?: string;
}

/** What a job is made of: the keys of one job in .gitlab-ci.yml, as the admin route takes them. */
export interface JobSpec {
  name: string;
  stage: string;
  tags: string[];
  image?: string;
  services: ServiceSpec[];
  variables: Record<string, string | { value: string; file?: boolean; masked?: boolean }>;
  before_script: string[];
  script: string[];
  after_script: string[];
  /** Seconds; GitLab's project default is one hour. */
  timeout: number;
  artifacts?: ArtifactSpec;
  /** Earlier jobs whose artifacts this one gets (GitLab's `dependencies:`/`needs:` within a pipeline). */
  dependencies?: number[];
}

export interface JobRecord {
  id: number;
  /** The job token (CI_JOB_TOKEN): the runner authenticates trace, update and artifact calls with it. */
  token: string;
  projectId: number;
  ref: string;
  sha: string;
  spec: JobSpec;
  status: JobStatus;
  failureReason?: string;
  exitCode?: number;
  runnerId?: number;
  /** How many times `jobs/request` handed it out (1 for a job that ran once). */
  pickups: number;
  /** How many runner `PUT`s moved it to a finished state (1 for a job that completed once). */
  completions: number;
  traceBytes: number;
  artifacts: Array<{ file_type: string; filename: string; size: number; file_format: string }>;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** Whether `runner` may take `job`: every tag of the job is one of the runner's, and untagged jobs only when allowed. */
export function runnerMatches(runner: RunnerRecord, job: JobRecord): boolean {
  if (job.spec.tags.length === 0) return runner.runUntagged;
  return job.spec.tags.every((t) => runner.tags.includes(t));
}

interface Variable { key: string; value: string; public: boolean; masked: boolean; file?: boolean; raw?: boolean }

/** The predefined variables GitLab gives every job (a subset: the ones a runner and most scripts read), then the job's own. */
function jobVariables(job: JobRecord, project: ProjectRecord, endpoint: string): Variable[] {
  const pub = (key: string, value: string): Variable => ({ key, value, public: true, masked: false });
  return [
    pub('CI', 'true'), pub('GITLAB_CI', 'true'),
    pub('CI_SERVER_URL', endpoint), pub('CI_API_V4_URL', `${endpoint}/api/v4`),
    pub('CI_JOB_ID', String(job.id)), pub('CI_JOB_NAME', job.spec.name), pub('CI_JOB_STAGE', job.spec.stage),
    { key: 'CI_JOB_TOKEN', value: job.token, public: false, masked: true },
    pub('CI_PROJECT_ID', String(project.id)), pub('CI_PROJECT_PATH', project.path),
    pub('CI_PROJECT_NAME', project.path.split('/').pop()!),
    pub('CI_COMMIT_SHA', job.sha), pub('CI_COMMIT_REF_NAME', job.ref), pub('CI_COMMIT_BRANCH', job.ref),
    pub('CI_REPOSITORY_URL', repoUrl(job, project, endpoint)),
    ...Object.entries(job.spec.variables).map(([key, v]) => (typeof v === 'string'
      ? { key, value: v, public: false, masked: false }
      : { key, value: v.value, public: false, masked: v.masked ?? false, ...(v.file ? { file: true } : {}) })),
  ];
}

function repoUrl(job: JobRecord, project: ProjectRecord, endpoint: string): string {
  const url = new URL(`${endpoint}/${project.path}.git`);
  url.username = 'gitlab-ci-token';
  url.password = job.token;
  return url.toString();
}

/** Everything GitLab asks a runner to report as a failure reason (Ci::Build failure_reasons the runner may send). */
const FAILURE_REASONS = ['unknown_failure', 'script_failure', 'api_failure', 'stuck_or_timeout_failure', 'runner_system_failure', 'runner_unsupported', 'job_execution_timeout', 'image_pull_failure'];

/** The 201 body of `POST /api/v4/jobs/request` for `job`. */
export function jobPayload(job: JobRecord, project: ProjectRecord, endpoint: string, now: Date, jobById: (id: number) => JobRecord | undefined): Record<string, unknown> {
  const { spec } = job;
  const steps: Array<Record<string, unknown>> = [
    // GitLab joins before_script and script into the one `script` step (Gitlab::Ci::Build::Step.from_commands).
    { name: 'script', script: [...spec.before_script, ...spec.script], timeout: spec.timeout, when: 'on_success', allow_failure: false },
  ];
  if (spec.after_script.length) steps.push({ name: 'after_script', script: spec.after_script, timeout: spec.timeout, when: 'always', allow_failure: true });
  return {
    id: job.id,
    token: job.token,
    allow_git_fetch: true,
    job_info: {
      id: job.id, name: spec.name, stage: spec.stage, project_id: project.id, project_name: project.path.split('/').pop(),
      time_in_queue_seconds: Math.max(0, Math.round((now.getTime() - Date.parse(job.createdAt)) / 1000)),
    },
    git_info: {
      repo_url: repoUrl(job, project, endpoint), ref: job.ref, sha: job.sha, before_sha: '0'.repeat(40), ref_type: 'branch',
      refspecs: [`+refs/heads/${job.ref}:refs/remotes/origin/${job.ref}`], depth: 20, repo_object_format: 'sha1',
    },
    runner_info: { timeout: spec.timeout, runner_session_url: null },
    variables: jobVariables(job, project, endpoint),
    steps,
    image: spec.image ? { name: spec.image, entrypoint: null, ports: [] } : null,
    services: spec.services.map((s) => ({ name: s.name, alias: s.alias ?? null, entrypoint: s.entrypoint ?? null, command: s.command ?? null, ports: [] })),
    artifacts: spec.artifacts ? [{
      name: spec.artifacts.name ?? 'artifacts', untracked: false, paths: spec.artifacts.paths, exclude: [], when: spec.artifacts.when ?? 'on_success',
      artifact_type: 'archive', artifact_format: 'zip', expire_in: spec.artifacts.expire_in ?? null,
    }] : null,
    cache: [],
    credentials: [],
    // Each with the current job's token, with which the runner downloads the dependency's archive.
    dependencies: (spec.dependencies ?? []).map(jobById).filter((d): d is JobRecord => !!d).map((d) => {
      const archive = d.artifacts.find((a) => a.file_type === 'archive');
      return { id: d.id, name: d.spec.name, token: job.token, ...(archive ? { artifacts_file: { filename: archive.filename, size: archive.size } } : {}) };
    }),
    features: { trace_sections: true, failure_reasons: FAILURE_REASONS },
  };
}

/** A job as `GET /api/v4/projects/:id/jobs/:job_id` shows it, plus what only the simulator knows (`sockerless`). */
export function jobView(job: JobRecord, runner: RunnerRecord | undefined): Record<string, unknown> {
  const started = job.startedAt ? Date.parse(job.startedAt) : undefined;
  const finished = job.finishedAt ? Date.parse(job.finishedAt) : undefined;
  return {
    id: job.id, name: job.spec.name, stage: job.spec.stage, status: job.status, ref: job.ref, tag_list: job.spec.tags,
    failure_reason: job.failureReason ?? null, created_at: job.createdAt, started_at: job.startedAt ?? null,
    finished_at: job.finishedAt ?? null, duration: started !== undefined && finished !== undefined ? (finished - started) / 1000 : null,
    commit: { id: job.sha }, project: { id: job.projectId },
    runner: runner ? { id: runner.id, description: runner.description, tag_list: runner.tags } : null,
    artifacts: job.artifacts,
    sockerless: { exit_code: job.exitCode ?? null, pickups: job.pickups, completions: job.completions, trace_bytes: job.traceBytes },
  };
}
