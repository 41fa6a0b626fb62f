import { invalid } from './errors';

/** List methods' defaults and caps (Cloud Run and Functions cap page sizes; Logging caps at 1000). */
const DEFAULT_PAGE_SIZE = 100;

/**
 * One page of `items` for `pageSize`/`pageToken` as Google's list methods take them. The token is opaque to
 * clients (here: the next offset, base64 with the list's name, so a token of one list is refused by another).
 */
export function page<T>(items: T[], query: { pageSize?: unknown; pageToken?: unknown }, list: string, maxPageSize = 1000): { items: T[]; nextPageToken?: string } {
  const size = Number(query.pageSize ?? 0);
  if (!Number.isInteger(size) || size < 0) throw invalid(`Invalid page_size: ${String(query.pageSize)}`);
  const limit = Math.min(size || DEFAULT_PAGE_SIZE, maxPageSize);
  let offset = 0;
  const token = typeof query.pageToken === 'string' ? query.pageToken : '';
  if (token) {
    const m = /^(.+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m || m[1] !== list) throw invalid(`Invalid page_token: ${token}`);
    offset = Number(m[2]);
  }
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(`${list}:${offset + limit}`).toString('base64url') : undefined;
  return { items: slice, nextPageToken: next };
}
