/**
 * How each answer is judged: a 5xx only where dockerd answers one (501 for what is not implemented, and the
 * allowlist below), every error body Docker's `{"message": "..."}` JSON, and every request ended within its
 * bound, by an answer or, for a stalled or silent connection, by the daemon closing it.
 */
import type { FuzzCase } from './fuzz-inputs';
import type { WireAnswer, WireLimits } from './fuzz-wire';

export type Finding = 'wrong 5xx' | 'non-Docker error body' | 'hung' | 'unanswered';

/**
 * Routes whose successful answer is a stream that stays open (logs -f, events, stats, attach, wait on a running
 * container, pull progress): the fuzzer reads their head and cuts them; only their error answers must end.
 */
const STREAMING = /^(GET \/events|GET \/containers\/\{id\}\/(logs|stats|attach\/ws)|POST \/containers\/\{id\}\/(attach|wait)|POST \/exec\/\{id\}\/start|POST \/images\/create|POST \/build|POST \/images\/\{name\}\/push|POST \/plugins\/pull|POST \/session|GET \/(services|tasks)\/\{id\}\/logs)$/;

/**
 * 5xx answers dockerd gives too, so they are not counted as wrong. Each entry says why dockerd answers 5xx.
 * 501 (not implemented) is always allowed and needs no entry.
 */
const ALLOWED_5XX: Array<{ op: RegExp; status: number; message: RegExp; why: string }> = [
  // dockerd answers 503 "This node is not a swarm manager..." on every swarm endpoint of a node outside a swarm.
  { op: /^[A-Z]+ \/(swarm|nodes|services|tasks|secrets|configs)\b/, status: 503, message: /swarm/i, why: 'not a swarm manager (dockerd: 503)' },
  // A registry that cannot be reached (the fuzzer's names all point at a closed local port): dockerd's pull,
  // login and distribution answer 500 with the dial error ("Get "http://127.0.0.1:9/v2/": dial tcp ...").
  { op: /^(POST \/images\/create|POST \/auth|GET \/distribution\/\{name\}\/json)$/, status: 500, message: /^Get "http:\/\/127\.0\.0\.1:9\/v2\/": dial tcp 127\.0\.0\.1:9: /, why: 'registry unreachable (dockerd: 500)' },
  // An import whose fromSrc URL cannot be downloaded: dockerd's import returns the HTTP client's error, a 500.
  { op: /^POST \/images\/create$/, status: 500, message: /^cannot download http:\/\/127\.0\.0\.1:9\//, why: 'import URL unreachable (dockerd: 500)' },
  // ps refusing its arguments: dockerd's ContainerTop returns ps's failure as a plain error ("Error running
  // ps: exit status 1"), a 500.
  { op: /^GET \/containers\/\{id\}\/top$/, status: 500, message: /^ps .*error/, why: 'ps refused ps_args (dockerd: 500)' },
  // Unpausing a container that is not paused: dockerd 20.10's containerUnpause returns a plain error, a 500.
  { op: /^POST \/containers\/\{id\}\/unpause$/, status: 500, message: /is not paused$/, why: 'unpause of a running container (dockerd: 500)' },
  // A limit the kernel refuses (below what is in use, out of its range): runc update fails, dockerd says 500.
  { op: /^POST \/containers\/\{id\}\/update$/, status: 500, message: /^Cannot update container [0-9a-f]{64}: failed to write/, why: 'the kernel refused a limit (dockerd: 500)' },
];

/**
 * A body larger than this that the daemon answers without reading may be cut off by a reset before the answer
 * is read: Go's net/http (dockerd) drains at most 256 KiB of an unread body before closing, too.
 */
const DRAINED_BODY_BYTES = 256 * 1024;

/** Bounds per request: a stream is cut shortly after its head; anything else must finish well within the timeouts. */
export function limitsFor(c: FuzzCase, timeoutMs: number): WireLimits {
  return { headersWithinMs: timeoutMs * 3 + 8000, bodyWithinMs: c.op && STREAMING.test(c.op) ? 300 : 8000 };
}

/** What is wrong with an answer, or null. */
export function judge(c: FuzzCase, a: WireAnswer): { finding: Finding; detail: string } | null {
  if (a.status === 0) {
    // A stalled, silent or junk connection may simply be closed; anything else needed an answer.
    if (!a.closedByDaemon) return { finding: 'hung', detail: `no answer after ${a.elapsedMs} ms` };
    const mayClose = c.rawHead !== undefined || c.contentLength !== undefined || (c.body?.length ?? 0) > DRAINED_BODY_BYTES;
    return mayClose ? null : { finding: 'unanswered', detail: 'connection closed without an answer' };
  }
  if (a.status >= 500 && a.status !== 501) {
    const message = messageOf(a) ?? '';
    if (!ALLOWED_5XX.some((x) => x.status === a.status && x.op.test(c.op ?? '') && x.message.test(message))) return { finding: 'wrong 5xx', detail: `${a.status} ${a.body.toString('utf8').slice(0, 300)}` };
  }
  if (a.status >= 400 && c.method !== 'HEAD') {
    if (!a.complete) return { finding: 'hung', detail: `${a.status} error body unfinished after ${a.elapsedMs} ms` };
    if (messageOf(a) === null) return { finding: 'non-Docker error body', detail: `${a.status} ${a.headers['content-type'] ?? '(no content type)'} ${a.body.toString('utf8').slice(0, 300)}` };
  }
  // A body the daemon cut short by closing the connection has ended (a tar read while its container is removed).
  if (a.status < 400 && a.status !== 101 && !a.complete && !a.closedByDaemon && !(c.op && STREAMING.test(c.op))) return { finding: 'hung', detail: `${a.status} body unfinished after ${a.elapsedMs} ms` };
  return null;
}

/** The `message` of Docker's error shape, or null when the body is not exactly that. */
function messageOf(a: WireAnswer): string | null {
  if (!/^application\/json/.test(a.headers['content-type'] ?? '')) return null;
  try {
    const body = JSON.parse(a.body.toString('utf8'));
    return body && typeof body === 'object' && !Array.isArray(body) && typeof body.message === 'string' ? body.message : null;
  } catch {
    return null;
  }
}
