import { posix } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import type Docker from 'dockerode';
import { extract, pack } from 'tar-stream';
import type { TraceStream } from './trace';

interface Entry { name: string; data: Buffer; dir: boolean; mode: number }

/** Reads a tar stream's regular files and directories (what `GET /containers/{id}/archive` answers). */
async function tarEntries(stream: NodeJS.ReadableStream, prefix: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const ex = extract();
  ex.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c) => chunks.push(c as Buffer));
    body.on('end', () => {
      if (header.type === 'file' || header.type === 'directory') {
        entries.push({ name: posix.join(prefix, header.name), data: Buffer.concat(chunks), dir: header.type === 'directory', mode: header.mode ?? 0o644 });
      }
      next();
    });
    body.resume();
  });
  await new Promise<void>((resolve, reject) => { ex.on('finish', resolve); ex.on('error', reject); stream.pipe(ex); });
  return entries;
}

/**
 * The job's `artifacts:paths` from the build container as one zip (GitLab's `archive` artifact), or undefined
 * when none of them exists; a missing path is a warning in the trace, as GitLab Runner writes it.
 */
export async function collectArtifacts(build: Docker.Container, projectDir: string, paths: string[], trace: TraceStream): Promise<Buffer | undefined> {
  const entries: Entry[] = [];
  for (const p of paths) {
    const clean = posix.normalize(p).replace(/\/$/, '');
    if (clean.startsWith('..')) { trace.write(`WARNING: ${p}: not under the project directory\n`); continue; }
    try {
      const stream = await build.getArchive({ path: posix.join(projectDir, clean) });
      entries.push(...await tarEntries(stream, posix.dirname(clean) === '.' ? '' : posix.dirname(clean)));
    } catch {
      trace.write(`WARNING: ${p}: no matching files\n`);
    }
  }
  if (!entries.length) return undefined;
  trace.write(`Uploading artifacts: ${entries.filter((e) => !e.dir).length} files\n`);
  return zipStore(entries);
}

/** A zip of `entries`, stored (no compression): local headers, then the central directory (PKWARE APPNOTE 4.3). */
export function zipStore(entries: Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.dir ? `${e.name.replace(/\/$/, '')}/` : e.name);
    const data = e.dir ? Buffer.alloc(0) : e.data;
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6); local.writeUInt16LE(0, 8);
    local.writeUInt32LE(0, 10); local.writeUInt32LE(crc, 14); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26); local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(0x031e, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10); central.writeUInt32LE(0, 12); central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24); central.writeUInt16LE(name.length, 28); central.writeUInt16LE(0, 30); central.writeUInt16LE(0, 32);
    central.writeUInt16LE(0, 34); central.writeUInt16LE(0, 36);
    // Unix mode in the high half of the external attributes, so unzip keeps the file's permissions.
    central.writeUInt32LE((((e.dir ? 0o040000 : 0o100000) | (e.mode & 0o7777)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** The entries of a zip (stored or deflated), from its central directory (PKWARE APPNOTE 4.3.12, 4.3.16). */
export function unzip(zip: Buffer): Entry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('not a zip: bad central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const unixMode = zip.readUInt32LE(at + 38) >>> 16;
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + compressed);
    if (method !== 0 && method !== 8) throw new Error(`zip entry ${name}: compression method ${method} is not supported`);
    const dir = name.endsWith('/');
    entries.push({ name: name.replace(/\/$/, ''), data: dir ? Buffer.alloc(0) : method === 8 ? inflateRawSync(raw) : Buffer.from(raw), dir, mode: (unixMode & 0o7777) || (dir ? 0o755 : 0o644) });
  }
  return entries;
}

/** Extracts a dependency's archive into the project dir of the build container (through the archive API). */
export async function extractInto(build: Docker.Container, projectDir: string, zip: Buffer): Promise<number> {
  const entries = unzip(zip).filter((e) => !posix.normalize(e.name).startsWith('..') && !posix.isAbsolute(e.name));
  const tar = pack();
  for (const e of entries) {
    if (e.dir) tar.entry({ name: e.name, type: 'directory', mode: e.mode });
    else tar.entry({ name: e.name, type: 'file', mode: e.mode }, e.data);
  }
  tar.finalize();
  await build.putArchive(tar as unknown as NodeJS.ReadableStream, { path: projectDir });
  return entries.filter((e) => !e.dir).length;
}
