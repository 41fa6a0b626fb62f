import { posix } from 'node:path';
import { crc32 } from 'node:zlib';
import type Docker from 'dockerode';
import { extract } from 'tar-stream';
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
