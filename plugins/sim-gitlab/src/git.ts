import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { GitlabError, route, type Call, type Route } from './http';
import type { GitlabState } from './state';

const run = promisify(execFile);
/** Debian's git package puts the smart-HTTP CGI here. */
export const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

const GIT_IDENTITY = ['-c', 'user.name=Sockerless Simulator', '-c', 'user.email=sim@sockerless.invalid', '-c', 'commit.gpgsign=false'];

/** Makes `<reposDir>/<path>.git`, a bare repository whose `branch` holds `files` in one commit; resolves with its sha. */
export async function createRepository(reposDir: string, path: string, branch: string, files: Record<string, string>): Promise<string> {
  const bare = join(reposDir, `${path}.git`);
  const work = mkdtempSync(join(reposDir, '.work-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      const file = normalize(join(work, name));
      if (!file.startsWith(`${work}/`)) throw new GitlabError(400, `400 Bad request - file path ${name} leaves the repository`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    await run('git', ['init', '-q', '-b', branch, work]);
    await run('git', ['-C', work, 'add', '-A']);
    await run('git', ['-C', work, ...GIT_IDENTITY, 'commit', '-q', '--allow-empty', '-m', 'Initial commit']);
    mkdirSync(dirname(bare), { recursive: true });
    await run('git', ['init', '-q', '--bare', '-b', branch, bare]);
    await run('git', ['-C', work, 'push', '-q', bare, `${branch}:${branch}`]);
    return (await run('git', ['-C', bare, 'rev-parse', branch])).stdout.trim();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `/<project>.git/...` served by git http-backend as CGI, read-only (upload-pack), as GitLab serves a clone:
 * HTTP basic auth with user `gitlab-ci-token` and the token of a running job of that project (what
 * `git_info.repo_url` carries), else 401 with a Basic challenge.
 */
export function gitRoutes(state: GitlabState, reposDir: string): Route[] {
  return [route('*', '/(.+?)\\.git(/.*)', (call) => serveGit(call, state, reposDir))];
}

function authorized(call: Call, state: GitlabState, projectId: number): boolean {
  const m = /^Basic (.+)$/i.exec(call.req.headers.authorization ?? '');
  if (!m) return false;
  const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
  const password = rest.join(':');
  if (user !== 'gitlab-ci-token') return false;
  for (const job of state.jobs.values()) if (job.projectId === projectId && job.status === 'running' && job.token === password) return true;
  return false;
}

async function serveGit(call: Call, state: GitlabState, reposDir: string): Promise<undefined> {
  const [path, rest] = call.params;
  const project = state.projectByPath(path);
  if (!project) throw new GitlabError(404, '404 Not Found');
  const service = call.query.get('service') ?? rest.replace(/^\//, '');
  if (service.includes('receive-pack')) throw new GitlabError(403, '403 Forbidden - the simulator serves clones only');
  if (!authorized(call, state, project.id)) {
    throw new GitlabError(401, 'HTTP Basic: Access denied', { 'WWW-Authenticate': 'Basic realm="GitLab"' });
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, GIT_PROJECT_ROOT: reposDir, GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${path}.git${rest}`, REQUEST_METHOD: call.req.method ?? 'GET', QUERY_STRING: call.query.toString(),
    CONTENT_TYPE: call.req.headers['content-type'] ?? '', CONTENT_LENGTH: String(call.raw.length), REMOTE_USER: 'gitlab-ci-token', REMOTE_ADDR: '127.0.0.1',
  };
  if (call.req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(call.req.headers['content-encoding']);
  if (call.req.headers['git-protocol']) env.GIT_PROTOCOL = String(call.req.headers['git-protocol']);
  const out = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn(GIT_HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('close', () => resolve(Buffer.concat(chunks)));
    child.stdin.on('error', () => { /* the CGI may exit before reading all of a bad request */ });
    child.stdin.end(call.raw);
  });
  // A CGI answer: header lines (`Status:` among them), a blank line, the body.
  const split = out.indexOf('\r\n\r\n') >= 0 ? out.indexOf('\r\n\r\n') : out.indexOf('\n\n');
  const sep = out.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
  if (split < 0) throw new Error('git http-backend answered without headers');
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of out.subarray(0, split).toString('utf8').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  const body = out.subarray(split + sep);
  call.res.writeHead(status, { ...headers, 'content-length': body.length });
  call.res.end(body);
  return undefined;
}
