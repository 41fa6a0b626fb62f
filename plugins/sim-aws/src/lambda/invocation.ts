import { randomBytes, randomUUID } from 'node:crypto';
import type { ExitStatus } from '@sockerless/sdk';
import type { RunningWorkload, SimContext } from '../context';
import { AwsError } from '../errors';
import type { LambdaFunction } from './functions';
import { RuntimeApi, type RuntimeOutcome } from './runtime-api';

/**
 * One invocation: a fresh sandbox process of the function's image with its own Runtime API listener (every
 * invocation is a cold start; real Lambda would reuse a warm sandbox). Its log goes to `/aws/lambda/<name>`, one
 * stream per invocation, framed by START / END / REPORT as the real service writes them.
 *
 * After the runtime posted its result, real Lambda freezes the process. Here the invocation ends when the process
 * exits by itself, asks for the next event (a runtime loop is then idle), or `RESPONSE_GRACE_MS` passed; a process
 * still alive then is killed. The Invoke answer waits for that end so that every line the process wrote before
 * reporting is in the log before END (and in the Tail), and no process outlives its invocation.
 */

const RESPONSE_GRACE_MS = 2000;
/** `x-amz-log-result` carries the last 4 KB of the invocation's log. */
const TAIL_BYTES = 4096;

export interface InvocationResult {
  requestId: string;
  payload: Buffer;
  functionError?: 'Unhandled';
  /** The log text (START..REPORT), to take the Tail from. */
  log: string;
}

/** Go's names, as the real Runtime.ExitError message shows them (`signal: killed`). */
const GO_SIGNAL_NAMES: Record<string, string> = {
  SIGKILL: 'killed', SIGTERM: 'terminated', SIGINT: 'interrupt', SIGHUP: 'hangup', SIGQUIT: 'quit',
  SIGSEGV: 'segmentation fault', SIGABRT: 'aborted', SIGBUS: 'bus error', SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception', SIGPIPE: 'broken pipe', SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2', SIGALRM: 'alarm clock',
};

function exitDescription(status: ExitStatus): string {
  if (status.signal) return `signal: ${GO_SIGNAL_NAMES[status.signal] ?? status.signal}`;
  if (status.error) return status.error;
  return `exit status ${status.exitCode}`;
}

function errorPayload(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }));
}

/** `YYYY/MM/DD/[$LATEST]<32 hex>` as Lambda names its streams. */
function streamName(now: Date): string {
  const date = now.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${date}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

function traceId(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

export class Invocation {
  readonly requestId = randomUUID();
  private readonly group: string;
  private readonly stream: string;
  private readonly logLines: string[] = [];
  private logBytes = 0;
  private workload?: RunningWorkload;
  private killed = false;
  private abortReason?: string;

  constructor(private readonly ctx: SimContext, private readonly fn: LambdaFunction, private readonly payload: Buffer, private readonly clientContext?: string) {
    this.group = `/aws/lambda/${fn.name}`;
    this.stream = streamName(new Date());
  }

  /** Ends the invocation now (DeleteFunction, simulator stop): the process is killed, the caller gets the exit error. */
  abort(reason: string): void {
    this.abortReason ??= reason;
    this.kill();
  }

  async run(): Promise<InvocationResult> {
    const fn = this.fn;
    const id = this.requestId;
    const startedAt = performance.now();
    let nextAt: number | undefined;
    let reportedAt: number | undefined;
    let outcome: RuntimeOutcome | undefined;
    let timedOut = false;
    let grace: NodeJS.Timeout | undefined;

    this.log(`START RequestId: ${id} Version: $LATEST`);
    const { api, address } = await RuntimeApi.open(
      {
        requestId: id,
        payload: this.payload,
        deadlineMs: Date.now() + fn.timeout * 1000,
        functionArn: fn.arn,
        traceId: traceId(),
        ...(this.clientContext !== undefined ? { clientContext: this.clientContext } : {}),
      },
      {
        onNext: () => { nextAt = performance.now(); },
        onOutcome: (o) => {
          outcome = o;
          reportedAt = performance.now();
          grace = setTimeout(() => this.kill(), RESPONSE_GRACE_MS);
        },
        onIdle: () => this.kill(),
      },
    );
    const timer = setTimeout(() => { timedOut = true; this.kill(); }, fn.timeout * 1000);
    let status: ExitStatus;
    try {
      this.workload = await this.ctx.runner.run({
        id: `lambda-${id}`,
        image: fn.imageUri,
        // ImageConfig overrides the image's ENTRYPOINT / CMD as `docker run --entrypoint` / arguments do.
        argv: [],
        ...(fn.imageConfig.EntryPoint ? { entrypoint: fn.imageConfig.EntryPoint } : {}),
        ...(fn.imageConfig.Command ? { cmd: fn.imageConfig.Command } : {}),
        env: this.env(address),
        workingDir: fn.imageConfig.WorkingDirectory ?? '',
        user: '',
        onLine: (_stream, line) => this.log(line),
      });
      if (this.killed) void this.workload.signal('SIGKILL').catch(() => undefined);
      status = await this.workload.exited;
    } catch (err) {
      clearTimeout(timer);
      await api.close();
      const message = err instanceof Error ? err.message : String(err);
      this.ctx.logger.warn('lambda: the function could not start', { function: fn.name, requestId: id, error: message });
      this.log(`RequestId: ${id} Error: ${message}`);
      this.log(`END RequestId: ${id}`);
      throw new AwsError('ServiceException', `Lambda could not start the function's image ${fn.imageUri}: ${message}`, 502);
    } finally {
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
    }
    await api.close();

    const endedAt = reportedAt ?? performance.now();
    const result: InvocationResult = { requestId: id, payload: Buffer.alloc(0), log: '' };
    let reportStatus = '';
    if (outcome) {
      result.payload = outcome.payload;
      if (outcome.kind !== 'response') {
        result.functionError = 'Unhandled';
        const errorType = outcome.errorType ?? (outcome.kind === 'init-error' ? 'Runtime.Unknown' : 'Unhandled');
        reportStatus = `\tStatus: error\tError Type: ${errorType}`;
      }
    } else if (timedOut) {
      const message = `Task timed out after ${fn.timeout.toFixed(2)} seconds`;
      this.log(`${new Date().toISOString()} ${id} ${message}`);
      result.payload = errorPayload('Sandbox.Timedout', `RequestId: ${id} Error: ${message}`);
      result.functionError = 'Unhandled';
      reportStatus = '\tStatus: timeout';
    } else {
      const message = `Runtime exited with error: ${exitDescription(status)}`;
      this.log(`RequestId: ${id} Error: ${message}\nRuntime.ExitError`);
      result.payload = errorPayload('Runtime.ExitError', `RequestId: ${id} Error: ${message}`);
      result.functionError = 'Unhandled';
      reportStatus = '\tStatus: error\tError Type: Runtime.ExitError';
      if (this.abortReason) this.ctx.logger.info('lambda: invocation aborted', { function: fn.name, requestId: id, reason: this.abortReason });
    }
    // Duration counts from the event's delivery (Init Duration before it), as Lambda reports them. There is no
    // `Max Memory Used`: the sandbox does not measure it, and a made-up figure would mislead.
    const duration = endedAt - (nextAt ?? startedAt);
    const init = nextAt !== undefined ? `\tInit Duration: ${(nextAt - startedAt).toFixed(2)} ms` : '';
    this.log(`END RequestId: ${id}`);
    this.log(`REPORT RequestId: ${id}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(duration))} ms\tMemory Size: ${fn.memorySize} MB${init}${reportStatus}\t`);
    result.log = this.logLines.join('\n') + '\n';
    return result;
  }

  /** The last 4 KB of the log, base64, as `x-amz-log-result`. */
  static tail(log: string): string {
    const bytes = Buffer.from(log);
    return bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString('base64');
  }

  private kill(): void {
    if (this.killed) return;
    this.killed = true;
    // Before the runner answered there is no process yet: run() kills it as soon as it exists.
    if (this.workload) void this.workload.signal('SIGKILL').catch(() => undefined);
  }

  private log(message: string): void {
    this.ctx.logs.append(this.group, this.stream, [{ timestamp: Date.now(), message }]);
    this.logLines.push(message);
    this.logBytes += Buffer.byteLength(message) + 1;
    // Keep only what a Tail can show (plus a margin); the full log is in CloudWatch Logs.
    while (this.logBytes > 2 * TAIL_BYTES && this.logLines.length > 1) {
      this.logBytes -= Buffer.byteLength(this.logLines.shift() as string) + 1;
    }
  }

  private env(runtimeApi: string): string[] {
    const fn = this.fn;
    const region = this.ctx.options.region;
    const reserved: Record<string, string> = {
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_LAMBDA_LOG_GROUP_NAME: this.group,
      AWS_LAMBDA_LOG_STREAM_NAME: this.stream,
      LAMBDA_TASK_ROOT: '/var/task',
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      AWS_LAMBDA_RUNTIME_API: runtimeApi,
    };
    return [...Object.entries(fn.environment), ...Object.entries(reserved)].map(([k, v]) => `${k}=${v}`);
  }
}
