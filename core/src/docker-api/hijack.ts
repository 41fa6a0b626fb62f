import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { guarded, InvalidArgumentError, type Logger } from '@sockerless/sdk';
import { apiBefore } from '@sockerless/sdk/api';

/** A container's or exec's streams: a socket taken over after `101 UPGRADED` (the CLI), or a streamed 200 (dockerode). */
export interface StreamConnection {
  input: Readable | null;
  write(data: Buffer): void;
  end(): void;
  readonly closed: boolean;
  /** Runs `cb` once the client is gone; each callback is guarded, so one that throws cannot crash the daemon. */
  onClose(cb: () => void): void;
  /** The request's logger: callbacks registered for this connection log their failures through it. */
  readonly log: Logger;
}

/** The requests that take their connection over (besides the websocket attach), with the id they name. */
export const ATTACH_PATH = /^\/containers\/([^/]+)\/attach$/;
export const EXEC_START_PATH = /^\/exec\/([^/]+)\/start$/;

/** Docker says multiplexed-stream for API >= 1.42 without a TTY; older APIs and TTYs say raw-stream. */
export function streamContentType(apiVersion: string | undefined, tty: boolean): string {
  if (!tty && !apiBefore(apiVersion ?? '1.41', '1.42')) return 'application/vnd.docker.multiplexed-stream';
  return 'application/vnd.docker.raw-stream';
}

/** An upgrade's body is small JSON (exec start's `{"Detach","Tty"}`); a larger one is refused before it is buffered. */
const MAX_UPGRADE_BODY_BYTES = 1024 * 1024;

/** Docker's 408 for a body that stopped arriving (the status errorStatus() takes from a thrown error's `status`). */
class RequestTimeoutError extends Error {
  readonly status = 408;
}

/**
 * Takes over an upgraded socket: of `head` (read past the headers) and the socket, `bodyLength` bytes are the body,
 * the rest stdin. A client gone ends the wait with what came; one silent for `idleMs` gets 408 (Node's timeouts are off).
 */
export async function readUpgradeBody(socket: Duplex, head: Buffer, bodyLength: number, idleMs: number): Promise<{ body: Buffer; rest: Buffer }> {
  if (!Number.isSafeInteger(bodyLength) || bodyLength < 0) throw new InvalidArgumentError('invalid Content-Length');
  if (bodyLength > MAX_UPGRADE_BODY_BYTES) throw new InvalidArgumentError(`request body exceeds ${MAX_UPGRADE_BODY_BYTES} bytes`);
  const chunks = [head];
  let received = head.length;
  while (received < bodyLength && !socket.destroyed) {
    const chunk = await new Promise<Buffer | null>((resolve, reject) => {
      const onData = (d: Buffer) => { cleanup(); resolve(d); };
      const onEnd = () => { cleanup(); resolve(null); };
      const stalled = idleMs > 0 ? setTimeout(() => { cleanup(); reject(new RequestTimeoutError(`no request body received for ${idleMs / 1000}s`)); }, idleMs) : undefined;
      const cleanup = () => { clearTimeout(stalled); socket.off('data', onData); socket.off('end', onEnd); socket.off('close', onEnd); socket.pause(); };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.resume();
    });
    if (!chunk) break;
    chunks.push(chunk);
    received += chunk.length;
  }
  const buf = Buffer.concat(chunks);
  return { body: buf.subarray(0, bodyLength), rest: buf.subarray(bodyLength) };
}

export function upgradedConnection(socket: Duplex, rest: Buffer, contentType: string, log: Logger): StreamConnection {
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  // stdin is a separate stream so a client's half-close ends stdin only, never our output side.
  const input = new PassThrough();
  if (rest.length) input.write(rest);
  // Backpressure: stdin nobody reads pauses the socket instead of piling up in memory.
  socket.on('data', guarded(log, { on: 'hijacked socket data' }, (d: Buffer) => { if (!input.writableEnded && !input.write(d)) socket.pause(); }));
  input.on('drain', () => socket.resume());
  socket.on('end', guarded(log, { on: 'hijacked socket end' }, () => input.end()));
  socket.on('error', guarded(log, { on: 'hijacked socket error' }, () => input.end()));
  const closing = closeCallbacks(log);
  socket.on('close', guarded(log, { on: 'hijacked socket close' }, () => {
    input.end();
    closing.fire();
  }));
  socket.resume();
  return closing.connection(input, (data) => { if (socket.writable) socket.write(data); }, () => { if (!socket.writableEnded) socket.end(); });
}

export function responseConnection(req: IncomingMessage, res: ServerResponse, contentType: string, log: Logger): StreamConnection {
  res.writeHead(200, { 'Content-Type': contentType });
  res.flushHeaders();
  const closing = closeCallbacks(log);
  res.on('close', guarded(log, { on: 'response close' }, closing.fire));
  return closing.connection(null, (data) => { if (!res.writableEnded && !res.destroyed) res.write(data); }, () => { if (!res.writableEnded) res.end(); });
}

/** The callbacks to run once a connection closes, each guarded on its own so one failing does not skip the rest. */
export function closeCallbacks(log: Logger) {
  let closed = false;
  const callbacks: (() => void)[] = [];
  const add = (cb: () => void) => {
    const safe = guarded(log, { on: 'connection closed' }, cb);
    if (closed) safe(); else callbacks.push(safe);
  };
  return {
    get closed() { return closed; },
    add,
    fire: () => {
      if (closed) return;
      closed = true;
      for (const cb of callbacks.splice(0)) cb();
    },
    /** A StreamConnection over a transport: its output goes out only until the connection has closed. */
    connection: (input: Readable | null, write: (data: Buffer) => void, end: () => void): StreamConnection => ({
      input,
      log,
      write: (data) => { if (!closed) write(data); },
      end: () => { if (!closed) end(); },
      get closed() { return closed; },
      onClose: add,
    }),
  };
}

/** Docker's JSON error from outside the middleware (a stalled body, a copy cut by a removal), then `close`; one under way is cut. */
export function answerThenClose(res: ServerResponse, status: number, message: string, close: () => void): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return void res.destroy();
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body, close);
}

/** An error answered on a socket that was asked to upgrade, before the upgrade happened. */
export function writeSocketError(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) return;
  const body = JSON.stringify({ message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  lingerThenClose(socket);
}

const LINGER_MS = 500;

/**
 * Closes a connection whose client may still send: closing with bytes unread makes the kernel reset it, losing our
 * answer, so what arrives is read and dropped for LINGER_MS first, as Go's net/http lingers.
 */
export function lingerThenClose(socket: Duplex): void {
  socket.on('data', () => undefined);
  socket.resume();
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}
