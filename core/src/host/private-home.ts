import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The home's own mode, as dockerd's data root (/var/lib/docker is drwx--x---): only root (and the home's
 * group, which may traverse to a socket placed there but list nothing) gets in. That alone keeps a local
 * user from running, through its host path, a setuid binary made inside a container, or from reading a
 * volume, a log or the state database.
 */
export const HOME_MODE = 0o710;
/** Every directory directly in the home (containers, volumes, images, backends, plugins), as dockerd's image/, plugins/, tmp/. */
export const PRIVATE_DIR_MODE = 0o700;
/** Every file directly in the home: the state database and its -wal/-shm, as dockerd's metadata.db. */
export const PRIVATE_FILE_MODE = 0o600;

/** The core's directories in the home, made private up front since some are created only on first use. */
const CORE_DIRS = ['containers', 'volumes', 'images', 'backends', 'plugins'];

/**
 * Creates the home private, or tightens an existing one (homes made before this were 0755 with 0644
 * files): the home 0710, the directories in it 0700, its files 0600. Sockets keep their mode (0660, so
 * the socket's group can still use one placed in the home) and symlinks are not followed. What lies
 * deeper keeps the modes it needs (a container's root dir, a volume's _data), since no one but root
 * reaches it. Run once at boot, and again once plugins have made their files (the store's database).
 */
export function makeHomePrivate(home: string): void {
  mkdirSync(home, { recursive: true });
  chmodSync(home, HOME_MODE);
  for (const dir of CORE_DIRS) mkdirSync(join(home, dir), { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const name of readdirSync(home)) {
    const path = join(home, name);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue; // removed meanwhile
    }
    if (st.isDirectory() && (st.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(path, PRIVATE_DIR_MODE);
    else if (st.isFile() && (st.mode & 0o777) !== PRIVATE_FILE_MODE) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
