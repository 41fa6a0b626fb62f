import { PassThrough } from 'node:stream';
import type { ExitStatus, Logger } from '@sockerless/sdk';
import type { FaasInvocation, InvocationResult } from '../core/provider';
import { awsErrorName, mapAwsError } from './errors';
import { exitStatusOf } from './exit-status';
import { LogFollower } from './log-follower';
import type { LambdaClients } from './sdk';

export interface InvocationOptions {
  clients: LambdaClients;
  functionName: string;
  timeoutSeconds: number;
  poll: { min: number; max: number };
  /** Streams of this function's earlier invocations. */
  excludeStreams: ReadonlySet<string>;
  logger: Logger;
}

export interface LambdaInvocationResult extends InvocationResult {
  /** The log stream the invocation wrote, so the next one does not take it for its own. */
  stream?: string;
}

/**
 * One `docker start` of a Lambda container: a RequestResponse Invoke kept open in the background for as long
 * as the container runs, its output read from CloudWatch Logs (Lambda's only output channel; stdout and stderr
 * arrive merged there, so everything is delivered on stdout), its exit taken from the invocation's answer.
 */
export class LambdaInvocation implements FaasInvocation {
  readonly stdout = new PassThrough();
  /** CloudWatch keeps no stream identity: everything arrives on stdout. */
  readonly stderr = null;
  /** Resolves with the exit and times once the output has ended. */
  readonly result: Promise<LambdaInvocationResult>;
  private readonly abort = new AbortController();
  private readonly follower: LogFollower;

  constructor(private readonly opts: InvocationOptions) {
    const stdout = this.stdout;
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
    this.result = this.invoke().then(async ({ status, rejected }) => {
      // A refused Invoke wrote no output; any other end may have, so the rest of the log is read.
      if (rejected) follower.stop();
      else follower.invocationEnded();
      await follower.done;
      stdout.end();
      return { status, startedAt, finishedAt: new Date(), stream: follower.streamName };
    });
  }

  /** The daemon is closing: stop waiting for the answer (the invocation itself runs on in the cloud). */
  abandon(): void {
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
}
