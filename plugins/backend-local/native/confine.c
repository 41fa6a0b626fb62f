/*
 * confine: the last step before a backend-local workload (or an exec into it) runs, doing inside the
 * sandbox what runc's init does after the namespaces and mounts are in place:
 *
 *   confine [--cgroup-fd N]... [--sysctl KEY=VALUE]... [--ro-path P]... [--mask-path P]... [--setsid-ctty] [--userns-fd N] [--caps 0,1,...|-]
 *           [--seccomp-file BPF] [--nnp]
 *           [--uid U --gid G --groups g1,g2|-] [--unset-env NAME]... [--argv0 X] -- EXE ARGS...
 *
 * In this order: join the container's cgroups (write "0" to each cgroup.procs file open on a --cgroup-fd: the
 * device cgroup's, then memory, cpu, pids, freezer... as runc joins every controller before exec), write the
 * --sysctl values under /proc/sys (runc's sysctl step, before /proc/sys is made read-only), make the
 * --ro-path paths read-only and hide the --mask-path ones (runc's readonlyPath and maskPath; done here with
 * one mount call each, as bwrap's own binds re-read the whole mount table every time), lead a
 * new session with stdin as controlling terminal (--setsid-ctty, as runc does for a TTY), enter the user
 * namespace open on --userns-fd (the daemon's --userns-remap: the sandbox is set up with the daemon's
 * rights, the workload runs as root of the namespace; setns resets the bounding set, so it comes first), drop the
 * capability bounding set to --caps (numbers) and clear the inheritable and ambient sets, load the seccomp
 * BPF read from --seccomp-file (while CAP_SYS_ADMIN is still effective, as runc does without
 * no_new_privs), set no_new_privs, switch to the user with its real supplementary groups, close every fd
 * above 2 and execve EXE with argv[0] = --argv0. At execve a root workload gets the bounding set as its
 * capabilities and any other user none: Docker's semantics without ambient capabilities.
 *
 *   confine --compile-seccomp SPEC OUT
 *
 * compiles a resolved seccomp profile (lines written by the daemon's seccomp.ts: `default ACTION`,
 * `arch NAME`, `RULE NAME [ARGIDX OP VALUE [MASK]]...` with RULE `allow`, `errno:N`, `kill`, `trap`, `log`)
 * into raw BPF with libseccomp, for the native architecture plus the ones named by `arch` lines.
 *
 * Build: cc -static -O2 confine.c -lseccomp
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 127, like runc's "exec failed" before the program runs, so a setup failure never looks like the workload's code. */
#define FAIL 127

static void die(const char *what) {
  fprintf(stderr, "confine: %s: %s\n", what, strerror(errno));
  exit(FAIL);
}

static void dief(const char *what) {
  fprintf(stderr, "confine: %s\n", what);
  exit(FAIL);
}

static long number(const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || end == s) dief("bad number");
  return v;
}

/* ---- seccomp compilation ---- */

static uint32_t action_of(const char *word) {
  if (strcmp(word, "allow") == 0) return SCMP_ACT_ALLOW;
  if (strcmp(word, "kill") == 0) return SCMP_ACT_KILL_PROCESS;
  if (strcmp(word, "trap") == 0) return SCMP_ACT_TRAP;
  if (strcmp(word, "log") == 0) return SCMP_ACT_LOG;
  if (strncmp(word, "errno:", 6) == 0) return SCMP_ACT_ERRNO((uint16_t)number(word + 6));
  if (strncmp(word, "trace:", 6) == 0) return SCMP_ACT_TRACE((uint16_t)number(word + 6));
  dief("unknown seccomp action");
  return 0;
}

static enum scmp_compare op_of(const char *word) {
  static const struct { const char *name; enum scmp_compare op; } ops[] = {
    {"NE", SCMP_CMP_NE}, {"LT", SCMP_CMP_LT}, {"LE", SCMP_CMP_LE}, {"EQ", SCMP_CMP_EQ},
    {"GE", SCMP_CMP_GE}, {"GT", SCMP_CMP_GT}, {"MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) if (strcmp(word, ops[i].name) == 0) return ops[i].op;
  dief("unknown seccomp comparison");
  return SCMP_CMP_EQ;
}

static int compile_seccomp(const char *spec, const char *out) {
  FILE *in = fopen(spec, "r");
  if (!in) die(spec);
  char line[4096];
  scmp_filter_ctx ctx = NULL;
  while (fgets(line, sizeof line, in)) {
    char *words[64];
    int n = 0;
    for (char *w = strtok(line, " \t\n"); w && n < 64; w = strtok(NULL, " \t\n")) words[n++] = w;
    if (n == 0) continue;
    if (strcmp(words[0], "default") == 0 && n == 2) {
      if (ctx) dief("two default lines");
      ctx = seccomp_init(action_of(words[1]));
      if (!ctx) dief("seccomp_init failed");
      continue;
    }
    if (!ctx) dief("the spec must start with a default line");
    if (strcmp(words[0], "arch") == 0 && n == 2) {
      uint32_t arch = seccomp_arch_resolve_name(words[1]);
      if (arch == 0) continue; /* an architecture this libseccomp does not know: nothing to filter there */
      int rc = seccomp_arch_add(ctx, arch);
      if (rc < 0 && rc != -EEXIST) dief("seccomp_arch_add failed");
      continue;
    }
    if (n < 2) dief("a rule needs an action and a syscall");
    uint32_t action = action_of(words[0]);
    int nr = seccomp_syscall_resolve_name(words[1]);
    if (nr == __NR_SCMP_ERROR) continue; /* unknown to libseccomp on every arch: runc skips it as well */
    struct scmp_arg_cmp args[6];
    unsigned nargs = 0;
    for (int i = 2; i < n && nargs < 6;) {
      if (i + 2 >= n) dief("incomplete seccomp condition");
      struct scmp_arg_cmp *a = &args[nargs++];
      a->arg = (unsigned)number(words[i]);
      a->op = op_of(words[i + 1]);
      a->datum_a = strtoull(words[i + 2], NULL, 10);
      a->datum_b = 0;
      i += 3;
      if (a->op == SCMP_CMP_MASKED_EQ) {
        /* Docker's `value` is the mask and `valueTwo` the expected value. */
        if (i >= n) dief("MASKED_EQ needs two values");
        a->datum_b = strtoull(words[i++], NULL, 10);
      }
    }
    int rc = seccomp_rule_add_array(ctx, action, nr, nargs, args);
    /* -EACCES: the rule's action is the default one; -EOPNOTSUPP and friends: not filterable here. */
    if (rc < 0 && rc != -EACCES && rc != -EOPNOTSUPP && rc != -EEXIST) {
      fprintf(stderr, "confine: rule for %s: %s\n", words[1], strerror(-rc));
      return FAIL;
    }
  }
  fclose(in);
  if (!ctx) dief("empty seccomp spec");
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.%d.tmp", out, getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die(tmp);
  if (seccomp_export_bpf(ctx, fd) < 0) dief("seccomp_export_bpf failed");
  if (fsync(fd) < 0 || close(fd) < 0) die(tmp);
  if (rename(tmp, out) < 0) die(out);
  seccomp_release(ctx);
  return 0;
}

/* ---- confinement ---- */

struct options {
  int cgroup_fds[16], n_cgroup_fds, userns_fd, setsid_ctty, nnp, has_caps, has_user;
  const char *seccomp_file;
  unsigned long long caps; /* bit per capability to keep in the bounding set */
  uid_t uid;
  gid_t gid;
  gid_t groups[256];
  int ngroups;
  const char *argv0;
};

static void parse_caps(struct options *o, char *list) {
  o->has_caps = 1;
  o->caps = 0;
  if (strcmp(list, "-") == 0) return;
  for (char *w = strtok(list, ","); w; w = strtok(NULL, ",")) {
    long c = number(w);
    if (c < 0 || c > 63) dief("capability out of range");
    o->caps |= 1ULL << c;
  }
}

static void parse_groups(struct options *o, char *list) {
  o->ngroups = 0;
  if (strcmp(list, "-") == 0) return;
  for (char *w = strtok(list, ","); w; w = strtok(NULL, ",")) {
    if (o->ngroups == 256) dief("too many groups");
    o->groups[o->ngroups++] = (gid_t)number(w);
  }
}

static void join_cgroup(int fd) {
  /* "0" is the writing process itself (cgroup v1 and v2 alike). */
  if (write(fd, "0", 1) != 1) die("joining the container's cgroup");
  close(fd);
}

static void bound_capabilities(unsigned long long keep) {
  for (int cap = 0; cap <= 63; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break; /* past the kernel's last capability */
      die("dropping a capability from the bounding set");
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) die("clearing ambient capabilities");
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) < 0) die("capget");
  data[0].inheritable = data[1].inheritable = 0;
  if (syscall(SYS_capset, &hdr, data) < 0) die("clearing inheritable capabilities");
}

static void load_seccomp(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(path);
  struct stat st;
  if (fstat(fd, &st) < 0) die("seccomp fd");
  if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 || st.st_size > 1 << 20) dief("seccomp BPF has a bad size");
  struct sock_filter *filter = malloc(st.st_size);
  if (!filter) dief("out of memory");
  if (pread(fd, filter, st.st_size, 0) != st.st_size) die("reading seccomp BPF");
  close(fd);
  struct sock_fprog prog = { (unsigned short)(st.st_size / sizeof(struct sock_filter)), filter };
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) die("loading seccomp filter");
  free(filter);
}

/* runc's readonlyPath: bind the path over itself, then make that bind read-only. A missing path is skipped. */
static void readonly_path(const char *path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT) return;
    die(path);
  }
  if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_REC, NULL) < 0) die(path);
}

/* runc's maskPath: /dev/null over a file, an empty read-only tmpfs over a directory. A missing path is skipped. */
static void mask_path(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return;
    die(path);
  }
  int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) : mount("/dev/null", path, NULL, MS_BIND, NULL);
  if (rc < 0) die(path);
}

/* runc writes OCI sysctls as files under /proc/sys, dots standing for slashes. */
static void write_sysctl(const char *assignment) {
  const char *eq = strchr(assignment, '=');
  if (!eq || eq == assignment) dief("bad --sysctl");
  char path[512];
  int n = snprintf(path, sizeof path, "/proc/sys/%.*s", (int)(eq - assignment), assignment);
  if (n < 0 || (size_t)n >= sizeof path) dief("bad --sysctl");
  for (char *p = path + 10; *p; p++) if (*p == '.') *p = '/';
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die(path);
  size_t len = strlen(eq + 1);
  if (write(fd, eq + 1, len) != (ssize_t)len) die(path);
  close(fd);
}

static void close_other_fds(void) {
  /* The daemon's own descriptors must not reach the workload (what runc's init does before exec). */
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3, ~0U, 0) == 0) return;
#endif
  for (int fd = 3; fd < 65536; fd++) close(fd);
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--compile-seccomp") == 0) return compile_seccomp(argv[2], argv[3]);
  struct options o = { .userns_fd = -1 };
  const char *ro_paths[64], *mask_paths[64], *sysctls[16];
  int n_ro = 0, n_mask = 0, n_sysctl = 0;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) { i++; break; }
    if (strcmp(a, "--setsid-ctty") == 0) { o.setsid_ctty = 1; continue; }
    if (strcmp(a, "--nnp") == 0) { o.nnp = 1; continue; }
    if (!v) dief("option without value");
    if (strcmp(a, "--cgroup-fd") == 0) {
      if (o.n_cgroup_fds == 16) dief("too many cgroups");
      o.cgroup_fds[o.n_cgroup_fds++] = (int)number(v);
    }
    else if (strcmp(a, "--userns-fd") == 0) o.userns_fd = (int)number(v);
    else if (strcmp(a, "--seccomp-file") == 0) o.seccomp_file = v;
    else if (strcmp(a, "--caps") == 0) parse_caps(&o, argv[i + 1]);
    else if (strcmp(a, "--uid") == 0) { o.uid = (uid_t)number(v); o.has_user = 1; }
    else if (strcmp(a, "--gid") == 0) o.gid = (gid_t)number(v);
    else if (strcmp(a, "--groups") == 0) parse_groups(&o, argv[i + 1]);
    else if (strcmp(a, "--argv0") == 0) o.argv0 = v;
    else if (strcmp(a, "--sysctl") == 0 && n_sysctl < 16) sysctls[n_sysctl++] = v;
    else if (strcmp(a, "--ro-path") == 0 && n_ro < 64) ro_paths[n_ro++] = v;
    else if (strcmp(a, "--mask-path") == 0 && n_mask < 64) mask_paths[n_mask++] = v;
    else if (strcmp(a, "--unset-env") == 0) unsetenv(v); /* bwrap's --chdir adds PWD, which Docker does not */
    else dief("unknown option");
    i++;
  }
  if (i >= argc) dief("no program given");
  char **args = &argv[i];
  const char *exe = args[0];
  if (o.argv0) args[0] = (char *)o.argv0;

  /* Every controller's group (devices, memory, cpu, pids, freezer...) before anything else runs or forks. */
  for (int k = 0; k < o.n_cgroup_fds; k++) join_cgroup(o.cgroup_fds[k]);
  for (int k = 0; k < n_sysctl; k++) write_sysctl(sysctls[k]);
  for (int k = 0; k < n_ro; k++) readonly_path(ro_paths[k]);
  for (int k = 0; k < n_mask; k++) mask_path(mask_paths[k]);
  if (o.setsid_ctty) {
    /* runc makes the container's process lead a session with the terminal as its controlling tty. */
    if (setsid() < 0 && errno != EPERM) die("setsid");
    if (ioctl(0, TIOCSCTTY, 0) < 0) die("making stdin the controlling terminal");
  }
  if (o.userns_fd >= 0) {
    if (setns(o.userns_fd, CLONE_NEWUSER) < 0) die("entering the user namespace");
    close(o.userns_fd);
  }
  if (o.has_caps) bound_capabilities(o.caps);
  if (o.seccomp_file) load_seccomp(o.seccomp_file);
  if (o.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs");
  if (o.has_user) {
    /* Always set the groups, so the daemon's own supplementary groups never reach the workload. */
    if (setgroups(o.ngroups, o.groups) < 0) die("setgroups");
    if (setresgid(o.gid, o.gid, o.gid) < 0) die("setgid");
    if (setresuid(o.uid, o.uid, o.uid) < 0) die("setuid");
  }
  close_other_fds();
  execve(exe, args, environ);
  /* Docker's messages for a program that cannot be run; the daemon checked it before, so this is rare. */
  fprintf(stderr, "exec %s: %s\n", exe, strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
