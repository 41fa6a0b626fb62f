import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The home's mode, as dockerd's data root (drwx--x---): only root gets in, its group only traverses to a socket there.
 * So no local user runs a container-made setuid binary through its host path, or reads a volume, a log or the database.
 */
export const HOME_MODE = 0o710;
/** Every directory directly in the home (containers, volumes, images, backends, plugins), as dockerd's image/, plugins/, tmp/. */
export const PRIVATE_DIR_MODE = 0o700;
/** Every file directly in the home: the state database and its -wal/-shm, as dockerd's metadata.db. */
export const PRIVATE_FILE_MODE = 0o600;

/** The core's directories in the home, made private up front since some are created only on first use. */
const CORE_DIRS = ['containers', 'volumes', 'images', 'backends', 'plugins'];

/**
 * Makes the home private or tightens it: 0710, its dirs 0700, its files 0600; sockets keep 0660, symlinks are not
 * followed, deeper paths keep their modes (root alone reaches them). At boot, and again once plugins made their files.
 */
export function makeHomePrivate(home: string): void {
  mkdirSync(home, { recursive: true });
  chmodSync(home, HOME_MODE);
  for (const dir of CORE_DIRS) mkdirSync(join(home, dir), { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const name of readdirSync(home)) {
    const path = join(home, name);
    let st;
    try { st = lstatSync(path); } catch { continue; /* removed meanwhile */ }
    if (st.isDirectory() && (st.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(path, PRIVATE_DIR_MODE);
    else if (st.isFile() && (st.mode & 0o777) !== PRIVATE_FILE_MODE) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
