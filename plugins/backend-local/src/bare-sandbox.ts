import { DOCKER_DEFAULT_CAPABILITIES, type Logger } from '@sockerless/sdk';
import { ConfineHelper } from './confine-helper';
import { bwrapArgs, type SandboxConfinement } from './sandbox';
import { dockerDefaultSeccomp } from './seccomp/profile';

export interface BareSandboxOptions {
  /** An unpacked image root (the sandbox binds it as `/`). */
  rootfs: string;
  argv: string[];
  /** The executable `argv[0]` resolves to inside the rootfs. */
  exe: string;
  env: Record<string, string>;
  hostname: string;
  /** Where the confine helper and the compiled seccomp filter are cached. */
  stateDir: string;
  /** A static busybox on the host, bound in for the sandbox's setup steps; none when absent. */
  busybox?: string;
}

const QUIET: Logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return QUIET; } } as unknown as Logger;

/**
 * The bubblewrap argv this backend runs for a root container with Docker's defaults (its capabilities,
 * its seccomp filter, no mounts, no network setup): the floor a `docker run` on it cannot go under. Public
 * for the bench, which spawns it directly to measure that floor. Without the confine helper (it could not
 * be built) the backend runs unconfined too, and so does this.
 */
export async function bareSandboxArgv(o: BareSandboxOptions): Promise<string[]> {
  return bwrapArgs({
    confine: await dockerConfinement(o.stateDir),
    root: o.rootfs,
    hostname: o.hostname,
    mounts: [],
    workingDir: '/',
    env: o.env,
    user: { uid: 0, gid: 0, groups: [], home: '/' },
    busybox: o.busybox,
    resolvConf: false,
    sys: true,
    tty: false,
    argv: o.argv,
    exe: o.exe,
  });
}

async function dockerConfinement(stateDir: string): Promise<SandboxConfinement | undefined> {
  const confine = new ConfineHelper(QUIET, stateDir);
  const helper = await confine.helper();
  if (!helper) return undefined;
  const caps = [...DOCKER_DEFAULT_CAPABILITIES];
  return { helper, seccompFilter: await confine.seccompFilter(dockerDefaultSeccomp(), caps), caps, noNewPrivileges: false, cgroupFd: false };
}
