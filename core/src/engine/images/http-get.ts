import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * A minimal GET over node:http(s) for registry traffic. Not `fetch`: fetch refuses the WHATWG "bad ports"
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
  let current = new URL(url);
  let sendHeaders = { ...headers };
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await getOnce(current, sendHeaders, timeoutMs);
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

function getOnce(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<GetResponse> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent: false }, (res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    // Bounds the wait for an answer (connect + headers) only; a large blob may take as long as it takes.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

export async function readAll(body: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
