import type { Logger } from '@sockerless/sdk';
import type { GitLabApi, JobPayload } from './gitlab-api';

/**
 * A job's trace as GitLab Runner sends it: output gathers in memory and goes to GitLab every interval with
 * `PATCH /jobs/:id/trace` and `Content-Range`, from the offset GitLab has (a 416's `Range` says where that is,
 * e.g. after a daemon restart); with nothing new, a `PUT state=running` keeps the job alive. Either answering
 * that the job no longer runs (403, Job-Status canceled) calls `onAbort`.
 */
export class TraceStream {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes GitLab has acknowledged. */
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly masked: string[];

  constructor(
    private readonly api: GitLabApi, private readonly job: JobPayload, private intervalMs: number,
    private readonly onAbort: () => void, private readonly logger: Logger,
  ) {
    // Masked variables never reach the trace (GitLab Runner's masking).
    this.masked = job.variables.filter((v) => v.masked && v.value.length >= 8).map((v) => v.value);
    this.schedule();
  }

  write(chunk: Buffer | string): void {
    let text = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (this.masked.length) {
      let s = text.toString('utf8');
      for (const m of this.masked) s = s.split(m).join('[MASKED]');
      text = Buffer.from(s);
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => { this.sending = this.sending.then(() => this.send(true)).finally(() => this.schedule()); }, this.intervalMs);
  }

  /** Sends what is pending (or a keep-alive); never throws: a failed send is retried at the next interval. */
  private async send(keepAlive: boolean): Promise<void> {
    try {
      if (this.pendingBytes === 0) {
        if (!keepAlive) return;
        const a = await this.api.updateJob(this.job, { state: 'running' });
        if (a.aborted) this.onAbort();
        return;
      }
      const data = Buffer.concat(this.pending);
      const a = await this.api.patchTrace(this.job, this.sent, data);
      if (a.updateIntervalSeconds) this.intervalMs = Math.min(this.intervalMs, a.updateIntervalSeconds * 1000);
      if (a.status === 202) {
        const rest = Buffer.concat(this.pending).subarray(data.length);
        this.pending = rest.length ? [rest] : [];
        this.pendingBytes -= data.length;
        this.sent = a.remoteSize ?? this.sent + data.length;
      } else if (a.status === 416 && a.remoteSize !== undefined) {
        // GitLab has another size than we thought (a restart lost our count): continue at its end.
        this.sent = a.remoteSize;
      } else if (a.aborted) {
        this.onAbort();
      } else {
        this.logger.warn('trace PATCH refused; retrying', { job: this.job.id, status: a.status });
      }
    } catch (err) {
      this.logger.warn('trace send failed; retrying', { job: this.job.id, err: (err as Error).message });
    }
  }

  /** Sends everything written so far and stops the timer. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.sending;
    for (let attempt = 0; this.pendingBytes > 0 && attempt < 5; attempt++) await this.send(false);
  }
}
