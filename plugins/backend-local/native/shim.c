/*
 * shim: the per-container monitor that lets a backend-local workload outlive the daemon (live-restore), in the
 * role containerd-shim plays for dockerd: it holds the workload's process, its output FIFOs, its terminal and,
 * once it has ended, its exit code and time, so a daemon killed with SIGKILL can boot again and reattach.
 *
 *   shim --dir DIR [--stdin] [--tty ROWS COLS] [--ctty] [--cgroup-fd N] [--kill-group] [--cwd PATH] -- PROGRAM ARGS...
 *
 * In DIR (made by the daemon) the shim replaces any stale files and creates the FIFOs `stdout`, `stderr` (not
 * with --tty), `stdin` (with --stdin), `ctl` and `wait`, writes `shim.pid` (`<pid> <starttime>`, field 22 of
 * /proc/self/stat, so a reused pid is told apart), forks and execvp's PROGRAM, and once the exec succeeded prints
 * `pid <CHILD_PID>` on stdout, then lets go of its stdio (a dead daemon must not SIGPIPE it). Only SIGKILL ends
 * it from outside. Setup failures print `error <what>: <strerror>` on stderr and exit 127, like runc's
 * "exec failed", so they never look like the workload's own code.
 *
 * Without a TTY the child writes straight into the `stdout`/`stderr` FIFOs; the shim only holds a read end of
 * each that it never reads, which keeps buffered output alive and the workload's writes from failing while no
 * daemon reads. With --tty it relays the pty master into `stdout` and stops reading the master while the FIFO
 * is full, so the workload blocks, as under dockerd with live-restore. `stdin` is opened read-write so a daemon
 * restart never shows the workload an EOF; `ctl` takes `resize ROWS COLS`, `close-stdin`, `attach` and `release`.
 *
 * While no daemon is there (the last writer of `ctl` left: it died or stopped), the shim spools the output into
 * `stdout.spool` / `stderr.spool` (what the FIFOs held first, then everything new, up to SPOOL_LIMIT each), so
 * the workload is not held up by a full FIFO and nothing it writes is lost. A daemon that comes back writes
 * `attach`: the shim stops spooling and answers one byte on the `ack` FIFO; the daemon then reads the spool
 * files, then the FIFOs, which hold only what came after.
 * When the child has ended: --kill-group kills its process group, a TTY's last output is relayed, `exit` is
 * written (`<code> <signal> <finishedAtUnixNanos>`, by rename so it is complete when it appears), the `wait`
 * FIFO's write end is closed (a daemon reading it sees EOF), and the shim waits for `release` to exit 0.
 *
 * Build: cc -static -O2 -o shim shim.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define FAIL 127
#define RELAY_LIMIT 65536          /* bytes held in each relay buffer before the source is left unread */
#define FIFO_SIZE (1024 * 1024)    /* as much output as the kernel keeps for a daemon that is restarting */
#define TTY_DRAIN_MS 250           /* a background process may hold the terminal for ever after the exit */
#define SPOOL_LIMIT (256LL << 20)  /* per stream; past it the workload blocks on a full FIFO again */

static void set_dispositions(void (*handler)(int)) {
  static const int signals[] = {SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT};
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) signal(signals[i], handler);
}

static struct {
  const char *dir, *cwd;
  int with_stdin, tty, ctty, kill_group, cgroup_fd;
  unsigned short rows, cols;
  char **argv;
} opt = {.cgroup_fd = -1};

struct buffer { char data[RELAY_LIMIT]; size_t len; };

enum stdin_state { STDIN_OPEN, STDIN_DRAINING, STDIN_EOF_QUEUED };

static struct {
  int dir_fd, sig_fd, ctl_fd, wait_fd, ack_fd;
  int out_hold, err_hold;                      /* the read ends held (and read only while spooling) */
  int hold_eof[2];
  int spooling, spool_fd[2];                   /* no daemon: output goes to stdout.spool / stderr.spool */
  long long spooled[2];
  int master, master_done, out_write;          /* --tty: master and the write end of `stdout` */
  int stdin_fifo, stdin_target, stdin_state; /* the target is the child's stdin pipe, or the master */
  struct buffer out, in;
  pid_t child;
  int status, exited, recorded, release_asked;
  long long finished_ns, drain_deadline_ms;
  char ctl_line[256];
  size_t ctl_len;
  int ctl_overlong;
} st = {.ctl_fd = -1, .master = -1, .out_write = -1, .stdin_fifo = -1, .stdin_target = -1, .out_hold = -1, .err_hold = -1,
        .spool_fd = {-1, -1}};

static void die(const char *what) {
  fprintf(stderr, "error %s: %s\n", what, strerror(errno));
  exit(FAIL);
}

static void usage(void) {
  fprintf(stderr, "error usage: shim --dir DIR [--stdin] [--tty ROWS COLS] [--ctty] [--cgroup-fd N] [--kill-group] "
                  "[--cwd PATH] -- PROGRAM ARGS...\n");
  exit(FAIL);
}

static long number(const char *s) {
  char *end;
  errno = 0;
  long v = s ? strtol(s, &end, 10) : -1;
  if (!s || errno || *end || end == s || v < 0) usage();
  return v;
}

static void parse_args(int argc, char **argv) {
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--dir") == 0 && i + 1 < argc) opt.dir = argv[++i];
    else if (strcmp(a, "--cwd") == 0 && i + 1 < argc) opt.cwd = argv[++i];
    else if (strcmp(a, "--stdin") == 0) opt.with_stdin = 1;
    else if (strcmp(a, "--ctty") == 0) opt.ctty = 1;
    else if (strcmp(a, "--kill-group") == 0) opt.kill_group = 1;
    else if (strcmp(a, "--cgroup-fd") == 0 && i + 1 < argc) opt.cgroup_fd = (int)number(argv[++i]);
    else if (strcmp(a, "--tty") == 0 && i + 2 < argc) {
      opt.tty = 1;
      opt.rows = (unsigned short)number(argv[++i]);
      opt.cols = (unsigned short)number(argv[++i]);
    } else usage();
  }
  if (!opt.dir || i + 1 >= argc) usage();
  opt.argv = argv + i + 1;
}

static long long clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long monotonic_ms(void) { return clock_ns(CLOCK_MONOTONIC) / 1000000; }

/* ---- files in DIR ---- */

static int open_in_dir(const char *name, int flags) {
  int fd = openat(st.dir_fd, name, flags | O_CLOEXEC);
  if (fd < 0) die(name);
  return fd;
}

static void make_fifo(const char *name) {
  if (unlinkat(st.dir_fd, name, 0) < 0 && errno != ENOENT) die(name);
  if (mkfifoat(st.dir_fd, name, 0600) < 0) die(name);
}

/* Temp file + rename: a reader never sees half of it. */
static void write_file_atomically(const char *name, const char *text) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  int fd = openat(st.dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) die(tmp);
  size_t len = strlen(text);
  if (write(fd, text, len) != (ssize_t)len) die(tmp);
  close(fd);
  if (renameat(st.dir_fd, tmp, st.dir_fd, name) < 0) die(name);
}

static void write_pid_file(void) {
  char stat[1024], text[64];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, stat, sizeof stat - 1);
  if (n <= 0) die("/proc/self/stat");
  close(fd);
  stat[n] = 0;
  /* The command name (field 2) may hold spaces; field 3 starts after its closing parenthesis. */
  char *p = strrchr(stat, ')');
  for (int field = 2; p && field < 22; field++) p = strchr(p + 1, ' ');
  if (!p) { errno = EINVAL; die("/proc/self/stat"); }
  snprintf(text, sizeof text, "%d %lld\n", (int)getpid(), strtoll(p + 1, NULL, 10));
  write_file_atomically("shim.pid", text);
}

static void write_exit_file(void) {
  char text[96];
  int code = WIFSIGNALED(st.status) ? 128 + WTERMSIG(st.status) : WEXITSTATUS(st.status);
  int sig = WIFSIGNALED(st.status) ? WTERMSIG(st.status) : 0;
  snprintf(text, sizeof text, "%d %d %lld\n", code, sig, st.finished_ns);
  write_file_atomically("exit", text);
}

/* ---- the child ---- */

struct exec_failure { int err; char what[240]; };

static void fail_in_child(int report_fd, const char *what, const char *detail) {
  struct exec_failure f = {.err = errno};
  snprintf(f.what, sizeof f.what, "%s%s%s", what, detail ? " " : "", detail ? detail : "");
  (void)!write(report_fd, &f, sizeof f); /* one write below PIPE_BUF: the parent reads it whole */
  _exit(FAIL);
}

/* dup2 onto a standard fd; dup2 clears FD_CLOEXEC, but not when the fd already is that number. */
static int place(int fd, int target) {
  if (fd == target) return fcntl(fd, F_SETFD, 0);
  return dup2(fd, target);
}

static void run_child(int report_fd, int in, int out, int err) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  set_dispositions(SIG_DFL); /* ignored dispositions would survive the exec */
  /* Like runc: a TTY workload leads its own session; it takes the terminal itself unless --ctty does it here. */
  if (opt.tty && setsid() < 0) fail_in_child(report_fd, "setsid", NULL);
  if (!opt.tty && opt.kill_group && setpgid(0, 0) < 0) fail_in_child(report_fd, "setpgid", NULL);
  if (in < 0 && (in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) fail_in_child(report_fd, "open", "/dev/null");
  if (place(in, 0) < 0 || place(out, 1) < 0 || place(err, 2) < 0) fail_in_child(report_fd, "dup2", NULL);
  if (opt.ctty && ioctl(0, TIOCSCTTY, 0) < 0) fail_in_child(report_fd, "TIOCSCTTY", NULL);
  if (opt.cwd && chdir(opt.cwd) < 0) fail_in_child(report_fd, "chdir", opt.cwd);
  execvp(opt.argv[0], opt.argv);
  fail_in_child(report_fd, "exec", opt.argv[0]);
}

static int open_terminal(int *slave) {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die("posix_openpt");
  if (grantpt(master) < 0 || unlockpt(master) < 0) die("unlockpt");
  struct winsize size = {.ws_row = opt.rows, .ws_col = opt.cols};
  if (ioctl(master, TIOCSWINSZ, &size) < 0) die("TIOCSWINSZ");
  const char *name = ptsname(master);
  if (!name || (*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) die("open pty slave");
  if (fcntl(master, F_SETFL, O_NONBLOCK) < 0) die("fcntl");
  return master;
}

/* Creates the FIFOs and pipes, forks and execs; returns once the exec has succeeded. */
static void start_child(void) {
  int in = -1, out = -1, err = -1, slave = -1, stdin_pipe[2] = {-1, -1}, report[2];
  if (opt.tty) {
    st.master = open_terminal(&slave);
    in = out = err = slave;
    st.out_hold = open_in_dir("stdout", O_RDONLY | O_NONBLOCK); /* held: keeps the FIFO's buffer alive */
    st.out_write = open_in_dir("stdout", O_WRONLY | O_NONBLOCK);
    (void)fcntl(st.out_write, F_SETPIPE_SZ, FIFO_SIZE);
  } else {
    fcntl(st.out_hold = open_in_dir("stdout", O_RDONLY | O_NONBLOCK), F_SETPIPE_SZ, FIFO_SIZE);
    fcntl(st.err_hold = open_in_dir("stderr", O_RDONLY | O_NONBLOCK), F_SETPIPE_SZ, FIFO_SIZE);
    out = open_in_dir("stdout", O_WRONLY); /* a reader is there, so this does not block; the child's is blocking */
    err = open_in_dir("stderr", O_WRONLY);
  }
  if (opt.with_stdin) {
    st.stdin_fifo = open_in_dir("stdin", O_RDWR | O_NONBLOCK); /* its own writer: never an EOF */
    if (opt.tty) st.stdin_target = st.master;
    else {
      if (pipe2(stdin_pipe, O_CLOEXEC) < 0) die("pipe");
      in = stdin_pipe[0];
      st.stdin_target = stdin_pipe[1];
      if (fcntl(st.stdin_target, F_SETFL, O_NONBLOCK) < 0) die("fcntl");
    }
  }
  if (pipe2(report, O_CLOEXEC) < 0) die("pipe");
  st.child = fork();
  if (st.child < 0) die("fork");
  if (st.child == 0) run_child(report[1], in, out, err);
  close(report[1]);
  /* No write end of the output stays here: the daemon's reader sees EOF once the workload's are gone. */
  if (slave >= 0) close(slave);
  if (!opt.tty) close(out), close(err);
  if (stdin_pipe[0] >= 0) close(stdin_pipe[0]);
  struct exec_failure f;
  ssize_t n;
  while ((n = read(report[0], &f, sizeof f)) < 0 && errno == EINTR) {}
  if (n > 0) {
    fprintf(stderr, "error %s: %s\n", f.what, strerror(f.err));
    waitpid(st.child, NULL, 0);
    exit(FAIL);
  }
  close(report[0]);
}

/* ---- relays ---- */

/* Writes what the buffer holds as far as the fd takes it; keeps the rest. Returns -1 on a hard error. */
static int flush(struct buffer *b, int fd) {
  while (b->len > 0) {
    ssize_t n = write(fd, b->data, b->len);
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    memmove(b->data, b->data + n, b->len - (size_t)n);
    b->len -= (size_t)n;
  }
  return 0;
}

/* Reads what fits into the buffer. Returns bytes read, 0 on EOF, -1 with errno (EAGAIN: nothing now). */
static ssize_t fill(struct buffer *b, int fd) {
  if (b->len == sizeof b->data) { errno = ENOBUFS; return -1; }
  ssize_t n = read(fd, b->data + b->len, sizeof b->data - b->len);
  if (n > 0) b->len += (size_t)n;
  return n;
}

/* ---- the spool: the output while no daemon is there ---- */

static void write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; /* a full disk: the rest of this chunk is lost, the workload goes on */
    data += n;
    len -= (size_t)n;
  }
}

/* Moves what `from` holds now into stream i's spool file, up to SPOOL_LIMIT. */
static void spool_from(int from, int i) {
  char chunk[65536];
  /* An `attach` handled earlier in the same poll round stopped the spool: what the FIFO holds is the daemon's. */
  if (!st.spooling || st.spool_fd[i] < 0) return;
  while (st.spooled[i] < SPOOL_LIMIT) {
    ssize_t n = read(from, chunk, sizeof chunk);
    if (n == 0) st.hold_eof[i] = 1; /* every writer is gone and it is empty */
    if (n <= 0) return;
    write_all(st.spool_fd[i], chunk, (size_t)n);
    st.spooled[i] += n;
  }
}

/* A TTY's relayed output: into the FIFO while a daemon reads, into the spool while none does. */
static void flush_terminal_output(void) {
  if (!st.spooling) { flush(&st.out, st.out_write); return; }
  size_t room = st.spooled[0] >= SPOOL_LIMIT ? 0 : st.out.len;
  write_all(st.spool_fd[0], st.out.data, room);
  st.spooled[0] += (long long)room;
  memmove(st.out.data, st.out.data + room, st.out.len - room);
  st.out.len -= room;
}

static int open_spool(const char *name) {
  return openat(st.dir_fd, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

/* The daemon is gone: what the FIFOs hold and everything after goes to the spool files, in order. */
static void start_spooling(void) {
  if (st.spooling) return;
  st.spool_fd[0] = open_spool("stdout.spool");
  if (!opt.tty) st.spool_fd[1] = open_spool("stderr.spool");
  if (st.spool_fd[0] < 0 || (!opt.tty && st.spool_fd[1] < 0)) return; /* DIR is gone or full: keep blocking */
  st.spooling = 1;
  spool_from(st.out_hold, 0);
  if (!opt.tty) spool_from(st.err_hold, 1);
  else flush_terminal_output();
}

/* A daemon is back (`attach`): the spool is complete when it reads the ack; the FIFOs carry what comes next. */
static void stop_spooling(void) {
  if (st.spooling) {
    for (int i = 0; i < 2; i++) if (st.spool_fd[i] >= 0) close(st.spool_fd[i]), st.spool_fd[i] = -1;
    st.spooling = 0;
    st.spooled[0] = st.spooled[1] = 0;
  }
  write_all(st.ack_fd, "a", 1);
}

static void relay_terminal_output(void) {
  ssize_t n = fill(&st.out, st.master);
  /* EIO: nobody holds the slave any more; that is the terminal's EOF. */
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR && errno != ENOBUFS)) st.master_done = 1;
  flush_terminal_output();
}

static void drop_stdin_target(void) {
  if (!opt.tty) close(st.stdin_target); /* the workload reads EOF; with a TTY the target is the master */
  st.stdin_target = -1;
}

/* Moves bytes from the `stdin` FIFO to the workload; after close-stdin, until the FIFO is empty, then ends it. */
static void relay_stdin(void) {
  while (st.stdin_target >= 0) {
    ssize_t n = st.stdin_state == STDIN_EOF_QUEUED ? 0 : fill(&st.in, st.stdin_fifo);
    int fifo_empty = n == 0 || (n < 0 && errno == EAGAIN);
    if (flush(&st.in, st.stdin_target) < 0) {
      st.in.len = 0; /* the workload closed its stdin (EPIPE): nothing more to deliver */
      drop_stdin_target();
      return;
    }
    if (st.in.len > 0 || st.stdin_state == STDIN_OPEN) return; /* the poll loop calls again */
    if (st.stdin_state == STDIN_EOF_QUEUED) { st.stdin_target = -1; return; }
    if (!fifo_empty) continue;
    if (!opt.tty) { drop_stdin_target(); return; }
    /* A terminal has no half-close: ^D is what a reader in canonical mode takes as end of input. */
    st.in.data[st.in.len++] = 0x04;
    st.stdin_state = STDIN_EOF_QUEUED;
  }
}

/* ---- control and exit ---- */

static void finish_exit(void) {
  if (opt.tty) {
    close(st.master);
    close(st.out_write);
    st.master = st.out_write = -1;
  }
  write_exit_file();
  close(st.wait_fd); /* the daemon's reader of `wait` sees EOF: the exit is recorded */
  st.recorded = 1;
  if (st.release_asked || st.ctl_fd < 0) exit(0);
}

static void run_command(char *line) {
  unsigned rows, cols;
  char extra;
  if (sscanf(line, "resize %u %u %c", &rows, &cols, &extra) == 2) {
    struct winsize size = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (st.master >= 0) ioctl(st.master, TIOCSWINSZ, &size);
  } else if (strcmp(line, "close-stdin") == 0) {
    /* What the daemon wrote before close-stdin is still the workload's input: relay all of it first. */
    if (!st.exited && st.stdin_state == STDIN_OPEN) st.stdin_state = STDIN_DRAINING, relay_stdin();
  } else if (strcmp(line, "attach") == 0) {
    stop_spooling();
  } else if (strcmp(line, "release") == 0 && st.exited) {
    if (st.recorded) exit(0);
    st.release_asked = 1; /* the TTY is still draining: exit once the exit file is written */
  }
}

static void read_ctl(void) {
  char chunk[512];
  ssize_t n = read(st.ctl_fd, chunk, sizeof chunk);
  if (n == 0) {
    /* The last writer left: a FIFO reader then reports POLLHUP for ever, a fresh open does not. The new reader
     * is opened before the old one closes, so a command written in between is never dropped with the pipe. */
    int old = st.ctl_fd;
    st.ctl_fd = openat(st.dir_fd, "ctl", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    close(old);
    /* DIR is gone: the daemon removed the container, so no command can come any more. */
    if (st.ctl_fd < 0 && st.recorded) exit(0);
    start_spooling();
  }
  for (ssize_t i = 0; i < n; i++) {
    if (chunk[i] == '\n') {
      st.ctl_line[st.ctl_len] = 0;
      if (!st.ctl_overlong) run_command(st.ctl_line);
      st.ctl_len = 0;
      st.ctl_overlong = 0;
    } else if (st.ctl_len + 1 < sizeof st.ctl_line) st.ctl_line[st.ctl_len++] = chunk[i];
    else st.ctl_overlong = 1;
  }
}

static void on_child_exit(int status) {
  st.exited = 1;
  st.status = status;
  st.finished_ns = clock_ns(CLOCK_REALTIME);
  if (opt.kill_group) kill(-st.child, SIGKILL); /* nothing left behind may hold the output open */
  /* Input for a workload that is gone is dropped; the FIFO stays open so the daemon's writer gets no EPIPE. */
  if (st.stdin_target >= 0) drop_stdin_target();
  if (opt.tty) st.drain_deadline_ms = monotonic_ms() + TTY_DRAIN_MS;
  else finish_exit();
}

/* As a subreaper the shim also inherits the workload's orphans: reap them, only the child's status counts. */
static void reap(void) {
  struct signalfd_siginfo info;
  while (read(st.sig_fd, &info, sizeof info) > 0) {}
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
    if (pid == st.child) on_child_exit(status);
}

static void event_loop(void) {
  for (;;) {
    int drained = (st.master_done && st.out.len == 0) || monotonic_ms() >= st.drain_deadline_ms;
    if (st.exited && !st.recorded && drained) finish_exit();
    struct pollfd fds[8];
    int n = 0, timeout = -1;
    fds[n++] = (struct pollfd){.fd = st.sig_fd, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = st.ctl_fd, .events = POLLIN};
    if (st.master >= 0 && !st.master_done && st.out.len < sizeof st.out.data)
      fds[n++] = (struct pollfd){.fd = st.master, .events = POLLIN};
    if (st.out_write >= 0 && st.out.len > 0 && !st.spooling) fds[n++] = (struct pollfd){.fd = st.out_write, .events = POLLOUT};
    if (st.spooling && !opt.tty) {
      if (!st.hold_eof[0] && st.spooled[0] < SPOOL_LIMIT) fds[n++] = (struct pollfd){.fd = st.out_hold, .events = POLLIN};
      if (!st.hold_eof[1] && st.spooled[1] < SPOOL_LIMIT) fds[n++] = (struct pollfd){.fd = st.err_hold, .events = POLLIN};
    }
    if (st.stdin_target >= 0 && st.in.len > 0) fds[n++] = (struct pollfd){.fd = st.stdin_target, .events = POLLOUT};
    else if (st.stdin_target >= 0 && st.stdin_fifo >= 0) fds[n++] = (struct pollfd){.fd = st.stdin_fifo, .events = POLLIN};
    if (st.exited && !st.recorded) {
      long long left = st.drain_deadline_ms - monotonic_ms();
      timeout = left < 0 ? 0 : (int)left;
    }
    if (poll(fds, (nfds_t)n, timeout) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    for (int i = 0; i < n; i++) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == st.sig_fd) reap();
      else if (fds[i].fd == st.ctl_fd) read_ctl();
      else if (fds[i].fd == st.master && fds[i].events == POLLIN) relay_terminal_output();
      else if (fds[i].fd == st.out_write) flush(&st.out, st.out_write);
      else if (fds[i].fd == st.out_hold) spool_from(st.out_hold, 0);
      else if (fds[i].fd == st.err_hold) spool_from(st.err_hold, 1);
      else relay_stdin();
    }
  }
}

/* ---- start-up ---- */

static void detach_stdio(void) {
  /* From here on a dead daemon's pipes cannot hurt: nothing is written to them any more. */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) die("/dev/null");
  close(null);
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  set_dispositions(SIG_IGN); /* only SIGKILL ends a shim from outside */
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  /* Blocked before the fork, so a child that ends at once is still reported on the signalfd. */
  if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0) die("sigprocmask");
  if ((st.sig_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) die("signalfd");
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("PR_SET_CHILD_SUBREAPER");
  if (opt.cgroup_fd >= 0) {
    char pid[24];
    int len = snprintf(pid, sizeof pid, "%d", (int)getpid());
    if (write(opt.cgroup_fd, pid, (size_t)len) != len) die("cgroup.procs");
  }
  if ((st.dir_fd = open(opt.dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) die(opt.dir);
  /* An earlier run's files must not be taken for this one's (a FIFO it does not make here included). */
  const char *stale[] = {"exit", "exit.tmp", "shim.pid.tmp", "stderr", "stdin", "stdout.spool", "stderr.spool"};
  for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++) unlinkat(st.dir_fd, stale[i], 0);
  make_fifo("stdout");
  if (!opt.tty) make_fifo("stderr");
  if (opt.with_stdin) make_fifo("stdin");
  make_fifo("ctl");
  make_fifo("wait");
  make_fifo("ack");
  write_pid_file();
  st.ctl_fd = open_in_dir("ctl", O_RDONLY | O_NONBLOCK);
  st.wait_fd = open_in_dir("wait", O_RDWR);
  st.ack_fd = open_in_dir("ack", O_RDWR | O_NONBLOCK); /* its own reader: an ack nobody reads never blocks */
  start_child();
  printf("pid %d\n", (int)st.child);
  fflush(stdout);
  detach_stdio();
  event_loop();
  return 0;
}
