import { CliUsageError, defineCliContribution, type CliCommand, type CliIo } from '@sockerless/sdk';

const DEFAULT_LISTEN = 'tcp://127.0.0.1:8088';
const DEFAULT_ENDPOINT = 'http://127.0.0.1:8088';

const USAGE = `  sockerless github-sim enqueue [--endpoint URL] [--repo OWNER/NAME] --labels L1,L2,... [--script SH] [--name NAME]
  sockerless github-sim jobs [--endpoint URL]
  sockerless github-sim hook [--endpoint URL] --url URL --secret SECRET
      Acts on a running GitHub simulator (default $SOCKERLESS_GITHUB_SIM, else ${DEFAULT_ENDPOINT}) as a
      person on github.com would: enqueue queues a workflow job with those runs-on labels (and prints it),
      jobs lists jobs with their runner and conclusion, hook points the app's webhook at URL.
`;

function flags(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new CliUsageError(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    if (eq > 0) { out.set(a.slice(2, eq), a.slice(eq + 1)); continue; }
    const v = argv[++i];
    if (v === undefined) throw new CliUsageError(`${a} needs a value`);
    out.set(a.slice(2), v);
  }
  return out;
}

async function call(io: CliIo, endpoint: string, method: string, path: string, body?: unknown): Promise<number> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  } catch (err) {
    io.err(`cannot reach the GitHub simulator at ${endpoint}: ${(err as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  if (!res.ok) { io.err(`${method} ${path}: ${res.status} ${text}\n`); return 1; }
  if (text) io.out(`${text}\n`);
  return 0;
}

const githubSimCommand: CliCommand = {
  name: 'github-sim',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const f = flags(rest);
    const endpoint = (f.get('endpoint') ?? io.env.SOCKERLESS_GITHUB_SIM ?? DEFAULT_ENDPOINT).replace(/\/$/, '');
    if (sub === 'enqueue') {
      const labels = (f.get('labels') ?? '').split(',').map((l) => l.trim()).filter(Boolean);
      if (labels.length === 0) throw new CliUsageError('enqueue needs --labels L1,L2,...');
      return call(io, endpoint, 'POST', '/_sim/jobs', { repo: f.get('repo') ?? 'sim/repo', labels, script: f.get('script'), name: f.get('name') });
    }
    if (sub === 'jobs') return call(io, endpoint, 'GET', '/_sim/jobs');
    if (sub === 'hook') {
      if (!f.get('url') || !f.get('secret')) throw new CliUsageError('hook needs --url and --secret');
      return call(io, endpoint, 'PUT', '/_sim/hook', { url: f.get('url'), secret: f.get('secret') });
    }
    throw new CliUsageError(`github-sim: unknown subcommand '${sub ?? ''}' (enqueue, jobs, hook)`);
  },
};

/** `sockerless simulator github` (the simulator alone) and `sockerless github-sim` (acting on it). */
export const cli = defineCliContribution({
  commands: [githubSimCommand],
  simulators: [{
    cloud: 'github',
    defaultListen: DEFAULT_LISTEN,
    usage: `  sockerless simulator github [--listen tcp://HOST:PORT] [--home DIR]
      Runs the GitHub simulator alone: the Actions REST calls a runner coordinator makes (GitHub App JWT and
      installation tokens, queued runs and jobs, generate-jitconfig, runners), signed workflow_job webhooks,
      and the stand-in runner protocol. Its state and the app's key live in --home (default
      ./.sockerless-sim-github). It prints "GITHUB simulator: http://HOST:PORT" once it listens.
`,
    config(listen) {
      return { plugins: ['store-sqlite', 'sim-github'], simulators: { github: { listen } } };
    },
  }],
});
