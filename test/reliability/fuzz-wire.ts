/**
 * The fuzzer's HTTP client: one raw unix-socket connection per request, so that anything can be sent (bodies
 * shorter than their Content-Length, junk after an upgrade, an unfinished head) and the answer is read as
 * bytes. It reports when the status line and headers arrived and whether the body ended, so that the judge
 * can tell a stream that is still open (fine for logs -f) from an error that never finished (a hang).
 */
import { connect } from 'node:net';

export interface WireRequest {
  method: string;
  /** Sent verbatim as the request target (it may be malformed on purpose). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** The Content-Length announced; larger than `body` leaves the body unfinished (a stalled client). */
  contentLength?: number;
  upgrade?: boolean;
  /** Sent instead of a request line and headers: an unfinished head, junk, or nothing at all. */
  rawHead?: string;
  /** Our side is closed (FIN) once everything is written: a half-open connection. */
  halfClose?: boolean;
}

export interface WireAnswer {
  /** 0 when no status line arrived. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body ended (by its length, the last chunk, or the daemon closing after the head). */
  complete: boolean;
  /** The daemon closed the connection (before we gave up on it). */
  closedByDaemon: boolean;
  headersAfterMs: number | null;
  elapsedMs: number;
}

export interface WireLimits {
  /** Give up when no status line has arrived after this long. */
  headersWithinMs: number;
  /** After the head, how long a body that is still arriving is read before the connection is cut. */
  bodyWithinMs: number;
}

export function sendRaw(socketPath: string, req: WireRequest, limits: WireLimits): Promise<WireAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ path: socketPath, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let head: { status: number; headers: Record<string, string>; bodyStart: number } | null = null;
    let headersAfterMs: number | null = null;
    let settled = false;
    let timer = setTimeout(() => finish(false), limits.headersWithinMs);
    const finish = (closedByDaemon: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(chunks);
      const body = head ? all.subarray(head.bodyStart) : Buffer.alloc(0);
      resolve({
        status: head?.status ?? 0,
        headers: head?.headers ?? {},
        body: head ? decodeBody(head.headers, body).body : body,
        complete: head ? noBody(req.method, head.status) || decodeBody(head.headers, body).complete || (closedByDaemon && !head.headers['content-length'] && !isChunked(head.headers)) : false,
        closedByDaemon,
        headersAfterMs,
        elapsedMs: Date.now() - started,
      });
    };
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('end', () => finish(true));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (!head) {
        head = parseHead(all);
        if (!head) return;
        headersAfterMs = Date.now() - started;
        clearTimeout(timer);
        // HEAD answers, 1xx/204/304 and upgrades carry no body to wait for.
        if (noBody(req.method, head.status) || head.status === 101) {
          timer = setTimeout(() => finish(false), Math.min(200, limits.bodyWithinMs));
          if (head.status !== 101) return finishSoon();
          return;
        }
        timer = setTimeout(() => finish(false), limits.bodyWithinMs);
      }
      if (decodeBody(head.headers, all.subarray(head.bodyStart)).complete) finishSoon();
    });
    const finishSoon = () => setImmediate(() => finish(false));
    if (req.rawHead !== undefined) {
      if (req.rawHead) socket.write(req.rawHead);
    } else {
      const body = req.body ?? Buffer.alloc(0);
      const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: docker'];
      if (req.body !== undefined || req.contentLength !== undefined) lines.push(`Content-Length: ${req.contentLength ?? body.length}`);
      lines.push(req.upgrade ? 'Connection: Upgrade' : 'Connection: close');
      if (req.upgrade) lines.push('Upgrade: tcp');
      for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`${k}: ${v}`);
      // One write, so that a daemon answering before it reads the body cannot have us fail half-way (EPIPE).
      socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
    }
    if (req.halfClose) socket.end();
  });
}

function parseHead(buf: Buffer): { status: number; headers: Record<string, string>; bodyStart: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? -1);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, bodyStart: end + 4 };
}

/** HEAD answers and 1xx, 204 and 304 carry no body (RFC 9112 section 6.3). */
const noBody = (method: string, status: number) => method === 'HEAD' || (status >= 100 && status < 200 && status !== 101) || status === 204 || status === 304;

const isChunked = (headers: Record<string, string>) => /chunked/i.test(headers['transfer-encoding'] ?? '');

/** The body so far, de-chunked, and whether it is complete. */
function decodeBody(headers: Record<string, string>, raw: Buffer): { body: Buffer; complete: boolean } {
  if (isChunked(headers)) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = raw.indexOf('\r\n', at);
      if (lineEnd < 0) return { body: Buffer.concat(parts), complete: false };
      const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size)) return { body: Buffer.concat(parts), complete: false };
      if (size === 0) return { body: Buffer.concat(parts), complete: true };
      if (raw.length < lineEnd + 2 + size + 2) return { body: Buffer.concat([...parts, raw.subarray(lineEnd + 2)]), complete: false };
      parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = headers['content-length'];
  if (length !== undefined) return { body: raw.subarray(0, Number(length)), complete: raw.length >= Number(length) };
  return { body: raw, complete: false };
}
