import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import coerce from 'semver/functions/coerce';
import gte from 'semver/functions/gte';

/**
 * A connection that carries a container's or exec's streams: either a socket taken over after
 * `101 UPGRADED` (the docker CLI), or a plain 200 response streamed until the end (dockerode's exec start
 * without Upgrade). Output writes go straight out; `input` is the client's stdin when there is one.
 */
export interface StreamConnection {
  input: Readable | null;
  write(data: Buffer): void;
  end(): void;
  readonly closed: boolean;
  onClose(cb: () => void): void;
}

/** Docker says multiplexed-stream for API >= 1.42 without a TTY; older APIs and TTYs say raw-stream. */
export function streamContentType(apiVersion: string | undefined, tty: boolean): string {
  const v = coerce(apiVersion ?? '1.41');
  if (!tty && v && gte(v, '1.42.0')) return 'application/vnd.docker.multiplexed-stream';
  return 'application/vnd.docker.raw-stream';
}

/**
 * Takes over an upgraded socket. `head` is what Node had already read past the headers; `bodyLength` bytes
 * of it (and of the socket) are the request body, the rest is the client's stdin.
 */
export async function readUpgradeBody(socket: Duplex, head: Buffer, bodyLength: number): Promise<{ body: Buffer; rest: Buffer }> {
  let buf = head;
  while (buf.length < bodyLength) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (d: Buffer) => { cleanup(); resolve(d); };
      const onEnd = () => { cleanup(); resolve(null); };
      const cleanup = () => { socket.off('data', onData); socket.off('end', onEnd); socket.pause(); };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.resume();
    });
    if (!chunk) break;
    buf = Buffer.concat([buf, chunk]);
  }
  return { body: buf.subarray(0, bodyLength), rest: buf.subarray(bodyLength) };
}

export function upgradedConnection(socket: Duplex, rest: Buffer, contentType: string): StreamConnection {
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  // stdin is a separate stream so a client's half-close ends stdin only, never our output side.
  const input = new PassThrough();
  if (rest.length) input.write(rest);
  socket.on('data', (d: Buffer) => input.write(d));
  socket.on('end', () => input.end());
  socket.on('error', () => input.end());
  let closed = false;
  const closers: (() => void)[] = [];
  socket.on('close', () => {
    closed = true;
    input.end();
    for (const cb of closers) cb();
  });
  socket.resume();
  return {
    input,
    write: (data) => { if (!closed && socket.writable) socket.write(data); },
    end: () => { if (!closed) socket.end(); },
    get closed() { return closed; },
    onClose: (cb) => { if (closed) cb(); else closers.push(cb); },
  };
}

export function responseConnection(req: IncomingMessage, res: ServerResponse, contentType: string): StreamConnection {
  res.writeHead(200, { 'Content-Type': contentType });
  res.flushHeaders();
  let closed = false;
  const closers: (() => void)[] = [];
  res.on('close', () => {
    closed = true;
    for (const cb of closers) cb();
  });
  return {
    input: null,
    write: (data) => { if (!closed && !res.writableEnded) res.write(data); },
    end: () => { if (!res.writableEnded) res.end(); },
    get closed() { return closed; },
    onClose: (cb) => { if (closed) cb(); else closers.push(cb); },
  };
}

/** An error answered on a socket that was asked to upgrade, before the upgrade happened. */
export function writeSocketError(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ message });
  const reason = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 501: 'Not Implemented' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
