/* bt: the timing helper of bench/run.sh.
 *
 *   bt [-t SECONDS] [-o OUT] [-e ERR] CMD ARGS...
 *       runs CMD once and prints "ELAPSED_NS MAXRSS_KB STATUS CPU_NS" on stdout.
 *   bt -n COUNT [-t SECONDS] [-o OUT] [-e ERR] CMD ARGS...
 *       starts COUNT copies of CMD at once ("{}" in an argument becomes the
 *       copy's index 0..COUNT-1), waits for all and prints
 *       "ELAPSED_NS MAXRSS_KB FAILED CPU_NS" (wall time of the whole batch,
 *       the largest peak RSS, how many copies did not exit 0, their CPU time).
 *
 * ELAPSED_NS is CLOCK_MONOTONIC from just before fork() to the return of
 * wait4(): the runtime's whole cost, none of the shell's.  MAXRSS_KB is
 * wait4()'s ru_maxrss: the peak RSS of CMD and of the descendants it waited
 * for (what /usr/bin/time -f %M prints).  CPU_NS is user + system time of
 * the same processes (ru_utime + ru_stime): unlike ELAPSED_NS, barely moved
 * by other load on the machine.  STATUS is the exit code, or
 * 128+signal.  The child's stdin is /dev/null, its stdout OUT and stderr ERR
 * (default /dev/null, both opened O_APPEND), never bt's own stdout: a
 * detached container must not hold the caller's $(...) pipe open.
 * After SECONDS (default 60) the child's process group is killed (status 124).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXN 1024

static pid_t pids[MAXN];
static int npids;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
  for (int i = 0; i < npids; i++)
    if (pids[i] > 0) kill(-pids[i], SIGKILL);
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char *subst(const char *arg, int idx) {
  const char *p = strstr(arg, "{}");
  if (!p) return (char *)arg;
  char num[16];
  snprintf(num, sizeof num, "%d", idx);
  size_t n = strlen(arg) - 2 + strlen(num) + 1;
  char *s = malloc(n);
  if (!s) return (char *)arg;
  snprintf(s, n, "%.*s%s%s", (int)(p - arg), arg, num, p + 2);
  return s;
}

int main(int argc, char **argv) {
  int count = 0, timeout_s = 60, opt;
  const char *out = "/dev/null", *err = "/dev/null";
  while ((opt = getopt(argc, argv, "+n:t:o:e:")) != -1) {
    switch (opt) {
    case 'n': count = atoi(optarg); break;
    case 't': timeout_s = atoi(optarg); break;
    case 'o': out = optarg; break;
    case 'e': err = optarg; break;
    default: return 2;
    }
  }
  if (optind >= argc || count < 0 || count > MAXN) {
    fprintf(stderr, "usage: bt [-n COUNT] [-t SECONDS] [-o OUT] [-e ERR] CMD ARGS...\n");
    return 2;
  }
  char **cmd = argv + optind;
  int ncmd = argc - optind, batch = count > 0;
  int copies = batch ? count : 1;

  /* Everything is prepared before the clock starts. */
  char ***argvs = calloc(copies, sizeof *argvs);
  for (int c = 0; c < copies; c++) {
    argvs[c] = calloc(ncmd + 1, sizeof(char *));
    for (int i = 0; i < ncmd; i++) argvs[c][i] = batch ? subst(cmd[i], c) : cmd[i];
  }
  int fd_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int fd_out = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int fd_err = open(err, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_in < 0 || fd_out < 0 || fd_err < 0) { perror("bt: open"); return 2; }
  fflush(stdout);

  struct sigaction sa = {0};
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  alarm(timeout_s);

  long long t0 = now_ns();
  for (int c = 0; c < copies; c++) {
    pid_t pid = fork();
    if (pid < 0) { perror("bt: fork"); break; }
    if (pid == 0) {
      setpgid(0, 0);
      dup2(fd_in, 0); dup2(fd_out, 1); dup2(fd_err, 2);
      signal(SIGALRM, SIG_DFL);
      execvp(argvs[c][0], argvs[c]);
      dprintf(2, "bt: exec %s: %s\n", argvs[c][0], strerror(errno));
      _exit(127);
    }
    setpgid(pid, pid);
    pids[npids++] = pid;
  }
  long maxrss = 0;
  long long cpu = 0;
  int failed = copies - npids, last = 0;
  for (int left = npids; left > 0;) {
    int st;
    struct rusage ru;
    pid_t p = wait4(-1, &st, 0, &ru);
    if (p < 0) { if (errno == EINTR) continue; break; }
    for (int i = 0; i < npids; i++) if (pids[i] == p) pids[i] = 0;
    left--;
    if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
    cpu += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
    last = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (last != 0) failed++;
  }
  long long t1 = now_ns();
  alarm(0);
  if (timed_out) last = 124;
  printf("%lld %ld %d %lld\n", t1 - t0, maxrss, batch ? failed : last, cpu);
  return 0;
}
