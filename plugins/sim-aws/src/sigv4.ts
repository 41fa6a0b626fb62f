import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AwsError } from './errors';

/**
 * AWS Signature Version 4, checked as the real services check it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): the canonical request is
 * rebuilt from what arrived, hashed into the string to sign, and signed with the key derived from the secret
 * of the request's access key id; the signature must match. The simulator takes any key pair it was given,
 * but only signed: an unsigned call from a local user who never got a key is refused.
 */

export interface SimulatorCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** The real services refuse a signature whose X-Amz-Date is more than 15 minutes off, so a captured request cannot be replayed later. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/** All four errors are 403 here (Lambda's status for them; the JSON 1.1 services' shape and names). */
const refuse = (code: string, message: string) => new AwsError(code, message, 403);

/** RFC 3986 encoding as the SDK's escapeUri: encodeURIComponent plus `!'()*`. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The path as the SDK signs it for every service but S3: dot segments resolved, then encoded once more. */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const s of rawPath.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  const path = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(path).replace(/%2F/g, '/');
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function canonicalQuery(rawQuery: string): string {
  const pairs = rawQuery.split('&').filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    const [k, v] = eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
    return [escapeUri(decodeComponent(k)), escapeUri(decodeComponent(v))] as const;
  }).filter(([k]) => k.toLowerCase() !== 'x-amz-signature');
  return pairs.sort(([ka, va], [kb, vb]) => (ka === kb ? (va < vb ? -1 : 1) : ka < kb ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex` */
function parseAuthorization(header: string): ParsedAuthorization {
  if (!header.startsWith(`${ALGORITHM} `)) {
    throw refuse('IncompleteSignatureException', `Authorization header requires the ${ALGORITHM} algorithm (Signature Version 4).`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!fields.get(name)) throw refuse('IncompleteSignatureException', `Authorization header requires '${name}' parameter. Authorization=${header.split(',')[0]}`);
  }
  const scope = fields.get('Credential')!.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1])) {
    throw refuse('IncompleteSignatureException', `Credential should be scoped to a valid date, region and service: 'ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request', not '${fields.get('Credential')}'.`);
  }
  const signature = fields.get('Signature')!;
  if (!/^[0-9a-f]{64}$/.test(signature)) throw refuse('IncompleteSignatureException', 'The Signature must be 64 lowercase hexadecimal digits.');
  const signedHeaders = fields.get('SignedHeaders')!.split(';');
  if (!signedHeaders.includes('host')) throw refuse('IncompleteSignatureException', "'Host' must be a signed header.");
  return { accessKeyId: scope[0], date: scope[1], region: scope[2], service: scope[3], signedHeaders, signature };
}

/** `20240101T120000Z` */
function parseAmzDate(text: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

function headerValue(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v.join(',') : v ?? '').trim().replace(/\s+/g, ' ');
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * Throws the AwsError the real service answers unless `req` (with its whole `body`) carries a valid SigV4
 * signature by one of `credentials`. `service` is the signing name the operation belongs to (`ecs`, `logs`,
 * `lambda`), when known. Any region is taken: one simulator stands in for every regional endpoint.
 */
export function verifySigV4(req: IncomingMessage, body: Buffer, credentials: readonly SimulatorCredential[], service: string | undefined, now = Date.now()): void {
  const header = req.headers.authorization;
  if (!header) throw refuse('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const auth = parseAuthorization(header);
  const amzDate = headerValue(req, 'x-amz-date');
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || !auth.signedHeaders.includes('x-amz-date')) {
    throw refuse('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header, signed.");
  }
  if (amzDate.slice(0, 8) !== auth.date) throw refuse('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}'`);
  if (service !== undefined && auth.service !== service) throw refuse('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`);
  const credential = credentials.find((c) => c.accessKeyId === auth.accessKeyId);
  if (!credential) throw refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');

  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const canonicalRequest = [
    req.method ?? 'GET',
    canonicalPath(q < 0 ? url : url.slice(0, q)),
    canonicalQuery(q < 0 ? '' : url.slice(q + 1)),
    ...auth.signedHeaders.map((name) => `${name}:${headerValue(req, name)}`),
    '',
    auth.signedHeaders.join(';'),
    // The body as received, whatever the client claims in x-amz-content-sha256: the signature covers the payload.
    sha256Hex(body),
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = [auth.date, auth.region, auth.service, 'aws4_request'].reduce<Buffer>((key, part) => hmac(key, part), Buffer.from(`AWS4${credential.secretAccessKey}`));
  const expected = hmac(signingKey, stringToSign);
  if (!timingSafeEqual(expected, Buffer.from(auth.signature, 'hex'))) {
    throw refuse('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  }
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    throw refuse('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier or later than the allowed 15 minutes around the simulator's time.`);
  }
}
