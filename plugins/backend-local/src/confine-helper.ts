import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InvalidArgumentError, type Logger } from '@sockerless/sdk';
import { NATIVE_DIR, buildNative } from './native-build';
import { dockerDefaultSeccomp, seccompSpec, type SeccompProfile } from './seccomp/profile';

const run = promisify(execFile);


/**
 * The static `confine` helper (native/confine.c), compiled once per source version with the host's C
 * compiler and libseccomp (`cc -static -O2 confine.c -lseccomp`) into native/build/confine-<sha>, written
 * under a temporary name and renamed so a concurrent daemon never runs half a file; and the seccomp BPF it
 * loads, compiled by it once per resolved profile (one per capability set) into the daemon's state dir.
 */
export class ConfineHelper {
  private built?: Promise<string | undefined>;
  private readonly filters = new Map<string, Promise<string>>();
  /** The resolved spec's hash by profile and capability set, so a start resolves Docker's profile only once. */
  private readonly hashes = new Map<string, { spec: string; hash: string }>();

  constructor(private readonly logger: Logger, private readonly stateDir: string, private readonly nativeDir = NATIVE_DIR) {}

  /** The helper's host path, or undefined (logged once) when it cannot be built here. */
  helper(): Promise<string | undefined> {
    return (this.built ??= this.build().catch((err: Error) => {
      this.logger.warn(`cannot build the confine helper (install gcc, libc6-dev and libseccomp-dev): containers run WITHOUT seccomp, capability bounding or a device cgroup: ${err.message}`);
      return undefined;
    }));
  }

  private build(): Promise<string> {
    return buildNative(this.logger, this.nativeDir, 'confine', ['-lseccomp']);
  }

  /**
   * The BPF file for `profile` resolved for a container with bounding set `caps`, compiled on first use
   * and kept by the hash of the resolved spec, so a start pays for it only once per capability set.
   */
  seccompFilter(profile: SeccompProfile, caps: readonly string[]): Promise<string> {
    const key = `${profile === dockerDefaultSeccomp() ? 'default' : JSON.stringify(profile)}\n${caps.join(',')}`;
    let resolved = this.hashes.get(key);
    if (!resolved) {
      const spec = seccompSpec(profile, caps);
      resolved = { spec, hash: createHash('sha256').update(spec).digest('hex').slice(0, 32) };
      // Bounded: custom profiles could be endless; the default one is found again at once anyway.
      if (this.hashes.size >= 64) this.hashes.clear();
      this.hashes.set(key, resolved);
    }
    const { spec, hash } = resolved;
    let filter = this.filters.get(hash);
    if (!filter) {
      filter = this.compile(spec, hash);
      this.filters.set(hash, filter);
      filter.catch(() => this.filters.delete(hash));
    }
    return filter;
  }

  private async compile(spec: string, hash: string): Promise<string> {
    const dir = join(this.stateDir, 'seccomp');
    const out = join(dir, `${hash}.bpf`);
    if (await fs.access(out).then(() => true, () => false)) return out;
    const helper = await this.helper();
    if (!helper) throw new Error('the confine helper is not available');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const specFile = join(dir, `${hash}.spec`);
    await fs.writeFile(specFile, spec, { mode: 0o600 });
    try {
      await run(helper, ['--compile-seccomp', specFile, out], { timeout: 30_000 });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new InvalidArgumentError(`seccomp profile could not be compiled: ${(e.stderr || e.message).trim()}`);
    }
    return out;
  }
}
