import {
  canonicalDigestKey, canonicalName, canonicalTagKey, familiarString, isFullImageId, parseReference, withDefaultTag,
  type ImageReference,
} from '@sockerless/sdk/images';

/**
 * The in-memory name -> image id maps behind `resolve` (the hot path of every `docker run`): O(1) lookups by
 * canonical `name:tag` and `name@digest`, plus a scan for id prefixes only when no name matched.
 */
export class ReferenceIndex {
  private readonly byTag = new Map<string, string>();
  private readonly byDigest = new Map<string, string>();

  /** Records a stored familiar ref (`busybox:latest` or `bb@sha256:...`) as pointing at `imageId`. */
  set(ref: ImageReference, imageId: string): void {
    if (ref.digest) this.byDigest.set(canonicalDigestKey(ref), imageId);
    else this.byTag.set(canonicalTagKey(ref), imageId);
  }

  delete(ref: ImageReference): void {
    if (ref.digest) this.byDigest.delete(canonicalDigestKey(ref));
    else this.byTag.delete(canonicalTagKey(ref));
  }

  /** The image a name currently points at. */
  get(ref: ImageReference): string | undefined {
    return ref.digest ? this.byDigest.get(canonicalDigestKey(ref)) : this.byTag.get(canonicalTagKey(ref));
  }

  /** Any image tagged in `ref`'s repository (`docker save busybox` when there is no busybox:latest). */
  anyTagOf(ref: ImageReference): string | undefined {
    const prefix = `${canonicalName(ref)}:`;
    for (const [key, id] of this.byTag) if (key.startsWith(prefix)) return id;
    return undefined;
  }

  /**
   * Resolves a user-given reference the way Docker's GetImage does: a full id, then a name (tag or digest),
   * then a unique id prefix. `via` says whether a name or an id matched (image removal differs on that).
   */
  lookup(raw: string, ids: () => Iterable<string>, has: (id: string) => boolean): LookupResult {
    if (isFullImageId(raw)) {
      const id = raw.startsWith('sha256:') ? raw : `sha256:${raw}`;
      return { id: has(id) ? id : undefined, via: 'id', shown: id };
    }
    let parsed: ImageReference | undefined;
    try {
      parsed = parseReference(raw);
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      const id = this.get(parsed.digest ? parsed : withDefaultTag(parsed));
      if (id && has(id)) return { id, via: 'name', ref: parsed, shown: familiarString(withDefaultTag(parsed)) };
    }
    const hex = raw.startsWith('sha256:') ? raw.slice(7) : raw;
    if (/^[a-f0-9]+$/.test(hex)) {
      let found: string | undefined;
      for (const id of ids()) {
        if (!id.startsWith(`sha256:${hex}`)) continue;
        if (found) return { id: undefined, via: 'id', shown: raw };
        found = id;
      }
      if (found) return { id: found, via: 'id', shown: raw };
    }
    return { id: undefined, via: parsed ? 'name' : 'id', ref: parsed, shown: parsed ? familiarString(withDefaultTag(parsed)) : raw };
  }
}

export interface LookupResult {
  id: string | undefined;
  via: 'name' | 'id';
  ref?: ImageReference;
  /** How Docker names the reference in `No such image: ...`. */
  shown: string;
}

/** Whether refs (familiar strings) name at most one tag and a single repository (Docker's isSingleReference). */
export function isSingleReference(refs: ImageReference[]): boolean {
  const tags = refs.filter((r) => !r.digest);
  if (tags.length > 1) return false;
  return new Set(refs.map(canonicalName)).size <= 1;
}
