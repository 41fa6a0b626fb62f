import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The busybox-static binary from Debian: one static file, so the image needs no libc or loader. */
export const HOST_BUSYBOX = '/bin/busybox';

/** The name both engines import the busybox tarball under. */
export const IMAGE = 'busybox:latest';

/** Makes the benchmark's private work dir; everything the run creates lives under it. */
export function makeWorkDir(): string {
  return mkdtempSync(join(tmpdir(), 'sockerless-bench-'));
}

/** The unpacked busybox root filesystem the tarball is made from; the floor figure sandboxes it directly. */
export function busyboxRootfs(workDir: string): string {
  return join(workDir, 'rootfs');
}

/**
 * Builds a minimal busybox root filesystem and tars it, so both engines import byte-identical images and
 * nothing is pulled from a registry (the machine is offline, and a pull would not be what we measure).
 */
export function buildBusyboxTarball(workDir: string): string {
  const rootfs = busyboxRootfs(workDir);
  const bin = join(rootfs, 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(HOST_BUSYBOX, join(bin, 'busybox'));
  chmodSync(join(bin, 'busybox'), 0o755);
  const applets = execFileSync(HOST_BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').map((s) => s.trim());
  for (const applet of applets) {
    if (!applet || applet === 'busybox' || applet.includes('/')) continue;
    symlinkSync('busybox', join(bin, applet));
  }
  mkdirSync(join(rootfs, 'etc'));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  mkdirSync(join(rootfs, 'root'));
  mkdirSync(join(rootfs, 'tmp'));
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  const tarball = join(workDir, 'rootfs.tar');
  // Numeric root ownership keeps the tarball identical whoever runs the benchmark.
  execFileSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '-cf', tarball, '.']);
  return tarball;
}

/** /proc/mounts escapes space, tab, newline and backslash as octal (\040 ...). */
function decodeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points at or below dir, deepest first so children are unmounted before their parents. */
export function mountsUnder(dir: string): string[] {
  let text = '';
  try { text = readFileSync('/proc/mounts', 'utf8'); } catch { return []; }
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return text
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((p): p is string => !!p)
    .map(decodeMountPath)
    .filter((p) => p === dir || p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes the work dir. dockerd (netns files, container rootfs) and our local backend (overlay mounts) can
 * leave mounts behind when they are killed, and rm -rf across a live mount would delete through it or
 * fail with EBUSY, so unmount first: a plain umount, then a lazy one if something still holds it.
 */
export function removeWorkDir(dir: string): string[] {
  const problems: string[] = [];
  for (let pass = 0; pass < 3; pass++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) break;
    for (const m of mounts) {
      const r = spawnSync('umount', [m], { encoding: 'utf8' });
      if (r.status !== 0) spawnSync('umount', ['-l', m], { encoding: 'utf8' });
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) {
    // Never rm -rf through a mount: it could reach files outside the work dir.
    problems.push(`still mounted, work dir kept: ${left.join(', ')}`);
    return problems;
  }
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    // vfs layers can hold files rmSync trips over (e.g. read-only dirs); the rm command copes better.
    const r = spawnSync('rm', ['-rf', '--one-file-system', dir], { encoding: 'utf8' });
    if (r.status !== 0) problems.push(`could not remove ${dir}: ${(err as Error).message}; ${r.stderr.trim()}`);
  }
  return problems;
}
