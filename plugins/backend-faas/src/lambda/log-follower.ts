import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LogStreamReader } from '@sockerless/cloud-aws';
import type { Logger } from '@sockerless/sdk';
import { awsErrorName } from './errors';
import type { LogsModule } from './sdk';

/** Lines the Lambda platform writes around an invocation; they are not the container's output. */
const PLATFORM_LINE = new RegExp([
  '^(START|END|REPORT|INIT_START|INIT_REPORT) RequestId: ',
  '^RequestId: [\\w-]+ Error: (Runtime exited|Task timed out)',
  // The timeout notice: `<ISO time> <request id> Task timed out after 3.00 seconds`.
  '^\\S+ [\\w-]+ Task timed out after ',
].join('|'));
const START_LINE = /^START RequestId: /;
const END_LINE = /^END RequestId: /;

export interface LogFollowerOptions {
  client: CloudWatchLogsClient;
  sdk: LogsModule;
  group: string;
  /** Epoch ms the invocation was sent; the stream to follow starts after it. */
  since: number;
  /** Streams of earlier invocations of the same function, which must not be taken for this one. */
  excludeStreams: ReadonlySet<string>;
  poll: { min: number; max: number };
  logger: Logger;
  onLine(line: string): void;
}

/** How long the follower keeps looking for the end of the output after the invocation returned. */
const DRAIN_WITH_STREAM_MS = 5000;
const DRAIN_WITHOUT_STREAM_MS = 1500;
/** Clocks of the daemon and of CloudWatch may differ a little; look that far back for the new stream. */
const CLOCK_SLACK_MS = 1000;

/**
 * Follows the CloudWatch Logs stream of one invocation in `/aws/lambda/<fn>`: finds the stream whose first line
 * is the platform's START after the invocation was sent, then reads it forward (GetLogEvents with the forward
 * token), polling adaptively, until the platform's END line once the invocation has returned.
 */
export class LogFollower {
  private reader: LogStreamReader | undefined;
  private sawEnd = false;
  private invocationReturned = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  readonly done: Promise<void>;

  constructor(private readonly opts: LogFollowerOptions) {
    this.done = this.run();
  }

  /** The stream found for this invocation, if any. */
  get streamName(): string | undefined {
    return this.reader?.stream;
  }

  /** The invocation answered: read what is left (until END or a short deadline) and end. */
  invocationEnded(): void {
    this.invocationReturned = true;
    this.wake?.();
  }

  /** Ends following at once (the invocation never ran, or the driver closes). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let interval = this.opts.poll.min;
    let drainDeadline = 0;
    while (!this.stopped) {
      let got = 0;
      try {
        got = this.reader === undefined ? await this.findStream() : 0;
        if (this.reader !== undefined) got += await this.readStream();
      } catch (err) {
        // A missing group is normal before the first invocation wrote; anything else is retried on the next poll.
        if (awsErrorName(err) !== 'ResourceNotFoundException') this.opts.logger.debug('lambda log poll failed', { group: this.opts.group, err: String(err) });
      }
      if (this.sawEnd) return;
      if (this.invocationReturned) {
        if (!drainDeadline) drainDeadline = Date.now() + (this.reader ? DRAIN_WITH_STREAM_MS : DRAIN_WITHOUT_STREAM_MS);
        if (Date.now() >= drainDeadline) {
          if (this.reader) this.opts.logger.warn('lambda: the end of the invocation log did not arrive in time; output may be incomplete', { group: this.opts.group, stream: this.reader.stream });
          return;
        }
      }
      interval = got > 0 ? this.opts.poll.min : Math.min(interval * 2, this.opts.poll.max);
      await this.sleep(this.invocationReturned ? this.opts.poll.min : interval);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }

  /** The first START line after `since` in a stream no earlier invocation used marks this invocation's stream. */
  private async findStream(): Promise<number> {
    let nextToken: string | undefined;
    do {
      const page = await this.opts.client.send(new this.opts.sdk.FilterLogEventsCommand({
        logGroupName: this.opts.group,
        startTime: this.opts.since - CLOCK_SLACK_MS,
        ...(nextToken ? { nextToken } : {}),
      }));
      for (const event of page.events ?? []) {
        if (event.logStreamName && START_LINE.test(event.message ?? '') && !this.opts.excludeStreams.has(event.logStreamName)) {
          this.reader = new LogStreamReader({ client: this.opts.client, sdk: this.opts.sdk }, this.opts.group, event.logStreamName);
          return 0;
        }
      }
      nextToken = page.nextToken;
    } while (nextToken && !this.stopped);
    return 0;
  }

  /** Reads the stream forward from where the last read ended; CloudWatch repeats the token at the end. */
  private async readStream(): Promise<number> {
    let count = 0;
    for (;;) {
      const { events, atEnd } = await this.reader!.readPage();
      for (const event of events) {
        count++;
        const message = (event.message ?? '').replace(/\r?\n$/, '');
        if (END_LINE.test(message)) this.sawEnd = true;
        if (!PLATFORM_LINE.test(message)) this.opts.onLine(message);
      }
      if (atEnd || events.length === 0 || this.sawEnd) return count;
    }
  }
}
