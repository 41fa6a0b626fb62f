import { readAll, type GetResponse } from './http-get';

/**
 * Registry failures in the words dockerd uses, so `docker pull`/`push`/`login` print the same lines:
 * dockerd passes Go's net/http errors through (`Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1:
 * connect: connection refused`) and a registry's error body as distribution's errcode formats it.
 */

/** Go's syscall texts for the errno codes Node reports on a failed connect. */
const GO_CONNECT_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  ECONNRESET: 'connect: connection reset by peer',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ETIMEDOUT: 'i/o timeout',
};

interface NodeNetError { message?: string; code?: string; address?: string; port?: number; hostname?: string; errors?: NodeNetError[] }

/** `Verb "url": reason`, as Go's *url.Error prints itself (`Get`, `Head`, `Post`, `Put`). */
export function goRequestError(method: string, url: string, err: unknown): string {
  const verb = method[0].toUpperCase() + method.slice(1).toLowerCase();
  return `${verb} "${url}": ${goNetReason(url, err)}`;
}

function goNetReason(url: string, err: unknown): string {
  // Node reports a failed dual-stack connect as an AggregateError with an empty message.
  const e = ((err as NodeNetError)?.errors?.[0] ?? err) as NodeNetError;
  const target = new URL(url);
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return `dial tcp: lookup ${e.hostname ?? target.hostname}: no such host`;
  const reason = e?.code ? GO_CONNECT_REASONS[e.code] : undefined;
  if (reason) return `dial tcp ${e.address ?? target.hostname}:${e.port ?? port}: ${reason}`;
  return e?.message || e?.code || String(err);
}

/**
 * The first error of a registry's JSON body as distribution's errcode prints it: the code in lower case
 * with spaces, then the message (`manifest unknown: manifest unknown`, `unauthorized: authentication
 * required`); `fallback` when the body says nothing.
 */
export async function registryErrorText(res: GetResponse, fallback: string): Promise<string> {
  try {
    const body = JSON.parse((await readAll(res.body)).toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    if (!first) return fallback;
    const code = first.code ? first.code.toLowerCase().replace(/_/g, ' ') : '';
    return [code, first.message].filter(Boolean).join(': ') || fallback;
  } catch {
    return fallback;
  }
}
