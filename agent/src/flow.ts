import { Readable } from 'node:stream';
import { encodeFrame, MAX_CHUNK, WINDOW_BYTES, type StreamMessage, type StreamNumber } from './protocol';

/**
 * Credit-based flow control for the streams multiplexed on the agent's WebSocket, used on both sides. A
 * slow reader of one stream holds back only that stream's sender, never the socket: each stream may have
 * WINDOW_BYTES in flight, and the receiver hands credit back as its consumer reads.
 */

export interface FrameLink {
  sendFrame(frame: Buffer): void;
  sendControl(msg: StreamMessage): void;
}

export class OutboundStream {
  private credit = WINDOW_BYTES;
  private wake?: () => void;
  private ended = false;
  /** Set when the other side is gone or no longer wants the stream: writes are then dropped. */
  stopped = false;

  constructor(private readonly link: FrameLink, readonly ch: number, readonly s: StreamNumber) {}

  grant(bytes: number): void {
    this.credit += bytes;
    this.release();
  }

  stop(): void {
    this.stopped = true;
    this.release();
  }

  /** Sends `chunk`, waiting for credit as needed. Resolves at once (dropping it) once stopped. */
  async write(chunk: Buffer): Promise<void> {
    for (let off = 0; off < chunk.length && !this.stopped && !this.ended; off += MAX_CHUNK) {
      const piece = chunk.subarray(off, off + MAX_CHUNK);
      while (this.credit < piece.length && !this.stopped) await new Promise<void>((r) => { this.wake = r; });
      if (this.stopped) return;
      this.credit -= piece.length;
      this.link.sendFrame(encodeFrame(this.ch, this.s, piece));
    }
  }

  end(): void {
    if (this.ended || this.stopped) return;
    this.ended = true;
    this.link.sendControl({ t: 'eof', ch: this.ch, s: this.s });
  }

  private release(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** Copies `src` to `out` and ends it; with `destroyOnStop`, a stopped stream also stops reading `src`. */
export async function pump(src: Readable, out: OutboundStream, opts: { destroyOnStop: boolean }): Promise<void> {
  for await (const chunk of src) {
    await out.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    if (out.stopped && opts.destroyOnStop) { src.destroy(); return; }
  }
  out.end();
}

/** Credit goes back in batches of this size, or as soon as the reader has taken everything. */
const CREDIT_BATCH = 64 * 1024;

/**
 * The receiving end of one stream: a Readable that returns credit as its consumer reads. Consumption is
 * measured after every `read()` (pipes, iterators and 'data' all go through it) and after a push that went
 * straight to a flowing reader, never in `_read`, which runs before the bytes it serves leave the buffer.
 */
export class InboundStream extends Readable {
  private pushed = 0;
  private credited = 0;
  private finished = false;

  constructor(private readonly grantCredit: (bytes: number) => void) {
    super({ highWaterMark: WINDOW_BYTES });
  }

  deliver(payload: Buffer): void {
    // Nobody reads any more: acknowledge at once so the sender is never stuck on a dead stream.
    if (this.destroyed || this.finished) { this.grantCredit(payload.length); return; }
    this.pushed += payload.length;
    this.push(payload);
    this.settle();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.destroyed) this.push(null);
  }

  override read(size?: number): ReturnType<Readable['read']> {
    const chunk: unknown = super.read(size);
    this.settle();
    return chunk;
  }

  override _read(): void {
    // Credit is returned from read() and deliver(), see above.
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const outstanding = this.pushed - this.credited;
    this.credited = this.pushed;
    if (outstanding > 0) this.grantCredit(outstanding);
    cb(err);
  }

  private settle(): void {
    if (this.destroyed) return;
    const consumed = this.pushed - this.readableLength - this.credited;
    if (consumed > 0 && (consumed >= CREDIT_BATCH || this.readableLength === 0)) {
      this.credited += consumed;
      this.grantCredit(consumed);
    }
  }
}
