import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { asTarInputError, InvalidArgumentError } from '@sockerless/sdk';
import { decompressIfNeeded } from '@sockerless/sdk/images';
import { hexOf, sha256Digest, type BlobStore } from './blob-store';
import type { Platform } from './pull';
import { MEDIA_TYPES } from './registry-client';
import { safeRelativePath } from '@sockerless/sdk/images';
import { canonicalName, canonicalTagKey, familiarName, familiarString, parseReference, type ImageReference } from '@sockerless/sdk/images';

/**
 * The `docker save` / `docker load` tarball. We write what Docker 25+ writes: an OCI image layout
 * (`oci-layout`, `index.json`, `blobs/sha256/...`) plus the classic `manifest.json` and `repositories`, so
 * both old Docker (20.10 reads only manifest.json) and OCI tools can load it. We read either form.
 */

export interface SaveItem {
  configDigest: string;
  /** Uncompressed layer digests (= diff_ids = our blob names). */
  layers: string[];
  /** Canonical `docker.io/library/busybox:latest` refs with their familiar forms. */
  tags: { canonical: string; familiar: string; familiarName: string; tag: string }[];
}

/**
 * Adds the tags `docker save NAME` writes for an image: the asked tag, or every tag of a bare repository
 * name (`docker save busybox`); nothing for an id or a digest.
 */
export function addSaveTags(item: SaveItem, repoTags: string[], asked: ImageReference | undefined): void {
  if (!asked || asked.digest) return;
  const wanted = asked.tag ? [asked] : repoTags.map(parseReference).filter((t) => canonicalName(t) === canonicalName(asked));
  for (const t of wanted) {
    if (item.tags.some((x) => x.canonical === canonicalTagKey(t))) continue;
    item.tags.push({ canonical: canonicalTagKey(t), familiar: familiarString(t), familiarName: familiarName(t), tag: t.tag! });
  }
}

export function writeDockerArchive(items: SaveItem[], blobs: BlobStore): Readable {
  const pack = tar.pack();
  const mtime = new Date();
  const addBytes = (name: string, bytes: Buffer) => new Promise<void>((resolve, reject) => {
    pack.entry({ name, size: bytes.length, mode: 0o644, mtime }, bytes, (err) => (err ? reject(err) : resolve()));
  });
  const addFile = (name: string, path: string, size: number) => new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ name, size, mode: 0o644, mtime }, (err) => (err ? reject(err) : resolve()));
    const src = createReadStream(path);
    src.on('error', (err) => entry.destroy(err));
    // When the client goes, pack and so this entry are destroyed: a Node pipe into a streamx writable re-emits
    // that error on the entry, which with no listener of its own would reach the process.
    entry.on('error', () => src.destroy());
    src.pipe(entry);
  });

  (async () => {
    const written = new Set<string>();
    const manifestJson: unknown[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    const indexEntries: unknown[] = [];
    for (const dir of ['blobs/', 'blobs/sha256/']) pack.entry({ name: dir, type: 'directory', mode: 0o755, mtime });
    const addBlob = async (digest: string) => {
      if (written.has(digest)) return;
      written.add(digest);
      await addFile(`blobs/sha256/${hexOf(digest)}`, blobs.path(digest), blobs.size(digest));
    };
    for (const item of items) {
      await addBlob(item.configDigest);
      for (const layer of item.layers) await addBlob(layer);
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: item.configDigest, size: blobs.size(item.configDigest) },
        layers: item.layers.map((d) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d, size: blobs.size(d) })),
      }));
      const manifestDigest = sha256Digest(manifest);
      if (!written.has(manifestDigest)) {
        written.add(manifestDigest);
        await addBytes(`blobs/sha256/${hexOf(manifestDigest)}`, manifest);
      }
      const descriptor = { mediaType: MEDIA_TYPES.ociManifest, digest: manifestDigest, size: manifest.length };
      if (item.tags.length === 0) indexEntries.push(descriptor);
      for (const t of item.tags) {
        indexEntries.push({ ...descriptor, annotations: { 'io.containerd.image.name': t.canonical, 'org.opencontainers.image.ref.name': t.tag } });
        if (item.layers.length) (repositories[t.familiarName] ??= {})[t.tag] = hexOf(item.layers[item.layers.length - 1]);
      }
      manifestJson.push({
        Config: `blobs/sha256/${hexOf(item.configDigest)}`,
        RepoTags: item.tags.length ? item.tags.map((t) => t.familiar) : null,
        Layers: item.layers.map((d) => `blobs/sha256/${hexOf(d)}`),
      });
    }
    await addBytes('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: indexEntries })));
    await addBytes('manifest.json', Buffer.from(JSON.stringify(manifestJson)));
    await addBytes('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    if (Object.keys(repositories).length) await addBytes('repositories', Buffer.from(JSON.stringify(repositories)));
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  // A client that goes away mid-download destroys the Readable, which throws into pack's iterator; pack then
  // emits 'error', which with no listener would reach the process. The consumer has already seen the failure.
  pack.on('error', () => undefined);
  // tar-stream streams are streamx streams; koa and Node's pipes want a Node Readable.
  return Readable.from(pack, { objectMode: false });
}

export interface ArchiveImage {
  configBytes: Buffer;
  /** Files inside the extracted archive, maybe gzip-compressed (OCI layouts often are). */
  layerPaths: string[];
  /** References as the archive names them (`busybox:latest`, `docker.io/library/busybox:latest`). */
  tags: string[];
}

/**
 * Extracts a `docker save` tar (maybe gzip-compressed) into `workDir` and lists its images. Paths in the
 * archive's JSON are resolved inside `workDir` only; old Docker archives symlink duplicate layers.
 */
export async function readDockerArchive(source: AsyncIterable<Buffer>, workDir: string, platform: Platform): Promise<ArchiveImage[]> {
  const links = await extractPlain(source, workDir);
  const open = (rel: string) => resolveInside(workDir, rel, links);
  if (existsSync(join(workDir, 'manifest.json'))) {
    const entries = readJson(open('manifest.json')) as { Config: string; RepoTags?: string[] | null; Layers?: string[] }[];
    if (!Array.isArray(entries)) throw new InvalidArgumentError('invalid archive: manifest.json is not a list');
    return entries.map((e) => ({
      configBytes: readFileSync(open(e.Config)),
      layerPaths: (e.Layers ?? []).map(open),
      tags: e.RepoTags ?? [],
    }));
  }
  if (existsSync(join(workDir, 'index.json'))) return readOciLayout(workDir, platform, open);
  throw new InvalidArgumentError('invalid archive: it has neither manifest.json (docker save) nor index.json (OCI layout)');
}

/** An OCI image layout: index.json -> (nested index ->) manifests -> config + layers, names from annotations. */
function readOciLayout(workDir: string, platform: Platform, open: (rel: string) => string): ArchiveImage[] {
  const blobPath = (digest: string) => open(`blobs/${digest.replace(':', '/')}`);
  const out: ArchiveImage[] = [];
  const visit = (descriptors: any[], inheritedName: string | undefined) => {
    const forPlatform = descriptors.filter((d) => !d.platform || (d.platform.os === platform.os && d.platform.architecture === platform.architecture));
    for (const d of forPlatform) {
      const name = d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name'] ?? inheritedName;
      const doc = readJson(blobPath(d.digest));
      if (Array.isArray(doc.manifests)) {
        visit(doc.manifests, name);
        continue;
      }
      if (!doc.config?.digest) continue;
      out.push({
        configBytes: readFileSync(blobPath(doc.config.digest)),
        layerPaths: (doc.layers ?? []).map((l: { digest: string }) => blobPath(l.digest)),
        // A bare `latest` names no repository; such an image loads untagged.
        tags: name && /[/:]/.test(name) ? [name] : [],
      });
    }
  };
  visit(readJson(join(workDir, 'index.json')).manifests ?? [], undefined);
  return out;
}

function readJson(path: string): any {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InvalidArgumentError(`invalid archive: cannot read ${posix.basename(path)}: ${(err as Error).message}`);
  }
}

/**
 * Writes regular files and directories only, never outside `dir`. Symlinks are not created on disk (so no
 * later path can travel through one); they are returned as archive path -> target for resolveInside.
 */
async function extractPlain(source: AsyncIterable<Buffer>, dir: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const extract = tar.extract();
  const input = Readable.from(decompressIfNeeded(source), { objectMode: false });
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    await extractEntries(extract, dir, links);
  } catch (err) {
    throw asTarInputError(err);
  }
  return links;
}

async function extractEntries(extract: tar.Extract, dir: string, links: Map<string, string>): Promise<void> {
  for await (const entry of extract) {
    const rel = safeRelativePath(entry.header.name);
    const abs = join(dir, rel);
    if (rel && entry.header.type === 'directory') mkdirSync(abs, { recursive: true });
    else if (rel && entry.header.type === 'file') {
      mkdirSync(dirname(abs), { recursive: true });
      await pipeline(async function* () { yield* entry as AsyncIterable<Buffer>; }, createWriteStream(abs));
      continue;
    } else if (rel && (entry.header.type === 'symlink' || entry.header.type === 'link') && entry.header.linkname) {
      // Hardlink names are archive paths; symlink targets are relative to the link's directory.
      links.set(rel, entry.header.type === 'link' ? `/${entry.header.linkname}` : entry.header.linkname);
    }
    entry.resume();
  }
}

/** Resolves an archive path inside `root`, following the archive's own links without leaving it. */
function resolveInside(root: string, rel: string, links: Map<string, string>): string {
  let current = safeRelativePath(rel);
  for (let hops = 0; hops < 16; hops++) {
    const target = links.get(current);
    if (target === undefined) return join(root, current);
    current = safeRelativePath(target.startsWith('/') ? target : posix.join(posix.dirname(current), target));
  }
  throw new InvalidArgumentError(`invalid archive: too many symlinks at ${rel}`);
}
