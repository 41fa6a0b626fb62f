import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CliUsageError, defineCliContribution, type CliIo } from '@sockerless/sdk';
import { DEFAULT_ADMIN_TOKEN, DEFAULT_LISTEN } from './defaults';

const USAGE = `  sockerless gitlab-sim [--url URL] [--token TOKEN] COMMAND
      Drives a GitLab simulator (\`sockerless simulator gitlab\`, or sim-gitlab in a daemon) as a person would
      GitLab: URL defaults to $GITLAB_SIM_URL or http://127.0.0.1:8089, TOKEN (PRIVATE-TOKEN) to
      $GITLAB_SIM_TOKEN or the simulator's default admin token. COMMAND is one of
        runner-token [--tag TAG]... [--untagged]      a runner authentication token (glrt-...)
        project PATH [FILE]...                        a project whose repository holds the FILEs
        submit --project ID --script CMD... [--image IMAGE] [--tag TAG]... [--service IMAGE[=ALIAS]]...
               [--variable KEY=VALUE]... [--before CMD]... [--after CMD]... [--timeout SECONDS]
               [--artifact PATH]...                   queues a job; prints its id
        job PROJECT_ID JOB_ID | trace PROJECT_ID JOB_ID | cancel PROJECT_ID JOB_ID
`;

/** `--name value` pairs (repeatable) and bare words, from argv. */
function flags(argv: string[], known: string[], booleans: string[] = []): { values: Map<string, string[]>; words: string[] } {
  const values = new Map<string, string[]>();
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { words.push(a); continue; }
    const name = a.slice(2);
    if (booleans.includes(name)) { values.set(name, ['true']); continue; }
    if (!known.includes(name)) throw new CliUsageError(`gitlab-sim: unknown flag ${a}`);
    if (i + 1 >= argv.length) throw new CliUsageError(`gitlab-sim: ${a} needs a value`);
    values.set(name, [...(values.get(name) ?? []), argv[++i]]);
  }
  return { values, words };
}

async function call(io: CliIo, url: string, token: string, method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${url}${path}`, {
    method, headers: { 'PRIVATE-TOKEN': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) { io.err(`gitlab-sim: ${res.status} ${text}\n`); return 1; }
  io.out(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  return 0;
}

async function runGitlabSim(argv: string[], io: CliIo): Promise<number> {
  let url = io.env.GITLAB_SIM_URL || `http://${DEFAULT_LISTEN.slice('tcp://'.length)}`;
  let token = io.env.GITLAB_SIM_TOKEN || DEFAULT_ADMIN_TOKEN;
  let rest = argv;
  while (rest[0] === '--url' || rest[0] === '--token') {
    if (rest.length < 2) throw new CliUsageError(`gitlab-sim: ${rest[0]} needs a value`);
    if (rest[0] === '--url') url = rest[1]; else token = rest[1];
    rest = rest.slice(2);
  }
  const [command, ...args] = rest;
  switch (command) {
    case 'runner-token': {
      const { values } = flags(args, ['tag'], ['untagged']);
      return call(io, url, token, 'POST', '/api/v4/user/runners', { runner_type: 'instance_type', tag_list: values.get('tag') ?? [], run_untagged: values.has('untagged') || !values.has('tag') });
    }
    case 'project': {
      const [path, ...files] = args;
      if (!path) throw new CliUsageError('gitlab-sim project: PATH is required');
      return call(io, url, token, 'POST', '/api/v4/sockerless/projects', { path, files: Object.fromEntries(files.map((f) => [basename(f), readFileSync(f, 'utf8')])) });
    }
    case 'submit': {
      const { values } = flags(args, ['project', 'script', 'image', 'tag', 'service', 'variable', 'before', 'after', 'timeout', 'artifact']);
      const one = (n: string) => values.get(n)?.at(-1);
      if (!one('project') || !values.get('script')) throw new CliUsageError('gitlab-sim submit: --project and --script are required');
      const body = {
        project_id: Number(one('project')), script: values.get('script'), image: one('image'), tags: values.get('tag') ?? [],
        services: (values.get('service') ?? []).map((s) => { const [name, alias] = s.split('='); return alias ? { name, alias } : { name }; }),
        variables: Object.fromEntries((values.get('variable') ?? []).map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)])),
        before_script: values.get('before') ?? [], after_script: values.get('after') ?? [],
        ...(one('timeout') ? { timeout: Number(one('timeout')) } : {}),
        ...(values.get('artifact') ? { artifacts: { paths: values.get('artifact') } } : {}),
      };
      return call(io, url, token, 'POST', '/api/v4/sockerless/jobs', body);
    }
    case 'job': case 'trace': case 'cancel': {
      const [projectId, jobId] = args;
      if (!/^\d+$/.test(projectId ?? '') || !/^\d+$/.test(jobId ?? '')) throw new CliUsageError(`gitlab-sim ${command}: PROJECT_ID JOB_ID are required`);
      const base = `/api/v4/projects/${projectId}/jobs/${jobId}`;
      return call(io, url, token, command === 'cancel' ? 'POST' : 'GET', command === 'job' ? base : `${base}/${command}`);
    }
    default:
      throw new CliUsageError(`gitlab-sim: unknown command ${command ?? '(none)'}\n${USAGE}`);
  }
}

/** `sockerless simulator gitlab` and `sockerless gitlab-sim`. */
export const cli = defineCliContribution({
  simulators: [{
    cloud: 'gitlab',
    defaultListen: DEFAULT_LISTEN,
    usage: `  sockerless simulator gitlab [--listen tcp://HOST:PORT] [--home DIR]
      Runs the GitLab simulator alone: the runner API (register, verify, jobs/request, trace, job update,
      artifacts) and the projects' repositories over smart HTTP (git http-backend). Its state lives in --home
      (default ./.sockerless-sim-gitlab). Drive it with \`sockerless gitlab-sim\`. It prints
      "GITLAB simulator: http://HOST:PORT" once it listens.
`,
    config(listen) {
      return { plugins: ['store-sqlite', 'sim-gitlab'], simulators: { gitlab: { listen } } };
    },
  }],
  commands: [{ name: 'gitlab-sim', usage: USAGE, run: runGitlabSim }],
});
