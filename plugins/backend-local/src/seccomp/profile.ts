import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { InvalidArgumentError, UnavailableError } from '@sockerless/sdk';

/**
 * A Docker seccomp profile (the JSON format of `--security-opt seccomp=FILE`) resolved for one container as
 * moby's setupSeccomp does, and written in the line format `native/confine.c --compile-seccomp` compiles:
 *
 *   default errno:1
 *   arch x86_64
 *   allow read
 *   allow socket 0 NE 40
 *   errno:38 clone3
 */

interface SeccompArg { index: number; value: number; valueTwo?: number; op: string }
interface SeccompFilter { caps?: string[]; arches?: string[]; minKernel?: string }
interface SeccompSyscall {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: SeccompFilter | null;
  excludes?: SeccompFilter | null;
}
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[] | null;
  archMap?: Array<{ architecture: string; subArchitectures: string[] | null }> | null;
  syscalls?: SeccompSyscall[] | null;
}

/**
 * Docker's default profile is not copied into this repository: it is read from the file Debian ships with
 * moby's source (golang-github-docker-docker-dev, the docker.io reference engine's release), which
 * scripts/ensure-debian-deps.sh extracts to the first path below; `SOCKERLESS_SECCOMP_PROFILE` names another.
 */
export const DOCKER_DEFAULT_SECCOMP_FILES = [
  '/usr/local/share/sockerless/docker-default-seccomp.json',
  '/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json',
];

let defaultProfile: SeccompProfile | undefined;

/** Docker's default seccomp profile, read once; a 503 naming the files and the fix when none is there. */
export function dockerDefaultSeccomp(): SeccompProfile {
  if (defaultProfile) return defaultProfile;
  const files = [process.env.SOCKERLESS_SECCOMP_PROFILE, ...DOCKER_DEFAULT_SECCOMP_FILES].filter((f): f is string => !!f);
  for (const file of files) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    try {
      return (defaultProfile = JSON.parse(text) as SeccompProfile);
    } catch (err) {
      throw new UnavailableError(`Docker's default seccomp profile at ${file} is not valid JSON (${(err as Error).message})`);
    }
  }
  throw new UnavailableError(`Docker's default seccomp profile was not found (looked at ${files.join(', ')}): run \`bash scripts/ensure-debian-deps.sh runtime\` as root, or set SOCKERLESS_SECCOMP_PROFILE`);
}

/** Node's process.arch as Docker (libseccomp) names it in a profile's `arches`. */
const DOCKER_ARCH: Record<string, string> = {
  x64: 'amd64', ia32: 'x86', arm: 'arm', arm64: 'arm64', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', mips64el: 'mipsel64', loong64: 'loong64',
};
/** The profile's SCMP_ARCH_* of the daemon's own architecture (where the archMap entry is looked up). */
const SCMP_ARCH: Record<string, string> = {
  x64: 'SCMP_ARCH_X86_64', ia32: 'SCMP_ARCH_X86', arm: 'SCMP_ARCH_ARM', arm64: 'SCMP_ARCH_AARCH64', s390x: 'SCMP_ARCH_S390X',
  ppc64: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64', mips64el: 'SCMP_ARCH_MIPSEL64', loong64: 'SCMP_ARCH_LOONGARCH64',
};

/** `x.y` at least as new as the running kernel's `x.y`? (moby's kernelGreaterEqualThan) */
export function kernelAtLeast(minKernel: string, kernel = release()): boolean {
  const parse = (v: string) => v.split(/[.-]/).slice(0, 2).map((n) => Number.parseInt(n, 10) || 0);
  const [wantMajor, wantMinor] = parse(minKernel);
  const [major, minor] = parse(kernel);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

function actionOf(action: string, errnoRet: number | undefined, defaultErrno: number | undefined): string {
  switch (action) {
    case 'SCMP_ACT_ALLOW': return 'allow';
    case 'SCMP_ACT_ERRNO': return `errno:${errnoRet ?? defaultErrno ?? 1}`;
    case 'SCMP_ACT_TRACE': return `trace:${errnoRet ?? defaultErrno ?? 1}`;
    case 'SCMP_ACT_KILL': case 'SCMP_ACT_KILL_THREAD': case 'SCMP_ACT_KILL_PROCESS': return 'kill';
    case 'SCMP_ACT_TRAP': return 'trap';
    case 'SCMP_ACT_LOG': return 'log';
    default: throw new InvalidArgumentError(`seccomp profile: action ${action} is not supported`);
  }
}

function conditionOf(a: SeccompArg): string {
  const op = a.op.replace(/^SCMP_CMP_/, '');
  if (!['NE', 'LT', 'LE', 'EQ', 'GE', 'GT', 'MASKED_EQ'].includes(op)) throw new InvalidArgumentError(`seccomp profile: unknown comparison ${a.op}`);
  const words = [String(a.index), op, String(a.value)];
  if (op === 'MASKED_EQ') words.push(String(a.valueTwo ?? 0));
  return words.join(' ');
}

/** Whether a rule applies to this container (moby's includes/excludes by arch, bounding caps and kernel). */
function applies(call: SeccompSyscall, arch: string, caps: readonly string[], kernel: string): boolean {
  const ex = call.excludes;
  if (ex?.arches?.includes(arch)) return false;
  if (ex?.caps?.some((c) => caps.includes(c))) return false;
  if (ex?.minKernel && kernelAtLeast(ex.minKernel, kernel)) return false;
  const inc = call.includes;
  if (inc?.arches?.length && !inc.arches.includes(arch)) return false;
  if (inc?.caps?.length && !inc.caps.every((c) => caps.includes(c))) return false;
  if (inc?.minKernel && !kernelAtLeast(inc.minKernel, kernel)) return false;
  return true;
}

/**
 * The compile spec for `profile` and a container whose bounding set is `caps` (names with `CAP_`).
 * `nodeArch` and `kernel` default to the daemon's own; tests pass others.
 */
export function seccompSpec(profile: SeccompProfile, caps: readonly string[], nodeArch: string = process.arch, kernel: string = release()): string {
  if (!profile || typeof profile.defaultAction !== 'string') throw new InvalidArgumentError('Decoding seccomp profile failed: defaultAction is missing');
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new InvalidArgumentError("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const arch = DOCKER_ARCH[nodeArch] ?? nodeArch;
  const lines = [`default ${actionOf(profile.defaultAction, profile.defaultErrnoRet, undefined)}`];
  const own = profile.archMap?.find((a) => a.architecture === SCMP_ARCH[nodeArch]);
  const arches = own ? [own.architecture, ...(own.subArchitectures ?? [])] : profile.architectures ?? [];
  for (const a of arches) lines.push(`arch ${a.replace(/^SCMP_ARCH_/, '').toLowerCase()}`);
  for (const call of profile.syscalls ?? []) {
    if (call.name && call.names?.length) throw new InvalidArgumentError("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
    if (!applies(call, arch, caps, kernel)) continue;
    const action = actionOf(call.action, call.errnoRet, profile.defaultErrnoRet);
    const conditions = (call.args ?? []).map(conditionOf).join(' ');
    for (const name of call.names ?? (call.name ? [call.name] : [])) {
      if (!/^[a-z0-9_]+$/.test(name)) throw new InvalidArgumentError(`seccomp profile: invalid syscall name ${JSON.stringify(name)}`);
      lines.push(`${action} ${name}${conditions ? ` ${conditions}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `--security-opt seccomp=...` as the core passes it: `default`, `unconfined` or a profile's JSON. */
export function profileOf(seccomp: string | undefined): SeccompProfile | undefined {
  if (seccomp === undefined || seccomp === 'default' || seccomp === '') return dockerDefaultSeccomp();
  if (seccomp === 'unconfined') return undefined;
  try {
    return JSON.parse(seccomp) as SeccompProfile;
  } catch (err) {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(err as Error).message}`);
  }
}
