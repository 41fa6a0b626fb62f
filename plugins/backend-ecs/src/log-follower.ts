import { PassThrough } from 'node:stream';
import type { LogStreamReader } from '@sockerless/cloud-aws';
import type { Logger } from '@sockerless/sdk';
import type { AwsApi } from './aws';
import { awsErrorName } from './errors';
import { backoff } from './poll-loop';

/** Polls after a stop that found no stream at all before the output is taken to be empty. */
const MISSING_STREAM_POLLS_AFTER_STOP = 2;
/** Failed polls after a stop before the output is given up (the exit is still reported). */
const FAILED_POLLS_AFTER_STOP = 20;

/**
 * Follows one awslogs stream with GetLogEvents into a byte stream, one line per event (awslogs keeps no
 * newline and does not tell stdout from stderr). CloudWatch answers the same forward token again at the end
 * of a stream, so the output ends once the task is known to be STOPPED and a poll that began after that
 * returns no new events with the same token (the paginator's `stopOnSameToken`).
 */
export class LogFollower {
  readonly output = new PassThrough();
  /** When the next poll is due (ms since epoch) and the current idle interval. */
  due = 0;
  interval: number;
  inFlight = false;
  done = false;
  private reader?: LogStreamReader;
  /** When the stream last had new events (or the follower began, or the task stopped). */
  private lastChange = Date.now();
  private taskStopped = false;
  private missingAfterStop = 0;
  private failuresAfterStop = 0;
  private readonly ended: Promise<void>;
  private resolveEnded!: () => void;

  constructor(
    readonly logGroupName: string,
    readonly logStreamName: string,
    private readonly poll: { min: number; max: number },
    private readonly logger: Logger,
    /** Events from this time on (ms); the whole stream when absent. */
    private readonly startTime?: number,
  ) {
    this.interval = poll.min;
    this.ended = new Promise((resolve) => { this.resolveEnded = resolve; });
  }

  /** Resolves once every event was written and the output ended. */
  whenEnded(): Promise<void> {
    return this.ended;
  }

  /** The task stopped: poll at once and end when the stream is drained. */
  markStopped(now: number): void {
    this.taskStopped = true;
    this.lastChange = now;
    this.interval = this.poll.min;
    this.due = now;
  }

  async pollOnce(api: AwsApi, now: () => number): Promise<void> {
    const stoppedBefore = this.taskStopped;
    this.inFlight = true;
    try {
      this.reader ??= api.logStream(this.logGroupName, this.logStreamName, this.startTime);
      const { events, atEnd: sameToken } = await this.reader.readPage();
      for (const e of events) this.output.write(`${e.message ?? ''}\n`);
      if (events.length) this.lastChange = now();
      this.interval = this.grow(now());
      if (stoppedBefore && events.length === 0 && sameToken) this.finish();
      else if (stoppedBefore && events.length === 0) this.interval = this.poll.min; // the new token must be seen once more
    } catch (err) {
      const name = awsErrorName(err);
      if (name === 'ResourceNotFoundException') {
        // No stream yet: the task has not written anything (or ECS has not made the stream yet).
        this.interval = this.grow(now());
        if (stoppedBefore && ++this.missingAfterStop >= MISSING_STREAM_POLLS_AFTER_STOP) this.finish();
      } else {
        this.interval = name === 'ThrottlingException' ? this.poll.max : this.grow(now());
        this.logger.warn('ecs: GetLogEvents failed; retrying', { stream: this.logStreamName, err: `${name}: ${(err as Error).message}` });
        if (stoppedBefore && ++this.failuresAfterStop >= FAILED_POLLS_AFTER_STOP) {
          this.output.write(`[sockerless: the rest of this task's output could not be read from CloudWatch Logs: ${(err as Error).message}]\n`);
          this.finish();
        }
      }
    } finally {
      this.inFlight = false;
      this.due = now() + this.interval;
    }
  }

  /** Ends the output (at shutdown, or when the task was lost). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.output.end(() => this.resolveEnded());
  }

  private grow(at: number): number {
    return backoff(this.poll, at - this.lastChange);
  }
}
