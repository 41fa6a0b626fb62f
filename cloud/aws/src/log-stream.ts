import type { CloudWatchLogsClient, OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';

type LogsModule = typeof import('@aws-sdk/client-cloudwatch-logs');

/** A CloudWatch Logs client with its (lazily loaded) module, whose command classes the reader needs. */
export interface CloudWatchLogs {
  client: CloudWatchLogsClient;
  sdk: LogsModule;
}

/**
 * Reads one CloudWatch Logs stream forward with GetLogEvents, page after page, from where the last page
 * ended. CloudWatch answers the same forward token again at the end of a stream (the AWS SDK paginator's
 * `stopOnSameToken`), which is how a reader knows it has seen everything written so far. Errors are the AWS
 * SDK's own (a stream not made yet is `ResourceNotFoundException`); the caller decides to retry or map them.
 */
export class LogStreamReader {
  private forwardToken: string | undefined;

  constructor(
    private readonly logs: CloudWatchLogs,
    readonly group: string,
    readonly stream: string,
    /** Events from this time on (ms since epoch) on the first page; the whole stream when absent. */
    private readonly startTime?: number,
  ) {}

  /** The next page; `atEnd` when CloudWatch has nothing newer than it (the same token again, or none). */
  async readPage(): Promise<{ events: OutputLogEvent[]; atEnd: boolean }> {
    const out = await this.logs.client.send(new this.logs.sdk.GetLogEventsCommand({
      logGroupName: this.group,
      logStreamName: this.stream,
      startFromHead: true,
      ...(this.forwardToken ? { nextToken: this.forwardToken } : this.startTime !== undefined ? { startTime: this.startTime } : {}),
    }));
    const token = out.nextForwardToken;
    const atEnd = !token || token === this.forwardToken;
    if (token) this.forwardToken = token;
    return { events: out.events ?? [], atEnd };
  }
}
