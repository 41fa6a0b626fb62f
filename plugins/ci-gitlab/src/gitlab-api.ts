/** The part of GitLab's runner API a runner calls (lib/api/ci/runner.rb, lib/api/ci/jobs.rb), with fetch. */

/** A job as `POST /api/v4/jobs/request` gives it; only what the runner reads is typed. */
export interface JobPayload {
  id: number;
  token: string;
  job_info: { name: string; stage: string; project_id: number; project_name?: string };
  git_info: { repo_url: string; ref: string; sha: string; depth?: number; refspecs?: string[] };
  runner_info: { timeout: number };
  variables: Array<{ key: string; value: string; masked?: boolean; file?: boolean }>;
  steps: Array<{ name: string; script: string[]; timeout?: number; when?: string; allow_failure?: boolean }>;
  image: { name: string; entrypoint?: string[] | null } | null;
  services: Array<{ name: string; alias?: string | null; entrypoint?: string[] | null; command?: string[] | null }> | null;
  artifacts: Array<{ name?: string; paths: string[]; when?: string; artifact_type?: string; artifact_format?: string; expire_in?: string | null }> | null;
  /** Earlier jobs whose archive this one gets, each with the token to download it with. */
  dependencies?: Array<{ id: number; name: string; token: string; artifacts_file?: { filename: string; size: number } }>;
}

/** What GitLab said to a trace PATCH or job PUT; `aborted` when the job no longer runs there (canceled, failed). */
export interface JobAnswer {
  status: number;
  jobStatus?: string;
  /** The trace size GitLab has (`Range: 0-N`). */
  remoteSize?: number;
  updateIntervalSeconds?: number;
  aborted: boolean;
}

const INFO = { name: 'sockerless', version: '0.1.0', executor: 'docker', shell: 'sh', features: { trace_reset: false, cancelable: true, upload_multiple_artifacts: true } };

export class GitLabApi {
  constructor(private readonly url: string) {}

  private endpoint(path: string): string {
    return `${this.url.replace(/\/$/, '')}/api/v4${path}`;
  }

  private async json(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    return fetch(this.endpoint(path), { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  }

  /** `POST /runners`: registers with a registration token; resolves with the runner's authentication token. */
  async register(registrationToken: string, description: string, tags: string[], runUntagged: boolean): Promise<string> {
    const res = await this.json('POST', '/runners', { token: registrationToken, description, tag_list: tags.join(','), run_untagged: runUntagged, info: INFO });
    if (res.status !== 201) throw new Error(`GitLab refused the runner registration: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  }

  /** `POST /runners/verify`: whether GitLab knows the token (403 when not). */
  async verify(token: string): Promise<boolean> {
    const res = await this.json('POST', '/runners/verify', { token });
    await res.arrayBuffer();
    if (res.status === 403) return false;
    if (!res.ok) throw new Error(`GitLab answered ${res.status} to runners/verify`);
    return true;
  }

  /** `POST /jobs/request`: a job for this runner, or undefined when the long poll ended without one (204). */
  async requestJob(token: string, signal: AbortSignal): Promise<JobPayload | undefined> {
    const res = await this.json('POST', '/jobs/request', { token, info: INFO }, signal);
    if (res.status === 201) return (await res.json()) as JobPayload;
    await res.arrayBuffer();
    if (res.status === 204) return undefined;
    throw new Error(`GitLab answered ${res.status} to jobs/request`);
  }

  /** `PATCH /jobs/:id/trace` with `Content-Range: start-end` (inclusive): appends `data` at `offset`. */
  async patchTrace(job: JobPayload, offset: number, data: Buffer): Promise<JobAnswer> {
    const res = await fetch(this.endpoint(`/jobs/${job.id}/trace`), {
      method: 'PATCH', body: data,
      headers: { 'JOB-TOKEN': job.token, 'Content-Range': `${offset}-${offset + data.length - 1}`, 'content-type': 'text/plain' },
    });
    await res.arrayBuffer();
    return answer(res);
  }

  /** `PUT /jobs/:id`: `running` as a keep-alive (and to learn whether it was canceled), or the result. */
  async updateJob(job: JobPayload, update: { state: 'running' | 'success' | 'failed'; failure_reason?: string; exit_code?: number }): Promise<JobAnswer> {
    const res = await this.json('PUT', `/jobs/${job.id}`, { token: job.token, ...update });
    await res.arrayBuffer();
    return answer(res);
  }

  /** `GET /jobs/:id/artifacts`: a dependency's archive, with the token GitLab gave for it. */
  async downloadArtifacts(dependencyId: number, token: string): Promise<Buffer> {
    const res = await fetch(this.endpoint(`/jobs/${dependencyId}/artifacts`), { headers: { 'JOB-TOKEN': token } });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`artifacts of job ${dependencyId}: ${res.status} ${body.toString('utf8').slice(0, 200)}`);
    return body;
  }

  /** `POST /jobs/:id/artifacts`: the archive as multipart `file`, as GitLab Runner's artifacts-uploader sends it. */
  async uploadArtifacts(job: JobPayload, zip: Buffer, filename: string, expireIn: string | null | undefined): Promise<void> {
    const form = new FormData();
    form.append('file', new Blob([zip]), filename);
    const query = new URLSearchParams({ artifact_format: 'zip', artifact_type: 'archive', ...(expireIn ? { expire_in: expireIn } : {}) });
    const res = await fetch(this.endpoint(`/jobs/${job.id}/artifacts?${query}`), { method: 'POST', headers: { 'JOB-TOKEN': job.token }, body: form });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`artifacts upload refused: ${res.status} ${text}`);
  }
}

function answer(res: Response): JobAnswer {
  const jobStatus = res.headers.get('job-status') ?? undefined;
  const range = /^0-(\d+)$/.exec(res.headers.get('range') ?? '');
  const interval = Number(res.headers.get('x-gitlab-trace-update-interval'));
  return {
    status: res.status, jobStatus, remoteSize: range ? Number(range[1]) : undefined,
    updateIntervalSeconds: Number.isFinite(interval) && interval > 0 ? interval : undefined,
    // GitLab Runner's rule (network/gitlab.go): 403, or a Job-Status of canceled/failed, means stop the job.
    aborted: res.status === 403 || jobStatus === 'canceled' || jobStatus === 'canceling' || jobStatus === 'failed',
  };
}
