/* payload: the static multi-call helper that berth's integration tests place
 * at /payload in every test container (the idea of crun's tests/init.c and
 * youki's runtimetest).  argv[1] names what to do; output goes to stdout in a
 * fixed, line-oriented format the tests match exactly; errors go to stderr
 * with a non-zero exit.  Static and dependency-free so it runs in any rootfs,
 * and (for hooks) on the host.
 *
 *   cat FILE...          echo ARGS...         id          caps        limits
 *   fds                  env                  cwd         hostname    ns
 *   sleep SECONDS        exit CODE            kill-self SIGNAL
 *   mkdir PATH           write FILE TEXT      stat PATH   tty
 *   wait-signal          ignore-term SECONDS  ppid        pid
 *   memhog MIB [SECONDS] forkbomb N           spin MS
 *   syscall NR
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "payload";

static int fail(const char *what, const char *obj) {
  int e = errno;
  if (obj)
    fprintf(stderr, "%s: %s \"%s\": %s\n", prog, what, obj, strerror(e));
  else
    fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(e));
  return 1;
}

static int usage(const char *msg) {
  fprintf(stderr, "%s: %s\n", prog, msg);
  return 2;
}

static long parse_long(const char *s, int *ok) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  *ok = (errno == 0 && end != s && *end == '\0');
  return v;
}

/* ---- signals --------------------------------------------------------------- */

static const struct {
  const char *name;
  int num;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},   {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"PWR", SIGPWR},   {"SYS", SIGSYS},
};

static const char *signal_name(int sig) {
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (signals[i].num == sig) return signals[i].name;
  return "?";
}

/* "9", "KILL" or "SIGKILL" */
static int signal_number(const char *s) {
  int ok;
  long n = parse_long(s, &ok);
  if (ok) return (n > 0 && n < 65) ? (int)n : -1;
  if (strncmp(s, "SIG", 3) == 0) s += 3;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcmp(signals[i].name, s) == 0) return signals[i].num;
  return -1;
}

/* ---- subcommands ------------------------------------------------------------ */

static int cmd_cat(int argc, char **argv) {
  if (argc < 1) return usage("cat: expected FILE...");
  char buf[8192];
  for (int i = 0; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail("cat: open", argv[i]);
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
      if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) return fail("cat: write", NULL);
    if (n < 0) return fail("cat: read", argv[i]);
    close(fd);
  }
  return 0;
}

static int cmd_echo(int argc, char **argv) {
  for (int i = 0; i < argc; i++) printf("%s%s", i ? " " : "", argv[i]);
  putchar('\n');
  return 0;
}

static int cmd_id(void) {
  gid_t groups[256];
  int n = getgroups(256, groups);
  if (n < 0) return fail("id: getgroups", NULL);
  printf("uid=%u gid=%u euid=%u egid=%u groups=", getuid(), getgid(), geteuid(), getegid());
  for (int i = 0; i < n; i++) printf("%s%u", i ? "," : "", groups[i]);
  putchar('\n');
  return 0;
}

/* Lines of /proc/self/status whose key starts with PREFIX (e.g. "Cap"). */
static int status_lines(const char *prefix) {
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) return fail("open", "/proc/self/status");
  char line[512];
  while (fgets(line, sizeof line, f))
    if (strncmp(line, prefix, strlen(prefix)) == 0) fputs(line, stdout);
  fclose(f);
  return 0;
}

static int cmd_limits(void) {
  static const struct {
    const char *name;
    int res;
  } limits[] = {
      {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_DATA", RLIMIT_DATA},     {"RLIMIT_STACK", RLIMIT_STACK},
      {"RLIMIT_CORE", RLIMIT_CORE},     {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},   {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
  };
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    struct rlimit rl;
    if (getrlimit(limits[i].res, &rl) < 0) return fail("getrlimit", limits[i].name);
    printf("%s ", limits[i].name);
    if (rl.rlim_cur == RLIM_INFINITY) printf("unlimited "); else printf("%llu ", (unsigned long long)rl.rlim_cur);
    if (rl.rlim_max == RLIM_INFINITY) printf("unlimited\n"); else printf("%llu\n", (unsigned long long)rl.rlim_max);
  }
  return 0;
}

/* "FD TARGET" for every open fd but stdio and the directory being read. */
static int cmd_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return fail("fds: opendir", "/proc/self/fd");
  int self = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    int ok;
    long fd = parse_long(e->d_name, &ok);
    if (!ok || fd <= 2 || fd == self) continue;
    char target[4096];
    ssize_t n = readlinkat(self, e->d_name, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    printf("%ld %s\n", fd, target);
  }
  closedir(d);
  return 0;
}

static int cmd_env(void) {
  extern char **environ;
  for (char **e = environ; *e; e++) puts(*e);
  return 0;
}

static int cmd_cwd(void) {
  char buf[4096];
  if (!getcwd(buf, sizeof buf)) return fail("cwd: getcwd", NULL);
  puts(buf);
  return 0;
}

static int cmd_hostname(void) {
  struct utsname u;
  if (uname(&u) < 0) return fail("hostname: uname", NULL);
  puts(u.nodename);
  return 0;
}

static int do_sleep(const char *arg) {
  int ok;
  long s = parse_long(arg, &ok);
  if (!ok || s < 0) return usage("sleep: expected SECONDS");
  struct timespec ts = {.tv_sec = s, .tv_nsec = 0};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
  return 0;
}

static int cmd_exit(const char *arg) {
  int ok;
  long c = parse_long(arg, &ok);
  if (!ok) return usage("exit: expected CODE");
  fflush(stdout);
  _exit((int)c);
}

/* The init of a pid namespace ignores signals from inside it that it has no
 * handler for (SIGNAL_UNKILLABLE), even its own kill(2).  So when kill(2)
 * returns, fall back to what the kernel does honour: a SIGKILL/SIGSTOP queued
 * with si_code SI_KERNEL (allowed only to oneself, and forced by
 * send_signal_locked()), or a real fault for SIGSEGV and SIGILL.  Other
 * signals cannot end a pid 1 from inside: it reports that and exits 1. */
static int cmd_kill_self(const char *arg) {
  int sig = signal_number(arg);
  if (sig < 0) return usage("kill-self: unknown signal");
  fflush(stdout);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  kill(getpid(), sig);
  if (sig == SIGKILL || sig == SIGSTOP) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = SI_KERNEL;
    syscall(SYS_rt_sigqueueinfo, getpid(), sig, &si);
  } else if (sig == SIGSEGV) {
    volatile int *volatile p = NULL;
    *p = 1;
  } else if (sig == SIGILL) {
    __builtin_trap();
  }
  if (sig == SIGSTOP) return 0;
  fprintf(stderr, "%s: kill-self: still alive after SIG%s (pid %d)\n", prog, signal_name(sig), getpid());
  return 1;
}

static int cmd_mkdir(const char *path) {
  if (mkdir(path, 0755) < 0)
    puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
  else
    puts("ok");
  return 0;
}

static int cmd_ns(void) {
  struct dirent **names;
  int n = scandir("/proc/self/ns", &names, NULL, alphasort);
  if (n < 0) return fail("ns: scandir", "/proc/self/ns");
  for (int i = 0; i < n; i++) {
    if (names[i]->d_name[0] != '.') {
      char path[512], target[256];
      snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]->d_name);
      ssize_t len = readlink(path, target, sizeof target - 1);
      target[len < 0 ? 0 : len] = '\0';
      printf("%s %s\n", names[i]->d_name, target);
    }
    free(names[i]);
  }
  free(names);
  return 0;
}

/* Prints "ready" once the signals are blocked, so a test knows when it may
 * send one, then the name of the first that arrives. */
static int cmd_wait_signal(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return fail("wait-signal: sigprocmask", NULL);
  puts("ready");
  fflush(stdout);
  int sig;
  for (;;) {
    sig = sigwaitinfo(&set, NULL);
    if (sig > 0) break;
    if (errno != EINTR) return fail("wait-signal: sigwaitinfo", NULL);
  }
  printf("%s\n", signal_name(sig));
  return 0;
}

static int cmd_ignore_term(const char *arg) {
  signal(SIGTERM, SIG_IGN);
  puts("ready");
  fflush(stdout);
  return do_sleep(arg);
}

static int cmd_write(const char *file, const char *text) {
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("write: open", file);
  size_t len = strlen(text);
  if (write(fd, text, len) != (ssize_t)len) return fail("write", file);
  return close(fd) < 0 ? fail("write: close", file) : 0;
}

/* "MODE UID GID TYPE" of the path itself (lstat): 755 0 0 dir */
static int cmd_stat(const char *path) {
  struct stat st;
  if (lstat(path, &st) < 0) return fail("stat", path);
  const char *type = S_ISREG(st.st_mode)    ? "file"
                     : S_ISDIR(st.st_mode)  ? "dir"
                     : S_ISLNK(st.st_mode)  ? "link"
                     : S_ISCHR(st.st_mode)  ? "chr"
                     : S_ISBLK(st.st_mode)  ? "blk"
                     : S_ISFIFO(st.st_mode) ? "fifo"
                     : S_ISSOCK(st.st_mode) ? "sock"
                                            : "?";
  printf("%o %u %u %s\n", st.st_mode & 07777, st.st_uid, st.st_gid, type);
  return 0;
}

/* "FD tty NAME" or "FD notty" for 0, 1 and 2. */
static int cmd_tty(void) {
  for (int fd = 0; fd <= 2; fd++) {
    if (isatty(fd)) {
      const char *name = ttyname(fd);
      printf("%d tty %s\n", fd, name ? name : "?");
    } else {
      printf("%d notty\n", fd);
    }
  }
  return 0;
}

/* sd_notify by hand: MESSAGE as one datagram to $NOTIFY_SOCKET. */
static int cmd_notify(const char *msg) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path) return usage("notify: NOTIFY_SOCKET is not set");
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path) return usage("notify: socket path too long");
  strcpy(a.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("notify: socket", NULL);
  if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof a) < 0) return fail("notify: sendto", path);
  close(fd);
  return 0;
}

/* The host side for tests: bind SOCKET, print one datagram, within SECONDS. */
static int cmd_notify_listen(const char *path, const char *secs) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path) return usage("notify-listen: socket path too long");
  strcpy(a.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) return fail("notify-listen: bind", path);
  struct timeval tv = {.tv_sec = atoi(secs)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
  if (n < 0) return fail("notify-listen: recv", path);
  buf[n] = 0;
  printf("%s\n", buf);
  return 0;
}

/* The host side of a seccomp notify test: listen on SOCKET, receive the
 * listener fd and the containerProcessState JSON (printed on the first
 * line), then answer up to COUNT notifications with "continue" (the syscall
 * proceeds) and print "notified NR" for each. */
static int cmd_seccomp_listen(const char *path, const char *count) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path) return usage("seccomp-listen: socket path too long");
  strcpy(a.sun_path, path);
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0)
    return fail("seccomp-listen: listen", path);
  int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return fail("seccomp-listen: accept", path);
  char buf[16384];
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
  union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
  ssize_t n = recvmsg(c, &m, MSG_CMSG_CLOEXEC);
  struct cmsghdr *h = CMSG_FIRSTHDR(&m);
  if (n <= 0 || !h || h->cmsg_type != SCM_RIGHTS) return fail("seccomp-listen: recvmsg", path);
  int fd;
  memcpy(&fd, CMSG_DATA(h), sizeof fd);
  buf[n] = 0;
  printf("%s\n", buf);
  fflush(stdout);
  struct seccomp_notif_sizes sz;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0) return fail("seccomp-listen: sizes", NULL);
  struct seccomp_notif *req = calloc(1, sz.seccomp_notif > sizeof *req ? sz.seccomp_notif : sizeof *req);
  struct seccomp_notif_resp *resp =
      calloc(1, sz.seccomp_notif_resp > sizeof *resp ? sz.seccomp_notif_resp : sizeof *resp);
  for (int i = 0, max = atoi(count); i < max; i++) {
    memset(req, 0, sz.seccomp_notif);
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) return fail("seccomp-listen: NOTIF_RECV", NULL);
    printf("notified %d\n", req->data.nr);
    fflush(stdout);
    memset(resp, 0, sz.seccomp_notif_resp);
    resp->id = req->id;
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0) return fail("seccomp-listen: NOTIF_SEND", NULL);
  }
  return 0;
}

/* "policy P nice N priority R ioprio CLASS DATA": what the kernel applies. */
static int cmd_sched(void) {
  struct sched_param sp;
  int policy = sched_getscheduler(0);
  if (policy < 0 || sched_getparam(0, &sp) < 0) return fail("sched", NULL);
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, 0);
  long io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
  if (io < 0) return fail("ioprio_get", NULL);
  printf("policy %d nice %d priority %d ioprio %ld %ld\n", policy & ~SCHED_RESET_ON_FORK, nice,
         sp.sched_priority, io >> 13, io & 0x1fff);
  return 0;
}

/* ---- cgroup enforcement ------------------------------------------------------ */

/* Touches MIB MiB of anonymous memory a MiB at a time, printing "hogged N"
 * every 16 MiB (flushed, so a test sees how far it got), then "survived",
 * and holds the memory for SECONDS more (default 0).  Under a memory limit
 * without swap the OOM killer ends it with SIGKILL: the runtime's `run`
 * then exits 137. */
static int cmd_memhog(const char *arg, const char *hold) {
  int ok;
  long mib = parse_long(arg, &ok);
  if (!ok || mib <= 0) return usage("memhog: expected MIB [SECONDS]");
  const size_t chunk = 1 << 20;
  long page = sysconf(_SC_PAGESIZE);
  for (long i = 1; i <= mib; i++) {
    /* One mapping per MiB and never unmapped: the memory stays charged. */
    char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return fail("memhog: mmap", NULL);
    for (size_t off = 0; off < chunk; off += (size_t)page) p[off] = 1;
    if (i % 16 == 0) {
      printf("hogged %ld\n", i);
      fflush(stdout);
    }
  }
  puts("survived");
  fflush(stdout);
  return hold ? do_sleep(hold) : 0;
}

/* Forks up to N children that just wait, stopping at the first failed fork.
 * Prints "forked K" and, when a fork failed, "error ENAME" (EAGAIN at a
 * pids limit).  The children are killed and reaped before it returns, so it
 * works as a container's pid 1 too. */
static int cmd_forkbomb(const char *arg) {
  int ok;
  long n = parse_long(arg, &ok);
  if (!ok || n <= 0 || n > 4096) return usage("forkbomb: expected N (1..4096)");
  pid_t *kids = calloc((size_t)n, sizeof *kids);
  if (!kids) return fail("forkbomb: calloc", NULL);
  long k = 0;
  int err = 0;
  fflush(stdout);
  for (; k < n; k++) {
    pid_t p = fork();
    if (p < 0) {
      err = errno;
      break;
    }
    if (p == 0) {
      for (;;) pause();
    }
    kids[k] = p;
  }
  for (long i = 0; i < k; i++) kill(kids[i], SIGKILL);
  for (long i = 0; i < k; i++) waitpid(kids[i], NULL, 0);
  free(kids);
  printf("forked %ld\n", k);
  if (err) printf("error %s\n", strerrorname_np(err) ? strerrorname_np(err) : "E?");
  return 0;
}

/* Makes syscall NR with all six arguments 0 and prints "ok" or the errno's
 * name: what a seccomp filter answers for a number, whether or not the
 * kernel or libc knows it.  The caller picks numbers that are harmless with
 * zero arguments. */
static int cmd_syscall(const char *arg) {
  int ok;
  long nr = parse_long(arg, &ok);
  if (!ok || nr < 0) return usage("syscall: expected NR");
  if (syscall(nr, 0L, 0L, 0L, 0L, 0L, 0L) < 0)
    puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
  else
    puts("ok");
  return 0;
}

/* Burns CPU for MS milliseconds of wall-clock time.  Under a CFS quota the
 * time includes the throttled stretches, which is what a test wants to see
 * counted in cpu.stat. */
static int cmd_spin(const char *arg) {
  int ok;
  long ms = parse_long(arg, &ok);
  if (!ok || ms < 0) return usage("spin: expected MS");
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  volatile unsigned long x = 0;
  do {
    for (int i = 0; i < 100000; i++) x += (unsigned long)i;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L < ms);
  puts("spun");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage("usage: payload COMMAND [ARG...]");
  const char *c = argv[1];
  int n = argc - 2;
  char **a = argv + 2;
  int rc;
  if (!strcmp(c, "cat")) rc = cmd_cat(n, a);
  else if (!strcmp(c, "echo")) rc = cmd_echo(n, a);
  else if (!strcmp(c, "id")) rc = cmd_id();
  else if (!strcmp(c, "caps")) rc = status_lines("Cap");
  else if (!strcmp(c, "limits")) rc = cmd_limits();
  else if (!strcmp(c, "fds")) rc = cmd_fds();
  else if (!strcmp(c, "env")) rc = cmd_env();
  else if (!strcmp(c, "cwd")) rc = cmd_cwd();
  else if (!strcmp(c, "hostname")) rc = cmd_hostname();
  else if (!strcmp(c, "ns")) rc = cmd_ns();
  else if (!strcmp(c, "wait-signal")) rc = cmd_wait_signal();
  else if (!strcmp(c, "tty")) rc = cmd_tty();
  else if (!strcmp(c, "ppid")) rc = printf("%d\n", getppid()) < 0;
  else if (!strcmp(c, "pid")) rc = printf("%d\n", getpid()) < 0;
  else if (!strcmp(c, "sched")) rc = cmd_sched();
  else if (n == 1 && !strcmp(c, "sleep")) rc = do_sleep(a[0]);
  else if (n == 1 && !strcmp(c, "exit")) rc = cmd_exit(a[0]);
  else if (n == 1 && !strcmp(c, "kill-self")) rc = cmd_kill_self(a[0]);
  else if (n == 1 && !strcmp(c, "mkdir")) rc = cmd_mkdir(a[0]);
  else if (n == 1 && !strcmp(c, "ignore-term")) rc = cmd_ignore_term(a[0]);
  else if (n == 1 && !strcmp(c, "stat")) rc = cmd_stat(a[0]);
  else if ((n == 1 || n == 2) && !strcmp(c, "memhog")) rc = cmd_memhog(a[0], n == 2 ? a[1] : NULL);
  else if (n == 1 && !strcmp(c, "forkbomb")) rc = cmd_forkbomb(a[0]);
  else if (n == 1 && !strcmp(c, "spin")) rc = cmd_spin(a[0]);
  else if (n == 1 && !strcmp(c, "syscall")) rc = cmd_syscall(a[0]);
  else if (n == 2 && !strcmp(c, "write")) rc = cmd_write(a[0], a[1]);
  else if (n == 1 && !strcmp(c, "notify")) rc = cmd_notify(a[0]);
  else if (n == 2 && !strcmp(c, "seccomp-listen")) rc = cmd_seccomp_listen(a[0], a[1]);
  else if (n == 2 && !strcmp(c, "notify-listen")) rc = cmd_notify_listen(a[0], a[1]);
  else {
    fprintf(stderr, "%s: unknown command or wrong arguments: %s\n", prog, c);
    return 2;
  }
  if (fflush(stdout) != 0) return fail("write stdout", NULL);
  return rc;
}
