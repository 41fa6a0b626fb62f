import { connect, type Socket } from 'node:net';
import { api } from './raw-http';

/**
 * A raw HTTP/1.1 request on its own socket, so a test can end or reset the connection at any moment (half-way
 * through a body, after a 101 UPGRADED, while a response streams) as a crashing or impatient client would.
 */
export interface RawStream {
  socket: Socket;
  /** Everything the daemon has written so far (status line, headers, body). */
  received(): Buffer;
  /** Resolves once the daemon's status line and headers have arrived. */
  headers: Promise<string>;
  /** Resolves once the socket is closed, from either side. */
  closed: Promise<void>;
  /** A clean close: our FIN, then we stop reading, as close(2) does (half-closing is the CLI's business). */
  end(): Promise<void>;
  /** An abortive close (TCP RST, or just dropping a unix socket). */
  reset(): Promise<void>;
}

export interface RawStreamRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Written after the headers; with `contentLength` larger than it, the body is left unfinished. */
  body?: Buffer | string;
  contentLength?: number;
  upgrade?: boolean;
  /** Sent instead of the request line and headers (an unfinished head, for a slow client). */
  rawHead?: string;
}

export function openRawStream(socketPath: string, req: RawStreamRequest): RawStream {
  // Half-open allowed: a client that has not yet closed its side keeps the connection open after the
  // daemon ends its output, as the docker CLI does while it still reads stdin.
  const socket = connect({ path: socketPath, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const headers = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) { socket.off('data', onData); socket.on('data', (more: Buffer) => chunks.push(more)); resolve(text.slice(0, end)); }
    };
    socket.on('data', onData);
    void closed.then(() => reject(new Error(`closed before headers: ${Buffer.concat(chunks).toString('latin1')}`)));
  });
  headers.catch(() => undefined);
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
  const length = req.contentLength ?? body.length;
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: docker', `Content-Length: ${length}`];
  if (req.upgrade) lines.push('Connection: Upgrade', 'Upgrade: tcp');
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`${k}: ${v}`);
  socket.write(req.rawHead ?? `${lines.join('\r\n')}\r\n\r\n`);
  if (body.length) socket.write(body);
  return {
    socket,
    headers,
    closed,
    received: () => Buffer.concat(chunks),
    // FIN, then the socket is dropped once it is written, as a client that calls close(2) does.
    end: async () => { socket.end(() => socket.destroy()); await closed; },
    reset: async () => { if (typeof socket.resetAndDestroy === 'function' && socket.remoteAddress) socket.resetAndDestroy(); else socket.destroy(); await closed; },
  };
}

/** `sockerless_uncaught_errors_total` from the daemon's /metrics (0 when the family has no sample yet). */
export async function uncaughtErrors(socketPath: string): Promise<number> {
  const text = (await api(socketPath, 'GET', '/metrics')).text;
  // One series per kind (exception, rejection); a daemon without the family has none to report.
  const lines = text.split('\n').filter((l) => l.startsWith('sockerless_uncaught_errors_total'));
  return lines.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}
