import { InvalidArgumentError } from '../errors';

/**
 * Image references parsed and normalised the way Docker's `distribution/reference` package does, so that
 * `busybox`, `busybox:latest` and `docker.io/library/busybox:latest` are one key, and RepoTags print the
 * "familiar" form Docker prints (`busybox:latest`, `127.0.0.1:5000/bb:latest`).
 */
export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';

// The grammar of distribution/reference/regexp.go.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const FULL_HEX_ID = /^[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

export interface ImageReference {
  /** Registry host as written, `docker.io` for Docker Hub. */
  domain: string;
  /** Repository path inside the registry, `library/busybox` for official images. */
  path: string;
  tag?: string;
  digest?: string;
}

/** True when `s` is a full image id, with or without the `sha256:` prefix. */
export function isFullImageId(s: string): boolean {
  return FULL_HEX_ID.test(s.startsWith('sha256:') ? s.slice(7) : s);
}

/**
 * Parses a possibly short reference (`busybox`, `me/app:1`, `host:5000/x@sha256:...`). Throws Docker's
 * `invalid reference format` (400) for anything the grammar refuses, including upper case repository names.
 */
export function parseReference(raw: string): ImageReference {
  const m = REFERENCE.exec(raw);
  if (!m) {
    if (REFERENCE.test(raw.toLowerCase())) {
      throw new InvalidArgumentError(`invalid reference format: repository name (${raw.split(/[:@]/)[0]}) must be lowercase`);
    }
    throw new InvalidArgumentError('invalid reference format');
  }
  const [, name, tag, digest] = m;
  if (name.length > NAME_TOTAL_LENGTH_MAX) throw new InvalidArgumentError('invalid reference format: repository name must not be more than 255 characters');
  const { domain, path } = splitDomain(name);
  return { domain, path, tag, digest };
}

/** Docker's splitDockerDomain: the first component is a host only if it has `.` or `:` or is `localhost`. */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  let domain: string;
  let path: string;
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  if (path.toLowerCase() !== path) throw new InvalidArgumentError(`invalid reference format: repository name (${path}) must be lowercase`);
  return { domain, path };
}

/** `docker.io/library/busybox` (the canonical repository name, the key of our indexes). */
export function canonicalName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** `busybox`, `me/app`, `127.0.0.1:5000/bb`: the repository as Docker prints it. */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
}

/** The full reference as Docker prints it: familiar name plus `:tag` and/or `@digest`. */
export function familiarString(ref: ImageReference): string {
  return familiarName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** Canonical `name:tag` key; a reference without tag or digest means `:latest` (Docker's TagNameOnly). */
export function canonicalTagKey(ref: ImageReference): string {
  return `${canonicalName(ref)}:${ref.tag ?? DEFAULT_TAG}`;
}

export function canonicalDigestKey(ref: ImageReference): string {
  return `${canonicalName(ref)}@${ref.digest}`;
}

/** Adds `:latest` when a reference names neither a tag nor a digest. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag || ref.digest ? ref : { ...ref, tag: DEFAULT_TAG };
}

/**
 * Combines the `fromImage`/`repo` and `tag` query parameters as Docker's API does: `tag` may also carry a
 * digest, and a tag inside the name wins when `tag` is empty.
 */
export function referenceWithTag(name: string, tag: string | undefined): ImageReference {
  const ref = parseReference(name);
  if (!tag) return ref;
  if (tag.includes(':') && /^[A-Za-z][A-Za-z0-9+._-]*:[0-9a-fA-F]{32,}$/.test(tag)) return { ...ref, tag: undefined, digest: tag };
  if (!new RegExp(`^${TAG}$`).test(tag)) throw new InvalidArgumentError(`invalid tag format: ${tag}`);
  return { ...ref, tag };
}

/** Go's path.Match glob for Docker's `reference` filter (`*`, `?`, `[...]`; `*` does not cross `/`). */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      const body = pattern.slice(i + 1, end).replace(/^\^/, '!');
      re += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
