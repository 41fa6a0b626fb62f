import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError, type IngestedLayer, type LayerIngestOptions } from '@sockerless/sdk';
import { decompressIfNeeded } from '@sockerless/sdk/images';

/**
 * Content-addressed files under `home/images/blobs/sha256/<hex>`: image configs (the exact bytes whose hash
 * is the image id) and layers, always kept *uncompressed* so that a layer's blob digest is its diff_id.
 * That makes `docker save` a plain copy (Docker's load checks diff_ids) and unpacking needs no gunzip.
 * Every write goes to `tmp/` first and is renamed into place, so a crash never leaves a partial blob.
 */
export class BlobStore {
  readonly blobsDir: string;
  readonly tmpDir: string;
  /**
   * `<diff_id hex>`: the gzip forms of a layer seen in registries (`sha256:<digest> <size> [<repository>]`
   * per line), as dockerd's distribution metadata keeps them, so a push finds the blob a registry already
   * has, or mounts it from the repository it came from.
   */
  private readonly compressedDir: string;

  constructor(imagesDir: string) {
    this.blobsDir = join(imagesDir, 'blobs', 'sha256');
    this.tmpDir = join(imagesDir, 'tmp');
    this.compressedDir = join(imagesDir, 'blobs', 'compressed');
  }

  /** Creates the folders and drops what an interrupted write left in `tmp/`. */
  init(): void {
    mkdirSync(this.blobsDir, { recursive: true });
    mkdirSync(this.compressedDir, { recursive: true });
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  path(digest: string): string {
    return join(this.blobsDir, hexOf(digest));
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    return statSync(this.path(digest)).size;
  }

  /** All stored digests, for garbage collection. */
  digests(): string[] {
    return readdirSync(this.blobsDir).map((hex) => `sha256:${hex}`);
  }

  read(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  async remove(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
    await rm(join(this.compressedDir, hexOf(digest)), { force: true });
  }

  /** The gzip forms of layer `diffId` known so far, most recent first. */
  async compressedOf(diffId: string): Promise<CompressedForm[]> {
    const text = await readFile(join(this.compressedDir, hexOf(diffId)), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((line) => {
      const [digest, size, repository] = line.split(' ');
      return { digest, size: Number(size), ...(repository ? { repository } : {}) };
    });
  }

  /** Records that `form` (a registry blob) unpacks to layer `diffId`; written whole, then renamed. */
  async rememberCompressed(diffId: string, form: CompressedForm): Promise<void> {
    const known = (await this.compressedOf(diffId)).filter((f) => f.digest !== form.digest || f.repository !== form.repository);
    const tmp = this.tempPath();
    await writeFile(tmp, [form, ...known].slice(0, 16).map((f) => `${f.digest} ${f.size}${f.repository ? ` ${f.repository}` : ''}\n`).join(''));
    await rename(tmp, join(this.compressedDir, hexOf(diffId)));
  }

  /** Stores small content (configs, manifests); returns its digest. */
  async putBytes(bytes: Buffer): Promise<string> {
    const digest = sha256Digest(bytes);
    if (!this.has(digest)) {
      const tmp = this.tempPath();
      await writeFile(tmp, bytes);
      await rename(tmp, this.path(digest));
    }
    return digest;
  }

  /** A fresh path inside `tmp/` (same filesystem as the blobs, so rename is atomic). */
  tempPath(): string {
    return join(this.tmpDir, randomBytes(8).toString('hex'));
  }

  /**
   * Stores a layer from a (maybe gzip-compressed) tar stream, uncompressed, under its diff_id. When
   * `expectedDigest` is given the raw bytes must hash to it (a registry blob); when `expectedDiffId` is
   * given the uncompressed bytes must hash to it (a config's rootfs.diff_ids entry).
   */
  async ingestLayer(source: AsyncIterable<Buffer> | Readable, opts: LayerIngestOptions = {}): Promise<IngestedLayer> {
    const rawHash = createHash('sha256');
    const diffHash = createHash('sha256');
    let rawBytes = 0;
    let size = 0;
    const tmp = this.tempPath();
    try {
      await pipeline(
        source,
        async function* tapRaw(chunks: AsyncIterable<any>) {
          for await (const chunk of chunks) {
            rawHash.update(chunk);
            rawBytes += chunk.length;
            opts.onRawBytes?.(rawBytes);
            yield chunk;
          }
        },
        (chunks: AsyncIterable<any>) => decompressIfNeeded(chunks),
        async function* tapDiff(chunks: AsyncIterable<any>) {
          for await (const chunk of chunks) {
            diffHash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
      const rawDigest = `sha256:${rawHash.digest('hex')}`;
      const diffId = `sha256:${diffHash.digest('hex')}`;
      if (opts.expectedDigest && opts.expectedDigest !== rawDigest) {
        throw new Error(`filesystem layer verification failed for digest ${opts.expectedDigest}: got ${rawDigest}`);
      }
      if (opts.expectedDiffId && opts.expectedDiffId !== diffId) {
        throw new Error(`layer's diffID mismatch: expected ${opts.expectedDiffId}, got ${diffId}`);
      }
      if (this.has(diffId)) await rm(tmp, { force: true });
      else await rename(tmp, this.path(diffId));
      if (rawDigest !== diffId) await this.rememberCompressed(diffId, { digest: rawDigest, size: rawBytes, repository: opts.repository });
      return { diffId, size, rawDigest, rawBytes };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}

export interface CompressedForm {
  digest: string;
  size: number;
  /** `127.0.0.1:5000/tools/bb`: where the blob was pulled from or pushed to. */
  repository?: string;
}

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function hexOf(digest: string): string {
  const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest;
  if (!/^[a-f0-9]{64}$/.test(hex)) throw new InvalidArgumentError(`invalid digest: ${digest}`);
  return hex;
}
