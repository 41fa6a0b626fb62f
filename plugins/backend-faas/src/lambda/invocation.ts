import { PassThrough } from 'node:stream';
import type { AgentServer, ExitStatus, Logger, WorkloadProcess } from '@sockerless/sdk';
import { awsErrorName, mapAwsError } from './errors';
import { exitStatusOf } from './exit-status';
import { LogFollower } from './log-follower';
import type { LambdaClients } from './sdk';

export interface InvocationOptions {
  clients: LambdaClients;
  containerId: string;
  functionName: string;
  timeoutSeconds: number;
  poll: { min: number; max: number };
  /** Streams of this function's earlier invocations. */
  excludeStreams: ReadonlySet<string>;
  /** With `docker run -i`: stdin goes to the main process through the agent's attach. */
  openStdin: boolean;
  agents: AgentServer;
  agentWaitMs: number;
  logger: Logger;
}

export interface InvocationResult {
  status: ExitStatus;
  startedAt: Date;
  finishedAt: Date;
  /** The log stream the invocation wrote, so the next one does not take it for its own. */
  stream?: string;
}

/**
 * One `docker start` of a Lambda container: a RequestResponse Invoke kept open in the background for as long
 * as the container runs, its output read from CloudWatch Logs (Lambda's only output channel; stdout and stderr
 * arrive merged there, so everything is delivered on stdout), its exit taken from the invocation's answer.
 */
export class LambdaInvocation {
  readonly process: WorkloadProcess;
  /** Resolves with the exit and times once the output has ended. */
  readonly result: Promise<InvocationResult>;
  private readonly abort = new AbortController();
  private readonly follower: LogFollower;
  private abandoned = false;

  constructor(private readonly opts: InvocationOptions) {
    const stdout = new PassThrough();
    const startedAt = new Date();
    const follower = this.follower = new LogFollower({
      client: opts.clients.logs,
      sdk: opts.clients.logsSdk,
      group: `/aws/lambda/${opts.functionName}`,
      since: startedAt.getTime(),
      excludeStreams: opts.excludeStreams,
      poll: opts.poll,
      logger: opts.logger,
      onLine: (line) => { stdout.write(`${line}\n`); },
    });
    const stdin = opts.openStdin ? this.stdinThroughAgent() : null;
    this.result = this.invoke().then(async ({ status, rejected }) => {
      // A refused Invoke wrote no output; any other end may have, so the rest of the log is read.
      if (rejected) follower.stop();
      else follower.invocationEnded();
      await follower.done;
      stdout.end();
      return { status, startedAt, finishedAt: new Date(), stream: follower.streamName };
    });
    // After the daemon closed, the answer belongs to nobody: the next boot's recovery decides the container's fate.
    const exited = this.result.then((r) => (this.abandoned ? new Promise<ExitStatus>(() => undefined) : r.status));
    this.process = { stdin, stdout, stderr: null, exited };
  }

  /** The daemon is closing: stop waiting for the answer (the invocation itself runs on in the cloud). */
  abandon(): void {
    this.abandoned = true;
    this.follower.stop();
    this.abort.abort();
  }

  private async invoke(): Promise<{ status: ExitStatus; rejected: boolean }> {
    const { clients, functionName, timeoutSeconds } = this.opts;
    try {
      const answer = await clients.invoke.send(
        new clients.lambdaSdk.InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from('{}') }),
        { abortSignal: this.abort.signal },
      );
      return { status: exitStatusOf(answer, timeoutSeconds), rejected: false };
    } catch (err) {
      // The invocation never ran (function gone, throttled) or its answer was lost: a failure of the backend.
      return { status: { exitCode: 125, error: mapAwsError(err).message }, rejected: awsErrorName(err) !== undefined };
    }
  }

  /** Docker's stdin for `run -i`: written to the main process once its agent connected (buffered until then). */
  private stdinThroughAgent(): PassThrough {
    const stdin = new PassThrough();
    stdin.pause();
    const { agents, containerId, agentWaitMs, logger } = this.opts;
    void agents.session(containerId, agentWaitMs)
      .then((session) => session.attach({ stdin: true }))
      .then((streams) => {
        // Output comes from CloudWatch; the attach is only the way in.
        streams.stdout.resume();
        streams.stderr?.resume();
        if (streams.stdin) stdin.pipe(streams.stdin);
        else stdin.resume();
      })
      .catch((err: Error) => {
        logger.warn('lambda: stdin cannot reach the container: its workload agent did not connect', { id: containerId, err: err.message });
        stdin.resume();
      });
    return stdin;
  }
}
