import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One keep-alive pool per protocol, as google-gax gives node-fetch on Google (`fallbackServiceStub`'s agents). */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * `fetch` over node:http with keep-alive agents: what the Google clients use against an endpoint off Google
 * (a simulator). On Google, gaxios fetches with node-fetch over node:http with gax's keep-alive agents; it
 * imports node-fetch dynamically, which jest's VM refuses, so the simulator path had Node's own fetch
 * (undici), whose per-request cost was a third of the Cloud Run backend's CPU on a `docker run` (7 ms).
 * Bodies are strings or bytes (what gax sends); any other body goes to Node's fetch.
 */
export const httpFetch: typeof fetch = (input, init = {}) => {
  const body = init.body;
  if (input instanceof Request || (body != null && typeof body !== 'string' && !(body instanceof Uint8Array))) return fetch(input, init);
  const url = new URL(String(input));
  const secure = url.protocol === 'https:';
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => { headers[name] = value; });
  return new Promise<Response>((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, {
      method: init.method ?? 'GET', headers, agent: secure ? agents.https : agents.http, ...(init.signal ? { signal: init.signal } : {}),
    }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
        }
        try {
          resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
};
