import { createReadStream, type Stats } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Header, Pack } from 'tar-stream';

/**
 * A regular file into `pack` (docker cp's archive.ts and a layer's layer-tar.ts): its content, or a hard link
 * to the name its inode was first packed under (`inodes`, by dev:ino), as Docker's tar writer does.
 */
export async function packRegularFile(pack: Pack, hostPath: string, st: Stats, base: Partial<Header> & { name: string }, inodes: Map<string, string>): Promise<void> {
  const key = `${st.dev}:${st.ino}`;
  const first = st.nlink > 1 ? inodes.get(key) : undefined;
  if (first !== undefined) {
    await new Promise<void>((resolve, reject) => pack.entry({ ...base, type: 'link', linkname: first }, (err) => (err ? reject(err) : resolve())));
    return;
  }
  inodes.set(key, base.name);
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ ...base, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()));
    pipeline(createReadStream(hostPath), sink).catch(reject);
  });
}
