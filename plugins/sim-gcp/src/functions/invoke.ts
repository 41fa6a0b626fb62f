import { randomUUID } from 'node:crypto';
import type { RunningWorkload, SimContext } from '../context';
import type { Call } from '../routes';
import { IMAGE_VARIABLE, type CloudFunction } from './api';

/**
 * One request to a function's URL: a fresh sandbox process of the function's image (every request a cold start)
 * with the request body on stdin. Its stdout is the response body (200 when it exits 0, 500 otherwise, as Cloud
 * Run answers a crashed request); its stdout/stderr lines go to Cloud Logging as a gen2 function's do (resource
 * `cloud_run_revision`). The exit code is in `x-sockerless-exit-code`. A process still running at the
 * function's timeout is killed and the request answered 504, as Cloud Run ends a request at its timeout.
 */
export async function invokeFunction(ctx: SimContext, fn: CloudFunction, c: Call, live: Set<RunningWorkload>): Promise<void> {
  const [, project, , location, , id] = fn.name.split('/');
  const resource = { type: 'cloud_run_revision', labels: { project_id: project, location, service_name: id, revision_name: fn.serviceConfig.revision, configuration_name: id } };
  const executionId = randomUUID().replace(/-/g, '').slice(0, 24);
  const labels = { 'goog-managed-by': 'cloudfunctions', execution_id: executionId, instanceId: executionId };
  const out: string[] = [];
  const env = {
    ...(fn.serviceConfig.environmentVariables ?? {}),
    K_SERVICE: id, K_REVISION: fn.serviceConfig.revision, K_CONFIGURATION: id, PORT: '8080',
    FUNCTION_TARGET: fn.buildConfig.entryPoint ?? '', FUNCTION_SIGNATURE_TYPE: 'http',
    REQUEST_METHOD: c.req.method ?? 'POST', REQUEST_PATH: new URL(c.req.url ?? '/', 'http://x').pathname.split('/').slice(5).join('/'),
  };
  let workload;
  try {
    workload = await ctx.runner.run({
      id: `fn-${id}-${executionId}`,
      image: fn.buildConfig.environmentVariables![IMAGE_VARIABLE],
      env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      workingDir: '',
      stdin: c.raw,
      onLine: (stream, line) => {
        if (stream === 'stdout') out.push(line);
        ctx.logs.write([{ logName: `projects/${project}/logs/run.googleapis.com%2F${stream}`, resource, labels, textPayload: line, severity: stream === 'stderr' ? 'ERROR' : 'INFO' }]);
      },
    });
  } catch (err) {
    ctx.logs.write([{ logName: `projects/${project}/logs/run.googleapis.com%2Fvarlog%2Fsystem`, resource, labels, textPayload: (err as Error).message, severity: 'ERROR' }]);
    return answer(c, 500, 'Internal Server Error: the function could not start', undefined);
  }
  live.add(workload);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; void workload.signal('SIGKILL').catch(() => undefined); }, fn.serviceConfig.timeoutSeconds * 1000);
  // A client that goes away does not leave the process running.
  const onClose = () => { if (!c.res.writableEnded) void workload.signal('SIGKILL').catch(() => undefined); };
  c.res.once('close', onClose);
  try {
    const status = await workload.exited;
    if (timedOut) return answer(c, 504, 'upstream request timeout', status.exitCode);
    answer(c, status.exitCode === 0 ? 200 : 500, out.length ? `${out.join('\n')}\n` : '', status.exitCode);
  } finally {
    clearTimeout(timer);
    c.res.off('close', onClose);
    live.delete(workload);
  }
}

function answer(c: Call, status: number, body: string, exitCode: number | undefined): void {
  if (c.res.headersSent || c.res.destroyed) return;
  c.res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(exitCode === undefined ? {} : { 'x-sockerless-exit-code': String(exitCode) }),
  });
  c.res.end(body);
}
