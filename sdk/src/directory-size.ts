import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of the files under `dir`, a hard-linked file counted once (dockerd's directory.Size). */
export async function directorySize(dir: string): Promise<number> {
  const inodes = new Set<number>();
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path).catch(() => undefined);
    if (!st) return;
    if (st.isDirectory()) {
      for (const child of await readdir(path).catch(() => [] as string[])) await walk(join(path, child));
      return;
    }
    if (st.nlink > 1) {
      if (inodes.has(st.ino)) return;
      inodes.add(st.ino);
    }
    total += st.size;
  };
  await walk(dir);
  return total;
}
