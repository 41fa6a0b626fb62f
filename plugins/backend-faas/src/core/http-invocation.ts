import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PassThrough } from 'node:stream';
import type { ExitStatus, Logger } from '@sockerless/sdk';
import { BOOTSTRAP_MARKER } from './bootstrap';
import type { FaasInvocation, InvocationResult } from './provider';

/** One line of an invocation's output as the cloud's log has it. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface HttpInvocationOptions {
  cloud: string;
  /** The function's HTTP trigger, asked for at start (a function adopted after a restart has no other record of it). */
  url(): Promise<string>;
  /** What the trigger is sent (the bootstrap script the function's shell runs). */
  body: string;
  /** Headers of the request, asked for once the URL is known (a key read with it). */
  headers?(): Record<string, string>;
  /** The CA that signs the trigger's certificate (a simulator's), besides Node's own. */
  ca?: string;
  timeoutSeconds: number;
  /**
   * The invocation's log lines written since the last call, oldest first. Without a log to follow, the
   * answer's body (the process's stdout) is the output, delivered when the container has ended.
   */
  readLines?(): Promise<LogLine[]>;
  poll: { min: number; max: number };
  logger: Logger;
}

/** The platform's header with the exit code of the function's process (the simulators', and the bootstrap's on a cloud). */
export const EXIT_CODE_HEADER = 'x-sockerless-exit-code';
/** How long the log may lag behind the answer before the output is ended without its last lines. */
const CATCH_UP_MS = 5000;

/**
 * One `docker start` of a function behind an HTTP trigger (Cloud Functions, Azure Functions): a request kept
 * open for as long as the container runs, its output followed in the cloud's log (the answer comes only at the
 * end), its exit code taken from the answer. The answer's body is the process's stdout, so its line count
 * says when the log has caught up: the output ends then, not after a guessed delay.
 */
export class HttpInvocation implements FaasInvocation {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly result: Promise<InvocationResult>;
  private readonly abort = new AbortController();
  private stopped = false;
  private wake: (() => void) | undefined;
  private answered = false;
  private stdoutLines = 0;
  private markerSeen = false;

  constructor(private readonly opts: HttpInvocationOptions) {
    const startedAt = new Date();
    const following = this.follow();
    this.result = this.send().then(async ({ status, expectedStdoutLines, body }) => {
      this.answered = true;
      if (!opts.readLines) {
        if (body) this.stdout.write(body.slice(body.startsWith(`${BOOTSTRAP_MARKER}\n`) ? BOOTSTRAP_MARKER.length + 1 : 0));
        this.stdout.end();
        this.stderr.end();
        return { status, startedAt, finishedAt: new Date() };
      }
      const deadline = Date.now() + (expectedStdoutLines === undefined ? 0 : CATCH_UP_MS);
      this.wake?.();
      await following;
      // Read until the log has every stdout line the answer carried (and stderr written before them).
      while (!this.stopped && expectedStdoutLines !== undefined && this.stdoutLines < expectedStdoutLines && Date.now() < deadline) {
        await this.readOnce();
        if (this.stdoutLines < expectedStdoutLines) await this.sleep(opts.poll.min);
      }
      if (!this.stopped) await this.readOnce();
      if (expectedStdoutLines !== undefined && this.stdoutLines < expectedStdoutLines) {
        opts.logger.warn(`${opts.cloud}: the log did not catch up with the invocation's answer in time; output may be incomplete`);
      }
      this.stdout.end();
      this.stderr.end();
      return { status, startedAt, finishedAt: new Date() };
    });
  }

  abandon(): void {
    this.stopped = true;
    this.wake?.();
    this.abort.abort();
  }

  /** Polls the log while the request is open: `min` after output, doubling to `max` while quiet. */
  private async follow(): Promise<void> {
    let interval = this.opts.poll.min;
    while (this.opts.readLines && !this.stopped && !this.answered) {
      const got = await this.readOnce();
      interval = got > 0 ? this.opts.poll.min : Math.min(interval * 2, this.opts.poll.max);
      if (!this.answered) await this.sleep(interval);
    }
  }

  private async readOnce(): Promise<number> {
    try {
      const lines = await this.opts.readLines!();
      for (const line of lines) {
        if (line.stream === 'stdout') {
          this.stdoutLines++;
          // The script's own first line is not the container's output.
          if (!this.markerSeen && line.text === BOOTSTRAP_MARKER) {
            this.markerSeen = true;
            continue;
          }
        }
        (line.stream === 'stdout' ? this.stdout : this.stderr).write(`${line.text}\n`);
      }
      return lines.length;
    } catch (err) {
      this.opts.logger.debug(`${this.opts.cloud}: log poll failed`, { err: String(err) });
      return 0;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }

  /** The request to the trigger; never rejects: a trigger that could not be reached is a failure of the backend (125). */
  private async send(): Promise<{ status: ExitStatus; expectedStdoutLines?: number; body?: string }> {
    const { body, cloud, timeoutSeconds } = this.opts;
    let url: string;
    try {
      url = await this.opts.url();
    } catch (err) {
      return { status: { exitCode: 125, error: (err as Error).message } };
    }
    if (this.stopped) return { status: { exitCode: 125, error: `${cloud}: the daemon closed before the invocation was sent` } };
    return new Promise((resolve) => {
      const target = new URL(url);
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
      // No timeout of Node's: the request is open for as long as the container runs (the platform ends it at the function timeout).
      const req = request(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...this.opts.headers?.() },
        signal: this.abort.signal,
        ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      }, (res) => {
        void readBody(res).then((text) => resolve(exitOf(res, text, cloud, timeoutSeconds)), (err: Error) => {
          resolve({ status: { exitCode: 125, error: `${cloud}: the invocation's answer was cut off: ${err.message}` } });
        });
      });
      req.on('error', (err) => resolve({ status: { exitCode: 125, error: `${cloud}: the function's trigger ${url} could not be reached: ${err.message}` } }));
      req.end(body);
    });
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('aborted')));
  });
}

/**
 * The container's exit from the trigger's answer: the process's exit code in EXIT_CODE_HEADER (the body is
 * its stdout); 504 is the platform ending a request at the function timeout, which kills the process (137, as
 * the Lambda timeout); any other answer without the header never ran the process (125, naming the answer).
 */
export function exitOf(res: { statusCode?: number; headers: Record<string, string | string[] | undefined> }, body: string, cloud: string, timeoutSeconds: number): { status: ExitStatus; expectedStdoutLines?: number; body?: string } {
  const header = res.headers[EXIT_CODE_HEADER];
  const code = Number(Array.isArray(header) ? header[0] : header);
  if (res.statusCode === 504) return { status: { exitCode: 137, signal: 'SIGKILL', error: `${cloud} timeout (${timeoutSeconds} s)` } };
  if (header !== undefined && Number.isInteger(code) && code >= 0 && code <= 255) {
    if (!body.startsWith(`${BOOTSTRAP_MARKER}\n`)) {
      return { status: { exitCode: 125, error: `${cloud}: the function's image did not run the container's command: its own command (exit ${code}) is not a shell that reads the request as a script; see docs/backend-faas.md` }, body };
    }
    return { status: { exitCode: code }, expectedStdoutLines: (body.match(/\n/g) ?? []).length, body };
  }
  return { status: { exitCode: 125, error: `${cloud}: the function's trigger answered HTTP ${res.statusCode}: ${body.slice(0, 200).trim()}`.trimEnd() } };
}

/**
 * Which log rows are this invocation's, by the request id the platform labels them with (`execution_id` on
 * Cloud Functions, `FunctionInvocationId` on Azure): the first id not seen in an earlier invocation of the same
 * function, whose late lines must not be taken for this one's. `settle()` files the id among the earlier ones.
 */
export function invocationRows(earlier: Set<string>): { owns(requestId: string): boolean; settle(): void } {
  let mine: string | undefined;
  return {
    owns(requestId) {
      if (earlier.has(requestId)) return false;
      mine ??= requestId;
      return requestId === mine;
    },
    settle() {
      if (mine) earlier.add(mine);
    },
  };
}
