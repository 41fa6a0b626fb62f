import { constants as fsConstants, promises as fs, openSync, readSync, writeSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';

/**
 * The daemon's ends of a monitor's FIFOs (native/shim.c; the protocol is in docs/live-restore-shim.md): output
 * read as streams, input written without blocking the daemon, and the spool a monitor kept while no daemon was
 * there, read before the FIFOs on a reattach.
 */

const { O_RDONLY, O_NONBLOCK } = fsConstants;

export interface Output {
  sock: net.Socket;
  fd: number;
  out: PassThrough;
  ended: boolean;
}

/** A FIFO's read end into `out`; backpressure pauses the reading, so a full FIFO holds the workload up. */
export function readOutput(fd: number, out: PassThrough): Output {
  const sock = new net.Socket({ fd, readable: true, writable: false });
  const o: Output = { sock, fd, out, ended: false };
  sock.on('data', (d: Buffer) => {
    if (!o.out.write(d)) { sock.pause(); o.out.once('drain', () => sock.resume()); }
  });
  sock.on('end', () => { o.ended = true; o.out.end(); });
  // A read error ends this stream; the exit still comes through `wait`.
  sock.on('error', () => { if (!o.ended) { o.ended = true; o.out.end(); } });
  return o;
}

/**
 * After the exit: what is still in the FIFO, read at once. A reader that opened after the workload's last write
 * end was gone is never told of the end (Linux reports POLLHUP only to readers that saw a writer), so the rest
 * is read synchronously: with no writer left, read() gives the buffered bytes and then 0.
 */
export function finishOutput(o: Output): void {
  if (o.ended) return;
  for (let chunk = o.sock.read() as Buffer | null; chunk !== null; chunk = o.sock.read() as Buffer | null) o.out.write(chunk);
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n = 0;
    try { n = readSync(o.fd, buf, 0, buf.length, null); } catch { break; }
    if (n <= 0) break;
    o.out.write(Buffer.from(buf.subarray(0, n)));
  }
  o.ended = true;
  o.sock.destroy();
  o.out.end();
}

export function openFifo(dir: string, name: string, flags: number): number {
  return openSync(join(dir, name), flags | O_NONBLOCK);
}

/**
 * A reattach: `attach` makes the monitor stop spooling and answer on `ack`; what it spooled while no daemon was
 * there (each stream's `<name>.spool`) is then complete and comes before anything in the FIFOs. Stale acks (of a
 * daemon that died before it read one) are read away first. A monitor that does not answer within 5 s (one
 * without a spool) is taken as it is.
 */
export async function takeSpool(dir: string, names: string[], outs: PassThrough[], command: (line: string) => void): Promise<void> {
  let fd: number | undefined;
  try { fd = openFifo(dir, 'ack', O_RDONLY); } catch { /* no ack FIFO: nothing was spooled */ }
  if (fd !== undefined) {
    const stale = Buffer.alloc(64);
    try { while (readSync(fd, stale, 0, stale.length, null) > 0) { /* read away */ } } catch { /* EAGAIN: none left */ }
    const sock = new net.Socket({ fd, readable: true, writable: false });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      sock.once('data', () => { clearTimeout(timer); resolve(); });
      sock.once('error', () => { clearTimeout(timer); resolve(); });
      command('attach');
    });
    sock.destroy();
  }
  for (const [i, name] of names.entries()) await pumpFile(join(dir, `${name}.spool`), outs[i]!);
}

async function pumpFile(path: string, out: PassThrough): Promise<void> {
  let file: fs.FileHandle;
  try { file = await fs.open(path, 'r'); } catch { return; }
  try {
    for await (const chunk of file.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  } finally {
    await file.close().catch(() => undefined);
  }
  await fs.rm(path, { force: true });
}

/**
 * Writes to the monitor's stdin FIFO in order. The fd is non-blocking, so a full FIFO (EAGAIN) is retried on
 * the next turn of the event loop rather than blocking the daemon. At the end, `last` gives the bytes that end
 * the input (^D on a terminal), or sends the command that closes it itself.
 */
export function fifoInput(fd: () => number | undefined, last: () => Buffer | undefined): Writable {
  const writeAll = (chunk: Buffer, cb: (err?: Error | null) => void): void => {
    const f = fd();
    if (f === undefined || chunk.length === 0) return cb();
    let written = 0;
    try {
      written = writeSync(f, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return void setTimeout(() => writeAll(chunk, cb), 1);
      return cb(); // the monitor is gone: so is the workload
    }
    if (written < chunk.length) return void setImmediate(() => writeAll(chunk.subarray(written), cb));
    cb();
  };
  return new Writable({
    write(chunk: Buffer, _enc, cb) { writeAll(chunk, cb); },
    final(cb) {
      const bytes = last();
      if (bytes) writeAll(bytes, cb); else cb();
    },
  });
}
