import { InvalidArgumentError, type HistoryItemJson, type ImageRecord, type ImageSummaryJson } from '@sockerless/sdk';
import { matchesLabelFilters, untilSeconds } from '@sockerless/sdk/images';
import type { ContainerDefaults, ImageConfig } from '@sockerless/sdk/images';
import { familiarName, globToRegExp, parseReference } from '@sockerless/sdk/images';

/** Docker's wire shapes for images (v1.56 ImageSummary, ImageInspect, HistoryResponseItem) and list filters. */

export function labelsOf(rec: ImageRecord): Record<string, string> {
  return rec.config.config?.Labels ?? {};
}

/** Seconds since the epoch of an RFC 3339 time (Go writes nanoseconds; Date.parse copes); 0 when absent. */
export function unixSeconds(rfc3339: string | undefined): number {
  const ms = rfc3339 ? Date.parse(rfc3339) : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

export function summaryOf(rec: ImageRecord, repoTags = rec.repoTags): ImageSummaryJson {
  return {
    Id: rec.id,
    ParentId: rec.parent ?? '',
    RepoTags: repoTags,
    RepoDigests: rec.repoDigests,
    Created: unixSeconds(rec.created),
    Size: rec.size,
    // Docker reports -1 for both unless the client asks for the (costly) counts.
    SharedSize: -1,
    Labels: labelsOf(rec),
    Containers: -1,
  };
}

/** The image's container defaults as `Config` shows them; absent lists are omitted, as the spec allows. */
export function configView(c: ContainerDefaults | undefined): Record<string, unknown> {
  const src = c ?? {};
  const out: Record<string, unknown> = { User: src.User ?? '', Env: src.Env ?? [], WorkingDir: src.WorkingDir ?? '', Labels: src.Labels ?? {} };
  for (const key of ['Cmd', 'Entrypoint', 'ExposedPorts', 'Volumes', 'Healthcheck', 'StopSignal', 'OnBuild', 'Shell', 'ArgsEscaped'] as const) {
    if (src[key] !== undefined && src[key] !== null) out[key] = src[key];
  }
  return out;
}

export function inspectOf(rec: ImageRecord, rootfs: string | undefined): Record<string, unknown> {
  const cfg: ImageConfig = rec.config;
  return {
    Id: rec.id,
    RepoTags: rec.repoTags,
    RepoDigests: rec.repoDigests,
    Parent: rec.parent ?? '',
    Comment: cfg.comment ?? '',
    ...(cfg.created ? { Created: cfg.created } : {}),
    DockerVersion: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Config: configView(cfg.config),
    Architecture: cfg.architecture ?? '',
    ...(cfg.variant ? { Variant: cfg.variant } : {}),
    Os: cfg.os ?? 'linux',
    Size: rec.size,
    GraphDriver: { Name: 'vfs', Data: rootfs ? { RootDir: rootfs } : {} },
    RootFS: { Type: 'layers', Layers: rec.layers },
    Metadata: rec.lastTagTime ? { LastTagTime: rec.lastTagTime } : {},
  };
}

/** Newest first, as Docker's ImageHistory: one row per history entry, sizes from the non-empty layers. */
export function historyOf(rec: ImageRecord, layerSize: (diffId: string) => number, imageById: (id: string) => ImageRecord | undefined = () => undefined): HistoryItemJson[] {
  const entries = rec.config.history?.length
    ? rec.config.history
    : rec.layers.map(() => ({ created: rec.created, created_by: '', comment: '', empty_layer: false }));
  let layer = 0;
  const rows = entries.map((h) => {
    const size = !h.empty_layer && layer < rec.layers.length ? layerSize(rec.layers[layer++]) : 0;
    return { Id: '<missing>', Created: unixSeconds(h.created), CreatedBy: h.created_by ?? '', Tags: [] as string[], Size: size, Comment: h.comment ?? '' };
  }).reverse();
  if (rows.length === 0) rows.push({ Id: '<missing>', Created: unixSeconds(rec.created), CreatedBy: '', Tags: [], Size: 0, Comment: '' });
  // As dockerd: the rows from the top carry the ids and tags of the image and its parents (a build's chain);
  // where the chain ends (an image pulled, loaded or imported) the rows below stay `<missing>`.
  let image: ImageRecord | undefined = rec;
  for (const row of rows) {
    if (!image) break;
    row.Id = image.id;
    row.Tags = image.repoTags;
    image = image.parent ? imageById(image.parent) : undefined;
  }
  return rows;
}

/**
 * Docker's `GET /images/json` filters. `resolveCreated` turns a `before`/`since` image reference into its
 * creation time. Returns each kept image with the RepoTags the `reference` filter let through.
 */
export function filterImages(
  all: ImageRecord[], filters: Map<string, string[]>, resolveCreated: (ref: string) => number,
): { rec: ImageRecord; repoTags: string[] }[] {
  const dangling = boolFilter(filters.get('dangling'), 'dangling');
  const before = filters.get('before')?.map(resolveCreated);
  const since = filters.get('since')?.map(resolveCreated);
  const until = filters.get('until')?.map(untilSeconds);
  const patterns = filters.get('reference')?.map(globToRegExp);
  const out: { rec: ImageRecord; repoTags: string[] }[] = [];
  for (const rec of all) {
    const created = unixSeconds(rec.created);
    const isDangling = rec.repoTags.length === 0 && rec.repoDigests.length === 0;
    if (dangling !== undefined && dangling !== isDangling) continue;
    if (before && !before.every((t) => created < t)) continue;
    if (since && !since.every((t) => created > t)) continue;
    if (until && !until.every((t) => created < t)) continue;
    if (!matchesLabelFilters(labelsOf(rec), filters.get('label'))) continue;
    if (filters.get('label!')?.some((f) => matchesLabelFilters(labelsOf(rec), [f]))) continue;
    let repoTags = rec.repoTags;
    if (patterns) {
      repoTags = rec.repoTags.filter((t) => patterns.some((p) => p.test(t) || p.test(familiarName(parseReference(t)))));
      const digestHit = rec.repoDigests.some((d) => patterns.some((p) => p.test(d) || p.test(familiarName(parseReference(d)))));
      if (repoTags.length === 0 && !digestHit) continue;
    }
    out.push({ rec, repoTags });
  }
  return out;
}

export function boolFilter(values: string[] | undefined, name: string): boolean | undefined {
  if (!values?.length) return undefined;
  const v = values[values.length - 1].toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidArgumentError(`invalid filter '${name}=${values[values.length - 1]}'`);
}

/** `docker image prune`'s filters (dangling unless `dangling=false`, label, label!, until), validated up front. */
export function pruneFilter(filters: Map<string, string[]>): (rec: ImageRecord) => boolean {
  const danglingOnly = boolFilter(filters.get('dangling'), 'dangling') ?? true;
  const until = filters.get('until')?.map(untilSeconds);
  return (rec) => {
    if (danglingOnly && (rec.repoTags.length || rec.repoDigests.length)) return false;
    if (until && !until.every((t) => unixSeconds(rec.created) < t)) return false;
    const labels = labelsOf(rec);
    if (!matchesLabelFilters(labels, filters.get('label'))) return false;
    return !(filters.get('label!') ?? []).some((f) => matchesLabelFilters(labels, [f]));
  };
}
