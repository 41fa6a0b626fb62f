import { promises as fs, readFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { ConflictError, resolveInRoot, type Logger, type WorkloadMount } from '@sockerless/sdk';
import type { BusyboxHelper } from './busybox-helper';
import { exists, run } from './util';

/**
 * The container's root filesystem: an overlay of the image's unpacked layers (read-only lower) and the
 * container's own writable layer in its state dir, mounted on the host before the sandbox starts (bwrap
 * 0.8 has no --overlay). Where overlay mounting is refused (not root), a full copy stands in.
 */

export const upperDir = (stateDir: string) => join(stateDir, 'upper');
const workDir = (stateDir: string) => join(stateDir, 'work');
export const mergedDir = (stateDir: string) => join(stateDir, 'merged');
export const copyDir = (stateDir: string) => join(stateDir, 'rootfs');

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Every mount point of this mount namespace, from one read of /proc/self/mountinfo. */
export function mountPoints(): Set<string> {
  let text: string;
  try { text = readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return new Set(); }
  return new Set(text.split('\n').map((line) => unescapeMountPath(line.split(' ')[4] ?? '')));
}

export function isMountPoint(path: string): boolean {
  return mountPoints().has(path);
}

/**
 * Unmounting an overlay waits for the kernel's grace periods (several ms each, one after another: 1,000 roots
 * took seconds one at a time), so the roots are split over UMOUNT_BATCHES umount processes that run at once.
 */
const UMOUNT_BATCHES = 8;

/** Overlay options separate with `,` and `:`; a backslash escapes them in a path. */
const escapeOpt = (p: string) => p.replace(/([\\,:])/g, '\\$1');

/**
 * The containers' overlay roots: mounted on demand, unmounted at remove and at daemon shutdown. Which
 * roots this daemon has mounted is kept in memory, so the hot path never parses /proc/self/mountinfo (one
 * line per mounted container, read again for every create); only a root this process has not mounted yet
 * (a daemon restart) is looked up there.
 */
export class OverlayRoots {
  private readonly mounted = new Set<string>();
  /** Roots whose removal has begun: a copy or a start that comes late must not mount them again. */
  private readonly removing = new Set<string>();
  /** Per root, the mount or removal in progress: an ensure and a removal of one root never interleave. */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly logger: Logger, private readonly mountTool = 'mount', private readonly helper?: BusyboxHelper) {}

  /**
   * Makes sure the container's root exists and is mounted, and returns its host path. Idempotent: after a
   * daemon restart (or a restart of the container) the overlay is mounted again over the same upper dir.
   */
  async ensure(stateDir: string, imageRootfs: string): Promise<string> {
    // Asked for once the removal has begun: refused. A mount asked for before runs first (the removal waits).
    // dockerd's 409 for a container on its way out; the state dir is named after the container's id.
    if (this.removing.has(stateDir)) throw new ConflictError(`container ${basename(stateDir)} is being removed`);
    return this.exclusively(stateDir, () => this.mount(stateDir, imageRootfs));
  }

  /**
   * Unmounts the root and removes the container's directory, once no mount of it is in progress, and
   * refuses mounts from then on: a `docker cp` cut short by the removal (it mounts the root on its way) would
   * otherwise mount it again between the unmount and the removal of the tree, which then fails with EBUSY.
   */
  async remove(stateDir: string, removeTree: () => Promise<void>): Promise<void> {
    this.removing.add(stateDir);
    await this.exclusively(stateDir, async () => {
      await this.release(stateDir);
      await removeTree();
    });
  }

  /** Runs `fn` after the root's earlier mount or removal; the removal mark goes once nothing more is queued. */
  private exclusively<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.busy.get(stateDir) ?? Promise.resolve()).then(fn);
    const settled = next.catch(() => undefined);
    this.busy.set(stateDir, settled);
    void settled.then(() => {
      if (this.busy.get(stateDir) !== settled) return;
      this.busy.delete(stateDir);
      this.removing.delete(stateDir);
    });
    return next;
  }

  private async mount(stateDir: string, imageRootfs: string): Promise<string> {
    const merged = mergedDir(stateDir);
    if (this.mounted.has(stateDir)) return merged;
    const copy = copyDir(stateDir);
    if (await exists(copy)) return copy;
    // A container this daemon has never mounted has no upper dir yet, so it cannot be mounted either.
    const fresh = !(await exists(upperDir(stateDir)));
    if (!fresh && isMountPoint(merged)) {
      this.mounted.add(stateDir);
      return merged;
    }
    await Promise.all([upperDir(stateDir), workDir(stateDir), merged].map((d) => fs.mkdir(d, { recursive: true })));
    // Neither nosuid nor nodev, as dockerd's overlay2 mounts (`findmnt`: rw,relatime): a setuid binary in
    // the image works inside. A local user cannot run one through its host path: the home is 0710 and
    // the directories in it 0700 (the core's makeHomePrivate), as dockerd's data root.
    const opts = `lowerdir=${escapeOpt(imageRootfs)},upperdir=${escapeOpt(upperDir(stateDir))},workdir=${escapeOpt(workDir(stateDir))}`;
    try {
      if (!(await this.helper?.mount(opts, merged))) await run(this.mountTool, ['-t', 'overlay', 'overlay', '-o', opts, merged]);
      this.mounted.add(stateDir);
      return merged;
    } catch (err) {
      // Without overlay (not root, or a filesystem that refuses it) a copy still gives the container its own
      // writable root, at the price of disk and time.
      this.logger.warn('overlay mount failed; copying the image rootfs instead (slower, uses disk)', { stateDir, error: String(err) });
      await fs.rm(merged, { recursive: true, force: true });
      await fs.mkdir(copy + '.tmp', { recursive: true });
      await run('cp', ['-a', `${imageRootfs}/.`, copy + '.tmp']);
      await fs.rename(copy + '.tmp', copy);
      return copy;
    }
  }

  /**
   * Unmounts the roots of `stateDirs` that are mounted (the daemon's shutdown): one read of mountinfo, then
   * batches of targets per umount process, in parallel; what stays mounted (busy) is detached lazily, as
   * `release` does for one root.
   */
  async releaseAll(stateDirs: string[]): Promise<void> {
    for (const d of stateDirs) this.mounted.delete(d);
    const mounted = mountPoints();
    const targets = stateDirs.map(mergedDir).filter((m) => mounted.has(m));
    if (targets.length === 0) return;
    const size = Math.ceil(targets.length / UMOUNT_BATCHES);
    const batches = Array.from({ length: Math.ceil(targets.length / size) }, (_, i) => targets.slice(i * size, (i + 1) * size));
    // A failed batch still unmounted what it could; what is left is found below.
    await Promise.all(batches.map((b) => run('umount', b).catch(() => undefined)));
    const left = mountPoints();
    const busy = targets.filter((m) => left.has(m));
    if (busy.length) await run('umount', ['-l', ...busy]).catch((err: Error) => this.logger.warn('could not detach container roots at shutdown', { err: err.message }));
  }

  async release(stateDir: string): Promise<void> {
    const merged = mergedDir(stateDir);
    const ours = this.mounted.delete(stateDir);
    if (ours && (await this.helper?.umount(merged))) return;
    if (!isMountPoint(merged)) return;
    try {
      await run('umount', [merged]);
    } catch {
      // Busy (a straggler still holds it): detach now, the kernel frees it when the last user goes.
      await run('umount', ['-l', merged]).catch(() => undefined);
    }
  }
}

async function writeIfDifferent(path: string, content: string): Promise<void> {
  const current = await fs.readFile(path, 'utf8').catch(() => undefined);
  if (current === content) return;
  await fs.rm(path, { force: true });
  await fs.writeFile(path, content, { mode: 0o644 });
}

/** Creates `containerPath` inside the root as a directory (or an empty file), never following a link out. */
export async function ensureInRoot(root: string, containerPath: string, kind: 'dir' | 'file'): Promise<string> {
  const host = await resolveInRoot(root, containerPath, true);
  const st = await fs.stat(host).catch(() => undefined);
  if (st) return host;
  if (kind === 'dir') {
    await fs.mkdir(host, { recursive: true });
  } else {
    await fs.mkdir(dirname(host), { recursive: true });
    await fs.writeFile(host, '');
  }
  return host;
}

/**
 * What the image needs before the sandbox binds over it: /etc/hostname, /etc/hosts, a resolv.conf file to
 * bind the host's over, the mount targets and the working dir (Docker creates missing ones).
 */
export async function prepareRootfs(root: string, spec: { hostname: string; workingDir: string; mounts: WorkloadMount[] }): Promise<{ resolvConf: boolean }> {
  const etc = await resolveInRoot(root, '/etc', true);
  await fs.mkdir(etc, { recursive: true });
  await writeIfDifferent(join(etc, 'hostname'), `${spec.hostname}\n`);
  await writeIfDifferent(join(etc, 'hosts'),
    `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${spec.hostname}\n`);
  let resolvConf = false;
  if (await exists('/etc/resolv.conf')) {
    const target = join(etc, 'resolv.conf');
    const st = await fs.lstat(target).catch(() => undefined);
    // A link (systemd-resolved style) may dangle inside the image; a plain file gives bwrap a target.
    if (!st || st.isSymbolicLink()) {
      await fs.rm(target, { force: true });
      await fs.writeFile(target, '', { mode: 0o644 });
    }
    resolvConf = true;
  }
  for (const m of spec.mounts) {
    const target = posix.normalize(`/${m.target}`);
    if (m.type === 'tmpfs') { await ensureInRoot(root, target, 'dir'); continue; }
    const srcIsDir = (await fs.stat(m.source).catch(() => undefined))?.isDirectory() ?? true;
    await ensureInRoot(root, target, srcIsDir ? 'dir' : 'file');
  }
  await ensureInRoot(root, spec.workingDir || '/', 'dir');
  return { resolvConf };
}

/** Bytes in a tree (the container's writable layer), counting each file's size once. */
export async function treeSize(dir: string, skip: (pathInTree: string) => boolean = () => false): Promise<number> {
  let total = 0;
  const walk = async (p: string, inTree: string): Promise<void> => {
    if (skip(inTree)) return;
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st) return;
    if (st.isDirectory()) {
      for (const child of await fs.readdir(p).catch(() => [] as string[])) await walk(join(p, child), `${inTree === '/' ? '' : inTree}/${child}`);
    } else {
      total += st.size;
    }
  };
  await walk(dir, '/');
  return total;
}
