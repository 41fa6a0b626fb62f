import { request as httpRequestOf, type IncomingMessage } from 'node:http';
import { request as httpsRequestOf } from 'node:https';
import { Readable } from 'node:stream';

/**
 * Minimal requests over node:http(s) for registry traffic. Not `fetch`: fetch refuses the WHATWG "bad ports"
 * (1, 6000, 10080, ...), on which a registry may legitimately listen, and keeps pooled sockets alive
 * after a pull. Follows redirects (blob downloads go to CDNs), dropping credentials when the host changes.
 */

export interface GetResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

const MAX_REDIRECTS = 10;

export async function httpGet(url: string, headers: Record<string, string>, timeoutMs: number): Promise<GetResponse> {
  return httpRequest('GET', url, headers, timeoutMs);
}

/**
 * One request; a GET or HEAD follows redirects. `body` is sent whole (a manifest, a config) or streamed (a
 * layer); a streamed body cannot be replayed, so whoever sends one must expect no redirect.
 */
export async function httpRequest(method: string, url: string, headers: Record<string, string>, timeoutMs: number, body?: Buffer | Readable): Promise<GetResponse> {
  let current = new URL(url);
  let sendHeaders = { ...headers };
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await requestOnce(method, current, sendHeaders, timeoutMs, body);
    if (method !== 'GET' && method !== 'HEAD') return res;
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
    res.body.resume();
    const next = new URL(location, current);
    if (next.host !== current.host) {
      sendHeaders = Object.fromEntries(Object.entries(sendHeaders).filter(([k]) => k.toLowerCase() !== 'authorization'));
    }
    current = next;
  }
  throw new Error(`too many redirects from ${url}`);
}

function requestOnce(method: string, url: URL, headers: Record<string, string>, timeoutMs: number, body?: Buffer | Readable): Promise<GetResponse> {
  const request = url.protocol === 'https:' ? httpsRequestOf : httpRequestOf;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const req = request(url, { method, headers, agent: false }, (res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    // Bounds the wait for an answer (connect + headers) only; a large blob may take as long as it takes.
    // A streamed upload is answered only once it is sent, so its bound starts when the body ends.
    const bound = () => { timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs); };
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (body instanceof Readable) {
      req.once('finish', bound);
      body.once('error', (err) => req.destroy(err));
      body.pipe(req);
    } else {
      bound();
      req.end(body);
    }
  });
}

export async function readAll(body: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
