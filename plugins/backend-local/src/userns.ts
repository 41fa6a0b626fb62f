import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, closeSync, openSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Logger, type WorkloadSpec } from '@sockerless/sdk';
import { exists, run } from './util';

/** backend-local's `usernsRemap` option: container uid/gid 0..size-1 are host uid/gid base..base+size-1. */
export interface UsernsRemapOptions {
  uid: number;
  gid: number;
  size: number;
}

/** Whether the workload of `pid` lives in another user namespace than the daemon (a remapped container). */
export function inOtherUserns(pid: number): boolean {
  try {
    return statSync(`/proc/${pid}/ns/user`).ino !== statSync('/proc/self/ns/user').ino;
  } catch {
    return false;
  }
}

/**
 * dockerd's `--userns-remap` for backend-local. One user namespace per daemon with the mapping `0 BASE SIZE`
 * (made by a short-lived `unshare --user` whose maps the daemon writes as root; the daemon then holds the
 * namespace open by a descriptor, so nothing keeps running for it). confine enters it (setns) as its last
 * privileged step, after the mounts and the cgroup join, so bwrap and confine still set the sandbox up with
 * the daemon's rights, and the workload runs as root of the namespace: BASE on the host. Each image is
 * given a copy with every uid/gid shifted by BASE (dockerd keeps a layer store per remapping,
 * /var/lib/docker/BASE.BASE/), used as the overlay's lower layer.
 */
export class UsernsRemap {
  private nsFd?: Promise<number>;
  private readonly shifted = new Map<string, Promise<string>>();

  constructor(private readonly logger: Logger, private readonly stateDir: string, readonly map: UsernsRemapOptions) {}

  /** Remapped unless the container opts out with `--userns=host`. */
  applies(spec: WorkloadSpec): boolean {
    return spec.security?.usernsMode !== 'host';
  }

  /** dockerd's refusals (verifyPlatformContainerSettings, 400) for what cannot be remapped. */
  check(spec: WorkloadSpec): void {
    if (!this.applies(spec)) return;
    if (spec.security?.privileged) {
      throw new InvalidArgumentError('privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode');
    }
    if (spec.network?.mode === 'host') throw new InvalidArgumentError('cannot share the host\'s network namespace when user namespaces are enabled');
    if (spec.security?.pidMode === 'host') throw new InvalidArgumentError('cannot share the host PID namespace when user namespaces are enabled');
  }

  /**
   * Root of the user namespace has no capability over a network namespace the host's user namespace owns
   * (bwrap makes it before confine enters the user namespace), so the two sysctls dockerd 20.10 sets in
   * every container's own network namespace (moby's oci_linux.go) give it what its CAP_NET_BIND_SERVICE
   * and CAP_NET_RAW would: ports below 1024 and ICMP echo sockets.
   */
  sysctls(spec: WorkloadSpec): string[] {
    const own = spec.network?.mode === 'bridge' || spec.network?.mode === 'none';
    return own ? ['net.ipv4.ip_unprivileged_port_start=0', 'net.ipv4.ping_group_range=0 2147483647'] : [];
  }

  /** A new descriptor on the namespace, for one start (the caller closes it once the sandbox is spawned). */
  async openNamespace(): Promise<number> {
    const fd = await (this.nsFd ??= this.makeNamespace());
    return openSync(`/proc/self/fd/${fd}`, 'r');
  }

  private async makeNamespace(): Promise<number> {
    const holder = spawn('unshare', ['--user', '--', 'sh', '-c', 'echo ready; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.once('error', reject);
        holder.once('exit', (code) => reject(new Error(`unshare --user exited with ${code}`)));
        holder.stdout!.once('data', () => resolve());
      });
      const { uid, gid, size } = this.map;
      // Written by root in the parent namespace: setgroups stays allowed, as for runc's remapped containers.
      writeFileSync(`/proc/${holder.pid}/uid_map`, `0 ${uid} ${size}\n`);
      writeFileSync(`/proc/${holder.pid}/gid_map`, `0 ${gid} ${size}\n`);
      const fd = openSync(`/proc/${holder.pid}/ns/user`, 'r');
      this.logger.info('user namespace remapping enabled', { uid, gid, size });
      return fd;
    } finally {
      holder.kill('SIGKILL');
    }
  }

  /** The overlay's lower layer for `imageRootfs`: its shifted copy, made once per image and remapping. */
  lowerDir(imageRootfs: string): Promise<string> {
    let dir = this.shifted.get(imageRootfs);
    if (!dir) {
      dir = this.shift(imageRootfs);
      this.shifted.set(imageRootfs, dir);
      dir.catch(() => this.shifted.delete(imageRootfs));
    }
    return dir;
  }

  private async shift(imageRootfs: string): Promise<string> {
    const { uid, gid } = this.map;
    const out = join(this.stateDir, 'userns', `${uid}.${gid}`, createHash('sha256').update(imageRootfs).digest('hex').slice(0, 32));
    if (await exists(out)) return out;
    await fs.mkdir(join(out, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${out}.${process.pid}.tmp`;
    await fs.rm(tmp, { recursive: true, force: true });
    await run('cp', ['-a', '--reflink=auto', imageRootfs, tmp]);
    await this.shiftTree(tmp);
    await fs.rename(tmp, out);
    this.logger.info('made a remapped copy of an image rootfs', { imageRootfs, out });
    return out;
  }

  /** Every owner + BASE (lchown, links included); chown clears setuid/setgid bits, so they are set again. */
  private async shiftTree(path: string): Promise<void> {
    const st = await fs.lstat(path);
    const { uid, gid, size } = this.map;
    if (st.uid >= size || st.gid >= size) throw new Error(`${path}: owner ${st.uid}:${st.gid} cannot be mapped into a range of ${size}`);
    await fs.lchown(path, st.uid + uid, st.gid + gid);
    if (!st.isSymbolicLink() && st.mode & 0o6000) await fs.chmod(path, st.mode & 0o7777);
    if (st.isDirectory()) for (const child of await fs.readdir(path)) await this.shiftTree(join(path, child));
  }

  /**
   * What remapped root must own: the container's upper layer (the root directory of its overlay) and a
   * volume still owned by host root (dockerd makes its volumes in the remapped root's store).
   */
  async ownContainerDirs(upper: string, spec: WorkloadSpec): Promise<void> {
    const { uid, gid } = this.map;
    // Absent where overlay was refused and a copy stands in (made from the remapped lower copy already).
    await fs.chown(upper, uid, gid).catch(() => undefined);
    for (const m of spec.mounts) {
      if (m.type !== 'volume') continue;
      const st = await fs.stat(m.source).catch(() => undefined);
      if (st?.isDirectory() && st.uid === 0 && st.gid === 0) await fs.chown(m.source, uid, gid);
    }
  }

  close(): void {
    void this.nsFd?.then((fd) => { try { closeSync(fd); } catch { /* closed */ } }, () => undefined);
  }
}
