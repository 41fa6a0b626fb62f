import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@sockerless/sdk/testing';
import { createGitlabSimulator, type GitlabSimulator, type SubmittedJob } from '../src';
import { DEFAULT_ADMIN_TOKEN, DEFAULT_REGISTRATION_TOKEN } from '../src/defaults';

export interface TestGitlab {
  endpoint: string;
  simulator: GitlabSimulator;
  /** A call with the admin PRIVATE-TOKEN; JSON in and out. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }>;
  /** A call as a runner does it (JSON body, optional headers). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  project(files?: Record<string, string>): Promise<{ id: number; path_with_namespace: string; sha: string }>;
  submit(job: Omit<SubmittedJob, 'project_id'> & { project_id?: number }): Promise<{ id: number }>;
  runnerToken(tags: string[]): Promise<string>;
  close(): Promise<void>;
}

let projects = 0;

/** A GitLab simulator in this process, on 127.0.0.1 and an ephemeral port, with its state in a temp dir. */
export async function startGitlab(opts: { longPollMs?: number } = {}): Promise<TestGitlab> {
  const dir = mkdtempSync(join(tmpdir(), 'sockerless-sim-gitlab-'));
  const simulator = createGitlabSimulator({ logger: silentLogger }, {
    stateDir: dir, registrationToken: DEFAULT_REGISTRATION_TOKEN, adminToken: DEFAULT_ADMIN_TOKEN, longPollMs: opts.longPollMs ?? 1000, traceUpdateIntervalSeconds: 1,
  });
  const { endpoint } = await simulator.start({ host: '127.0.0.1', port: 0 });
  let defaultProject: number | undefined;
  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => fetch(`${endpoint}${path}`, {
    method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await api(method, path, body, { 'PRIVATE-TOKEN': DEFAULT_ADMIN_TOKEN });
    const text = await res.text();
    let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions read it freely
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, json, text };
  };
  const t: TestGitlab = {
    endpoint, simulator, admin, api,
    async project(files = { 'README.md': 'hello\n' }) {
      const r = await admin('POST', '/api/v4/sockerless/projects', { path: `group/project-${++projects}`, files });
      if (r.status !== 201) throw new Error(`project: ${r.status} ${r.text}`);
      return r.json;
    },
    async submit(job) {
      defaultProject ??= (await t.project()).id;
      const r = await admin('POST', '/api/v4/sockerless/jobs', { project_id: defaultProject, ...job });
      if (r.status !== 201) throw new Error(`submit: ${r.status} ${r.text}`);
      return r.json;
    },
    async runnerToken(tags) {
      const r = await admin('POST', '/api/v4/user/runners', { tag_list: tags, run_untagged: tags.length === 0 });
      return r.json.token;
    },
    async close() {
      await simulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}
