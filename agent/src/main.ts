import { AGENT_ENV } from '@sockerless/sdk/workload';
import { MainProcess, SupervisedMain, type MainExit, type MainHandle } from './main-process';

/**
 * The workload agent: `agent [--] argv...`. Starts the workload's command at once (start-up is benchmarked,
 * so `ws` and tar-stream load later, and only when needed), mirrors its output, forwards signals, exits
 * with its code, and meanwhile serves the daemon over a WebSocket dialled back to AGENT_ENV.url.
 *
 * With AWS_LAMBDA_RUNTIME_API set it first takes one invocation from the Lambda Runtime API, runs the
 * command for it and reports `{"exitCode":N}` as the invocation's response.
 */

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
/** Read by the agent, never passed on to the workload. */
const DEBUG_ENV = 'SOCKERLESS_AGENT_DEBUG';
/** Set by the entrypoint script when it started the main process itself and the agent only serves beside it. */
const MAIN_PID_ENV = 'SOCKERLESS_AGENT_MAIN_PID';
const LAMBDA_API = '2018-06-01/runtime/invocation';

function debug(msg: string): void {
  if (process.env[DEBUG_ENV] === '1') process.stderr.write(`sockerless-agent: ${msg}\n`);
}

function workloadEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [AGENT_ENV.url, AGENT_ENV.token, AGENT_ENV.stdin, DEBUG_ENV]) delete env[name];
  return env;
}

async function main(): Promise<number> {
  const supervised = Number(process.env[MAIN_PID_ENV]);
  if (supervised > 0) return serveBeside(supervised);
  const args = process.argv.slice(2);
  const argv = args[0] === '--' ? args.slice(1) : args;
  if (!argv.length) {
    process.stderr.write('usage: agent [--] command [args...]\n');
    return 2;
  }
  const lambdaApi = process.env.AWS_LAMBDA_RUNTIME_API;
  const requestId = lambdaApi ? await nextInvocation(lambdaApi) : undefined;

  // A log capture that went away must not take the workload down with the agent.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const workload = new MainProcess(argv, { env: workloadEnv(), stdin: process.env[AGENT_ENV.stdin] === '1' });
  for (const sig of FORWARDED_SIGNALS) process.on(sig, () => workload.signal(sig));

  const link = await dialBack(workload);
  const status: MainExit = await workload.exited;
  await link?.close();
  if (lambdaApi && requestId !== undefined) {
    await postResponse(lambdaApi, requestId, status.exitCode);
    return 0;
  }
  return status.exitCode;
}

/**
 * Serves the daemon for a main process the script started; runs until the script ends it (SIGTERM). The
 * script does so the moment the main process exits, which is right after a SIGKILL this agent delivered:
 * under Node's default action the agent died between its kill() and the `ok` it owed the daemon, which then
 * took the signal for undelivered. The handler runs only after that answer went out, and lets the link
 * flush and close (as the agent in front does when its main process exits) before the agent ends.
 */
async function serveBeside(pid: number): Promise<number> {
  let link: { close(): Promise<void> } | undefined;
  const ended = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  link = await dialBack(new SupervisedMain(pid));
  if (!link) return 0;
  await ended;
  await link.close();
  return 0;
}

/** The link to the daemon when an agent URL is set and `main` still runs. */
async function dialBack(main: MainHandle): Promise<{ close(): Promise<void> } | undefined> {
  const url = process.env[AGENT_ENV.url];
  if (!url) return undefined;
  // Loaded after the spawn: the workload is already running while `ws` loads.
  const { AgentLink } = await import('./connection');
  if (!main.running) return undefined;
  return new AgentLink({ url, token: process.env[AGENT_ENV.token] ?? '', containerId: process.env[AGENT_ENV.containerId] ?? '', main, debug });
}

/** Waits for the next invocation; returns its request id. */
async function nextInvocation(api: string): Promise<string> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(`http://${api}/${LAMBDA_API}/next`, { method: 'GET' }, (res) => {
      res.resume();
      const id = res.headers['lambda-runtime-aws-request-id'];
      if (res.statusCode !== 200 || typeof id !== 'string') {
        reject(new Error(`the Lambda Runtime API answered ${res.statusCode} without a request id`));
        return;
      }
      resolve(id);
    });
    req.on('error', reject);
    req.end();
  });
}

async function postResponse(api: string, requestId: string, exitCode: number): Promise<void> {
  const { request } = await import('node:http');
  const body = JSON.stringify({ exitCode });
  return new Promise((resolve, reject) => {
    const req = request(`http://${api}/${LAMBDA_API}/${encodeURIComponent(requestId)}/response`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => { res.resume(); res.on('end', () => resolve()); });
    req.on('error', reject);
    req.end(body);
  });
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`sockerless-agent: ${err.message}\n`);
    process.exit(1);
  },
);
