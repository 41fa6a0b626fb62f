import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';

/** Debian's busybox-static: one static binary that is every applet, so a rootfs needs no libraries. */
export const BUSYBOX_BINARY = process.env.SOCKERLESS_BUSYBOX ?? '/bin/busybox';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'app:x:1000:1000:app:/home/app:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
].join('\n') + '\n';
const GROUP = ['root:x:0:', 'app:x:1000:', 'nogroup:x:65534:'].join('\n') + '\n';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: Buffer | string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Writes a tar built entry by entry (owners and modes as given, nothing taken from the local disk). */
export async function writeTar(path: string, entries: TarEntry[]): Promise<string> {
  const pack = tar.pack();
  const mtime = new Date('2024-01-01T00:00:00Z');
  for (const e of entries) {
    const type = e.type ?? (e.content !== undefined ? 'file' : 'directory');
    const content = e.content === undefined ? undefined : Buffer.from(e.content);
    const header = {
      name: e.name, type, linkname: e.linkname, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime,
      mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      size: content?.length ?? 0,
    };
    if (content) pack.entry(header, content);
    else pack.entry(header);
  }
  pack.finalize();
  const tmp = `${path}.tmp`;
  await pipeline(Readable.from(pack, { objectMode: false }), createWriteStream(tmp));
  renameSync(tmp, path);
  return path;
}

/**
 * A busybox root filesystem as a tarball in `dir` (reused if already built there): /bin/busybox with every
 * applet symlinked next to it, /etc/passwd and /etc/group with root and `app` (1000:1000), /tmp (1777),
 * /root, /home/app (owned by app).
 */
export async function buildBusyboxRootfsTar(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'busybox-rootfs.tar');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(BUSYBOX_BINARY).mtimeMs) return out;
  const applets = execFileSync(BUSYBOX_BINARY, ['--list'], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter((s) => s && s !== 'busybox');
  const entries: TarEntry[] = [
    { name: 'bin/' }, { name: 'etc/' }, { name: 'dev/' }, { name: 'proc/' }, { name: 'sys/' },
    { name: 'usr/' }, { name: 'usr/bin/' }, { name: 'usr/sbin/' }, { name: 'sbin/' }, { name: 'var/' },
    { name: 'tmp/', mode: 0o1777 },
    { name: 'root/', mode: 0o700 },
    { name: 'home/' },
    { name: 'home/app/', uid: 1000, gid: 1000 },
    { name: 'bin/busybox', content: readFileSync(BUSYBOX_BINARY), mode: 0o755 },
    ...applets.map((a): TarEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'etc/passwd', content: PASSWD },
    { name: 'etc/group', content: GROUP },
    { name: 'etc/hostname', content: 'busybox\n' },
  ];
  return writeTar(out, entries);
}

/**
 * A `docker save` archive (classic manifest.json form) of the busybox rootfs as `busybox:latest`, with
 * `CMD ["/bin/sh"]` and a PATH, as `startE2E` imports it: for `docker load`, or for a standalone simulator's
 * `--load` (its image store stands for the cloud's registry). Reused if already built in `dir`.
 */
export async function buildBusyboxImageArchive(dir: string): Promise<string> {
  const out = join(dir, 'busybox-image.tar');
  const layerTar = await buildBusyboxRootfsTar(dir);
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(layerTar).mtimeMs) return out;
  const layer = readFileSync(layerTar);
  const diffId = createHash('sha256').update(layer).digest('hex');
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
  const config = Buffer.from(JSON.stringify({
    architecture: arch, os: 'linux', created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'buildBusyboxImageArchive' }],
  }));
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  const manifest = JSON.stringify([{ Config: configName, RepoTags: ['busybox:latest'], Layers: [`${diffId}/layer.tar`] }]);
  return writeTar(out, [
    { name: configName, content: config },
    { name: `${diffId}/` },
    { name: `${diffId}/layer.tar`, content: layer },
    { name: 'manifest.json', content: manifest },
  ]);
}
