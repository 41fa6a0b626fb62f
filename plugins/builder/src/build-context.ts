import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { InvalidArgumentError } from '@sockerless/sdk';
import { decompressIfNeeded } from '@sockerless/sdk/images';
import { applyLayer, resolveInRoot, safeRelativePath } from '@sockerless/sdk/images';
import { isIgnored, parseDockerignore } from './dockerignore';

/** A build's context, unpacked on disk, and its Dockerfile's text. */
export interface BuildContext {
  dir: string;
  dockerfileName: string;
  dockerfile: string;
  dispose(): Promise<void>;
}

/**
 * Unpacks the request body (a tar, plain or gzip/bzip2/xz as dockerd's DecompressStream reads it; we read
 * plain and gzip) into a fresh directory under `workRoot`, finds the Dockerfile (`dockerfile`, default
 * `Dockerfile`, else `dockerfile` as dockerd falls back), then applies `.dockerignore`.
 *
 * dockerd itself only drops `.dockerignore` and the Dockerfile when they are ignored (the CLI leaves the other
 * ignored files out of the tar it sends); we also drop every other ignored file, so a client that sends the
 * whole directory (dockerode with a plain tar, compose's API path) gets what `docker build` would copy.
 */
export async function receiveContext(body: AsyncIterable<Buffer>, workRoot: string, dockerfilePath: string | undefined): Promise<BuildContext> {
  mkdirSync(workRoot, { recursive: true });
  const dir = join(workRoot, `context-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { mode: 0o700 });
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await applyLayer(Readable.from(paddedTar(decompressIfNeeded(body))), dir);
    const requested = dockerfilePath || 'Dockerfile';
    // Resolved inside the context: a symlinked Dockerfile or directory never reads a file of the host.
    let name = safeRelativePath(requested);
    if (!resolveInRoot(dir, name) && requested === 'Dockerfile' && resolveInRoot(dir, 'dockerfile')) name = 'dockerfile';
    const file = name ? resolveInRoot(dir, name) : undefined;
    if (!file || !lstatSync(file).isFile()) throw new InvalidArgumentError(`Cannot locate specified Dockerfile: ${requested}`);
    const dockerfile = readFileSync(file, 'utf8');
    applyDockerignore(dir);
    return { dir, dockerfileName: name, dockerfile, dispose };
  } catch (err) {
    await dispose();
    // A gzip stream that is not one (zlib's Z_* codes) is the client's mistake, like a bad tar.
    if (String((err as { code?: unknown }).code ?? '').startsWith('Z_')) throw new InvalidArgumentError(`invalid build context: ${(err as Error).message}`);
    throw err;
  }
}

/**
 * The docker CLI's context for `-f` outside the context (its dockerfile added under `.dockerfile.<random>`)
 * ends right after the added file's bytes, without the block padding and the end-of-archive blocks; Go's tar
 * reader takes that, so the stream is completed here: padded to a block, then two zero blocks.
 */
async function* paddedTar(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    yield chunk;
  }
  yield Buffer.alloc(((512 - (total % 512)) % 512) + 1024);
}

function applyDockerignore(dir: string): void {
  const ignoreFile = resolveInRoot(dir, '.dockerignore');
  if (!ignoreFile || !lstatSync(ignoreFile).isFile()) return;
  const patterns = parseDockerignore(readFileSync(ignoreFile, 'utf8'));
  if (patterns.length === 0) return;
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = rel ? posix.join(rel, name) : name;
      const abs = join(dir, path);
      if (isIgnored(path, patterns)) {
        // An exception below an ignored directory (`!dir/keep`) keeps that part of the directory.
        if (lstatSync(abs).isDirectory() && patterns.some((p) => p.exclusion)) {
          walk(path);
          if (readdirSync(abs).length === 0) rmSync(abs, { recursive: true, force: true });
        } else {
          rmSync(abs, { recursive: true, force: true });
        }
      } else if (lstatSync(abs).isDirectory()) {
        walk(path);
      }
    }
  };
  walk('');
}
