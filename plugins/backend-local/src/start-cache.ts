import type { WorkloadSpec } from '@sockerless/sdk';
import { prepareRootfs } from './rootfs';
import { checkExecutable } from './sandbox';
import { resolveUser, type ExecUser } from './users';

/**
 * What a sandbox start reads from and writes to the container's root, remembered where it cannot have
 * changed, so that `docker run` does not pay for it twice (at create and again at start) nor once per
 * container of the same image. Preparing the root and resolving the user and argv[0] walk the root path by
 * path, a few milliseconds per start.
 *
 * - The files a start writes (prepareRootfs) depend only on the spec; they are written again only when the
 *   spec's hostname, working dir or mounts changed, or something was copied into the container.
 * - The user and executable of a container that has neither run nor been written to ("pristine") depend
 *   only on its image and on the spec, because its writable layer holds nothing but the files prepareRootfs
 *   writes, which are the same for every such container. Containers with mounts are left out: their mount
 *   targets are made in the root and could shadow a path of the lookup.
 */
const MAX_LOOKUPS = 512;

export class StartCache {
  private readonly prepared = new Map<string, { key: string; resolvConf: boolean }>();
  private readonly pristine = new Set<string>();
  private readonly lookups = new Map<string, { user: ExecUser; exe: string }>();

  /** prepareRootfs, skipped when this container's root was already prepared for the same spec. */
  async prepare(root: string, spec: WorkloadSpec): Promise<{ resolvConf: boolean }> {
    const key = JSON.stringify([root, spec.hostname, spec.workingDir, spec.mounts]);
    const done = this.prepared.get(spec.stateDir);
    if (done?.key === key) return { resolvConf: done.resolvConf };
    const { resolvConf } = await prepareRootfs(root, spec);
    this.prepared.set(spec.stateDir, { key, resolvConf });
    return { resolvConf };
  }

  /** A container created by this daemon: its writable layer holds only what prepare wrote. */
  created(stateDir: string): void {
    this.pristine.add(stateDir);
  }

  /** Something may have written to the container's root (a run, `docker cp`): nothing remembered holds. */
  touched(stateDir: string): void {
    this.pristine.delete(stateDir);
    this.prepared.delete(stateDir);
  }

  forget(stateDir: string): void {
    this.touched(stateDir);
  }

  /**
   * The user the workload runs as, its environment (`envOf`, which adds HOME for that user), and argv[0]
   * resolved in the root along the environment's PATH.
   */
  async userAndExecutable(root: string, spec: WorkloadSpec, workingDir: string, envOf: (user: ExecUser) => Record<string, string>): Promise<{ user: ExecUser; env: Record<string, string>; exe: string }> {
    const cacheable = this.pristine.has(spec.stateDir) && spec.mounts.length === 0 && spec.image.rootfs !== undefined;
    // Only PATH of the environment takes part in the lookup; the rest (often unique per CI job) does not.
    const path = spec.env.filter((kv) => kv.startsWith('PATH=')).pop();
    const key = JSON.stringify([spec.image.rootfs, spec.user, spec.groupAdd ?? [], spec.argv[0], workingDir, path]);
    const known = cacheable ? this.lookups.get(key) : undefined;
    if (known) return { user: known.user, env: envOf(known.user), exe: known.exe };
    const user = await resolveUser(root, spec.user, spec.groupAdd);
    const env = envOf(user);
    const exe = await checkExecutable(root, spec.argv[0], env, workingDir, spec.mounts);
    if (cacheable) {
      // Bounded: a daemon that sees endlessly many distinct commands must not grow for it.
      if (this.lookups.size >= MAX_LOOKUPS) this.lookups.clear();
      this.lookups.set(key, { user, exe });
    }
    return { user, env, exe };
  }
}
