/** The simulated GitHub's objects, shaped as the REST API answers them (`toRestJob`, `toRestRunner`). */

export type JobStatus = 'queued' | 'in_progress' | 'completed';
export type Conclusion = 'success' | 'failure' | 'cancelled' | null;

export interface SimJob {
  id: number;
  runId: number;
  /** `owner/name`. */
  repo: string;
  name: string;
  /** `runs-on`, as the workflow wrote it. */
  labels: string[];
  /** The job's steps as one shell script the stand-in runner runs with `sh -e`. */
  script: string;
  status: JobStatus;
  conclusion: Conclusion;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  runnerId?: number;
  runnerName?: string;
  /** How many times a runner was handed this job: 1 for every completed job, or the simulator is wrong. */
  assignments: number;
  exitCode?: number;
  log?: string;
}

export interface SimRunner {
  id: number;
  name: string;
  /** `owner/name` for a repository runner, `org:NAME` for an organisation's. */
  scope: string;
  labels: string[];
  runnerGroupId: number;
  /** The stand-in runner's credential, inside its JIT config. */
  secret: string;
  status: 'online' | 'offline';
  jobId?: number;
  createdAt: string;
}

export interface SimDelivery {
  id: number;
  guid: string;
  event: string;
  action: string;
  jobId: number;
  deliveredAt: string;
  /** The HTTP status the receiver answered, 0 when it could not be reached. */
  statusCode: number;
  payload: string;
  /** Whether this was a redelivery. */
  redelivery: boolean;
}

export const SIM_REPO_ID_BASE = 1000;

export function repoShape(fullName: string, installationId: number) {
  const [owner, name] = fullName.split('/');
  const id = SIM_REPO_ID_BASE + [...fullName].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 100_000, 7);
  return {
    id, node_id: `R_${id}`, name, full_name: fullName, private: true,
    owner: { login: owner, id: 1, type: 'Organization' },
    html_url: `https://github.com/${fullName}`,
    installationId,
  };
}

export function toRestJob(j: SimJob, base: string) {
  return {
    id: j.id,
    run_id: j.runId,
    run_url: `${base}/repos/${j.repo}/actions/runs/${j.runId}`,
    node_id: `CR_${j.id}`,
    head_sha: '0'.repeat(40),
    url: `${base}/repos/${j.repo}/actions/jobs/${j.id}`,
    html_url: `https://github.com/${j.repo}/actions/runs/${j.runId}/job/${j.id}`,
    status: j.status,
    conclusion: j.conclusion,
    created_at: j.createdAt,
    started_at: j.startedAt ?? j.createdAt,
    completed_at: j.completedAt ?? null,
    name: j.name,
    steps: [],
    check_run_url: `${base}/repos/${j.repo}/check-runs/${j.id}`,
    labels: j.labels,
    runner_id: j.runnerId ?? null,
    runner_name: j.runnerName ?? null,
    runner_group_id: j.runnerId ? 1 : null,
    runner_group_name: j.runnerId ? 'Default' : null,
    workflow_name: 'sim',
    head_branch: 'main',
  };
}

export function toRestRun(j: SimJob, base: string) {
  return {
    id: j.runId,
    name: 'sim',
    node_id: `WFR_${j.runId}`,
    head_branch: 'main',
    head_sha: '0'.repeat(40),
    run_number: j.runId,
    event: 'push',
    status: j.status,
    conclusion: j.conclusion,
    workflow_id: 1,
    url: `${base}/repos/${j.repo}/actions/runs/${j.runId}`,
    jobs_url: `${base}/repos/${j.repo}/actions/runs/${j.runId}/jobs`,
    created_at: j.createdAt,
    updated_at: j.completedAt ?? j.startedAt ?? j.createdAt,
  };
}

export function toRestRunner(r: SimRunner) {
  return {
    id: r.id,
    name: r.name,
    os: 'Linux',
    status: r.status,
    busy: r.jobId !== undefined,
    ephemeral: true,
    runner_group_id: r.runnerGroupId,
    labels: r.labels.map((name, i) => ({ id: i + 1, name, type: 'custom' })),
  };
}

/** GitHub's rule: a job goes to a runner that has every one of its `runs-on` labels (case-insensitive). */
export function labelsMatch(jobLabels: string[], runnerLabels: string[]): boolean {
  const have = new Set(runnerLabels.map((l) => l.toLowerCase()));
  return jobLabels.every((l) => have.has(l.toLowerCase()));
}
