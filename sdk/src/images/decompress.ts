import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { NotImplementedError } from '../errors';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const BZIP2_MAGIC = [0x42, 0x5a, 0x68];
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

function startsWith(buf: Buffer, magic: number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

/**
 * Passes a tar through, or gunzips it when it starts with gzip's magic bytes (layers and `docker import`
 * bodies come either way). zstd, bzip2 and xz are recognised and refused with a clear message.
 */
export async function* decompressIfNeeded(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 6) {
    const next = await iterator.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  if (startsWith(head, ZSTD_MAGIC)) throw new NotImplementedError('zstd-compressed layers are not supported by Sockerless');
  if (startsWith(head, BZIP2_MAGIC) || startsWith(head, XZ_MAGIC)) {
    throw new NotImplementedError('bzip2- and xz-compressed archives are not supported by Sockerless; use an uncompressed or gzip tar');
  }
  if (!startsWith(head, GZIP_MAGIC)) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  const feeding = pipeline(Readable.from(rest()), gunzip).catch((err: Error) => gunzip.destroy(err));
  for await (const chunk of gunzip) yield chunk as Buffer;
  await feeding;
}
