/**
 * The isolation suite's cases, as data: each is one `docker run --rm [args] busybox sh -c SCRIPT` whose
 * script prints a verdict (DENIED/ALLOWED, a count, /proc/self/status lines) and the answer expected of
 * Sockerless; the same case must give Docker Engine's answer too (isolation.test.ts runs both).
 *
 * `needsPrivileged`: cases Docker can only run where runc can apply every capability the kernel knows (on a
 * host whose own bounding set lacks one, dockerd's `--privileged` fails with "unable to apply caps").
 */
export interface IsolationCase {
  name: string;
  args: string[];
  script: string;
  expected: string;
  needsPrivileged?: boolean;
  /**
   * Needs the cgroup v1 devices controller, which Sockerless uses to allow the default devices: without it
   * (a cgroup v2-only host) the container's root is mounted nodev, so a node made in it never opens.
   */
  needsDeviceCgroup?: boolean;
  /** Asked of Sockerless only, with the reason Docker's answer differs (a newer moby default than dockerd 20.10's). */
  oursOnly?: string;
  /** Run as `docker exec [exec] c sh -c SCRIPT` in a running container started with `args`, rather than as the workload. */
  exec?: string[];
}

const verdict = (attempt: string, yes = 'ALLOWED', no = 'DENIED') => `if ${attempt}; then echo ${yes}; else echo ${no}; fi`;
const quiet = (cmd: string) => `${cmd} >/dev/null 2>&1`;
/** The lines of /proc/self/status that Docker's confinement decides. */
const STATUS = "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|Seccomp|Seccomp_filters):' /proc/self/status";
const STATUS_NNP = "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status";
const status = (caps: { inh?: string; prm: string; eff: string; bnd: string }, seccomp = 2, nnp?: number) => [
  `CapInh:\t${caps.inh ?? '0000000000000000'}`, `CapPrm:\t${caps.prm}`, `CapEff:\t${caps.eff}`, `CapBnd:\t${caps.bnd}`, 'CapAmb:\t0000000000000000',
  ...(nnp === undefined ? [] : [`NoNewPrivs:\t${nnp}`]), `Seccomp:\t${seccomp}`, `Seccomp_filters:\t${seccomp === 2 ? 1 : 0}`,
].join('\n');
const DOCKER_14 = '00000000a80425fb';
const NONE = '0000000000000000';
const WITH_SYS_ADMIN = '00000000a82425fb';

/** Writes back what is there already: harmless where it succeeds, and what the reproducer did. */
const writeBack = (file: string) => verdict(quiet(`sh -c 'v=$(cat ${file}) && echo "$v" > ${file}'`), 'WROTE');

/** The first disk of the host as /proc/partitions lists it (the kernel's, the same inside and outside). */
const readFirstDisk = verdict(`set -- $(awk 'NR==3 {print $1, $2}' /proc/partitions) && mknod /tmp/disk b "$1" "$2" && ${quiet('dd if=/tmp/disk of=/dev/null bs=512 count=1')}`, 'READ');

/** A seccomp profile that only refuses mkdir, with EACCES: for `--security-opt seccomp=FILE`. */
export const MKDIR_DENYING_PROFILE = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] });

/** `daemon`: the paths a container must not reach; `profile`: a file holding MKDIR_DENYING_PROFILE. */
export function isolationCases(daemon: { socket: string; home: string }, profile: string): IsolationCase[] {
  return [
    { name: 'write /proc/sys/kernel/core_pattern', args: [], script: writeBack('/proc/sys/kernel/core_pattern'), expected: 'DENIED' },
    { name: 'write /proc/sys/vm/drop_caches', args: [], script: verdict(quiet('sh -c "echo 1 > /proc/sys/vm/drop_caches"'), 'WROTE'), expected: 'DENIED' },
    { name: 'write /proc/sysrq-trigger', args: [], script: verdict(quiet('sh -c "echo h > /proc/sysrq-trigger"'), 'WROTE'), expected: 'DENIED' },
    { name: 'read masked /proc files', args: [], script: 'for f in kcore keys timer_list; do printf "%s=%s " $f $(cat /proc/$f 2>/dev/null | wc -c); done; ls /proc/acpi 2>/dev/null | wc -l', expected: 'kcore=0 keys=0 timer_list=0 0' },
    // Masked since moby 28 (GHSA-6fw5-f8r9-fgfm); dockerd 20.10 shows it, so only Sockerless is asked.
    { name: 'read /proc/interrupts', args: [], script: 'cat /proc/interrupts | wc -c', expected: '0', oursOnly: 'dockerd 20.10 predates the masking of /proc/interrupts' },
    { name: 'mknod and read the host disk', args: [], script: readFirstDisk, expected: 'DENIED' },
    { name: 'mknod and read a loop device', args: [], script: verdict(`mknod /tmp/loop b 7 0 && ${quiet('dd if=/tmp/loop of=/dev/null bs=512 count=1')}`, 'READ'), expected: 'DENIED' },
    { name: 'mknod of a default device works', args: [], script: 'mknod /tmp/zero c 1 5 && head -c 3 /tmp/zero | wc -c', expected: '3', needsDeviceCgroup: true },
    { name: 'a device given with --device', args: ['--device', '/dev/zero:/dev/given'], script: 'head -c 3 /dev/given | wc -c', expected: '3' },
    { name: 'load a kernel module', args: [], script: `head -c 64 /dev/zero > /tmp/m.ko; ${verdict(quiet('insmod /tmp/m.ko'), 'LOADED')}; insmod /tmp/m.ko 2>&1 | sed 's/.*: //'`, expected: 'DENIED\nOperation not permitted' },
    { name: 'mount a tmpfs', args: [], script: verdict(quiet('mount -t tmpfs none /tmp'), 'MOUNTED'), expected: 'DENIED' },
    { name: 'mount a tmpfs with --cap-add SYS_ADMIN', args: ['--cap-add', 'SYS_ADMIN'], script: verdict(quiet('mount -t tmpfs none /tmp'), 'MOUNTED'), expected: 'MOUNTED' },
    { name: 'mount a tmpfs privileged', args: ['--privileged'], script: verdict(quiet('mount -t tmpfs none /tmp'), 'MOUNTED'), expected: 'MOUNTED', needsPrivileged: true },
    { name: 'unshare -U -r', args: [], script: verdict(quiet('unshare -U -r true'), 'UNSHARED'), expected: 'DENIED' },
    { name: 'enter the host mount namespace of pid 1', args: [], script: verdict(quiet('nsenter -t 1 -m true'), 'ENTERED'), expected: 'DENIED' },
    { name: 'ptrace-read a process of another user', args: [], exec: ['--user', '1000'], script: verdict(quiet('head -c 1 /proc/1/environ'), 'READ'), expected: 'DENIED' },
    { name: 'change the hostname', args: [], script: verdict(quiet('hostname other')), expected: 'DENIED' },
    { name: "change the host's hostname (--uts host)", args: ['--uts', 'host'], script: verdict(quiet('hostname "$(hostname)"')), expected: 'DENIED' },
    // busybox date exits 0 when it cannot set the clock: its message is the verdict.
    { name: 'change the time', args: [], script: 'date -s "$(date "+%Y-%m-%d %H:%M:%S")" 2>&1 >/dev/null | sed "s/.*: //"', expected: 'Operation not permitted' },
    { name: "reach the daemon's socket and home", args: [], script: `for p in ${daemon.socket} ${daemon.home}; do ${verdict('[ -e "$p" ]', 'REACHED')}; done`, expected: 'DENIED\nDENIED' },
    // Nothing is written: the mount table says whether /proc/sys is bound read-only.
    { name: 'masked and read-only paths lifted with systempaths=unconfined', args: ['--security-opt', 'systempaths=unconfined'], script: `head -c 1 /proc/timer_list | wc -c; ${verdict(quiet('grep -E " /proc/sys ro[, ]" /proc/self/mountinfo'), 'READ-ONLY', 'WRITABLE')}`, expected: '1\nWRITABLE' },
    { name: 'masked and read-only paths by default', args: [], script: `head -c 1 /proc/timer_list | wc -c; ${verdict(quiet('grep -E " /proc/sys ro[, ]" /proc/self/mountinfo'), 'READ-ONLY', 'WRITABLE')}`, expected: '0\nREAD-ONLY' },
    { name: 'write /proc/sys privileged', args: ['--privileged'], script: writeBack('/proc/sys/kernel/core_pattern'), expected: 'WROTE', needsPrivileged: true },
    { name: 'host pid namespace (--pid host)', args: ['--pid', 'host'], script: verdict('[ $$ -ne 1 ]', 'HOST', 'OWN'), expected: 'HOST' },
    { name: 'own pid namespace', args: [], script: verdict('[ $$ -ne 1 ]', 'HOST', 'OWN'), expected: 'OWN' },
    { name: 'status: root', args: [], script: STATUS, expected: status({ prm: DOCKER_14, eff: DOCKER_14, bnd: DOCKER_14 }) },
    { name: 'status: --user 1000', args: ['--user', '1000'], script: STATUS, expected: status({ prm: NONE, eff: NONE, bnd: DOCKER_14 }) },
    { name: 'status: --cap-drop ALL', args: ['--cap-drop', 'ALL'], script: STATUS, expected: status({ prm: NONE, eff: NONE, bnd: NONE }) },
    { name: 'status: --cap-add SYS_ADMIN', args: ['--cap-add', 'SYS_ADMIN'], script: STATUS, expected: status({ prm: WITH_SYS_ADMIN, eff: WITH_SYS_ADMIN, bnd: WITH_SYS_ADMIN }) },
    { name: 'status: --security-opt no-new-privileges', args: ['--security-opt', 'no-new-privileges'], script: STATUS_NNP, expected: status({ prm: DOCKER_14, eff: DOCKER_14, bnd: DOCKER_14 }, 2, 1) },
    { name: 'status: --security-opt seccomp=unconfined', args: ['--security-opt', 'seccomp=unconfined'], script: STATUS, expected: status({ prm: DOCKER_14, eff: DOCKER_14, bnd: DOCKER_14 }, 0) },
    { name: 'a custom seccomp profile (--security-opt seccomp=FILE)', args: ['--security-opt', `seccomp=${profile}`], script: 'mkdir /tmp/x 2>&1 | sed "s/.*: //"', expected: 'Permission denied' },
    { name: 'status: exec as root', args: [], exec: [], script: STATUS_NNP, expected: status({ prm: DOCKER_14, eff: DOCKER_14, bnd: DOCKER_14 }, 2, 0) },
    { name: 'status: exec --user 1000', args: [], exec: ['--user', '1000'], script: STATUS, expected: status({ prm: NONE, eff: NONE, bnd: DOCKER_14 }) },
    { name: 'status: exec in a --cap-drop ALL container', args: ['--cap-drop', 'ALL'], exec: [], script: STATUS, expected: status({ prm: NONE, eff: NONE, bnd: NONE }) },
  ];
}
