/* floor: the syscall floor of starting a container, what no runtime can go
 * below on this kernel (bench/run.sh measures it like a runtime).
 *
 *   floor ROOTFS [CMD ARGS...]
 *       clone() into new pid, mount, ipc, uts and network namespaces; in the
 *       child: make / private, bind ROOTFS onto itself, mount /proc,
 *       pivot_root, detach the old root, exec CMD (default /bin/true); the
 *       parent waits and exits with the child's status.  With $FLOOR_PIDFILE
 *       set, the child's pid is written there (for floor -e).
 *   floor -e PID [CMD ARGS...]
 *       the floor of `exec`: setns() into PID's ipc, uts, net, pid and mount
 *       namespaces, fork, exec CMD (default /bin/true), wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char *default_cmd[] = {"/bin/true", NULL};
static const char *rootfs;
static char **cmd;

static int die(const char *what) {
  fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
  return 127;
}

static int child(void *arg) {
  (void)arg;
  char proc[4096];
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) return die("make / private");
  if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL)) return die("bind rootfs");
  snprintf(proc, sizeof proc, "%s/proc", rootfs);
  if (mount("proc", proc, "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL)) return die("mount /proc");
  if (chdir(rootfs)) return die("chdir rootfs");
  if (syscall(SYS_pivot_root, ".", ".")) return die("pivot_root");
  if (umount2(".", MNT_DETACH)) return die("detach old root");
  if (chdir("/")) return die("chdir /");
  execv(cmd[0], cmd);
  return die(cmd[0]);
}

static int wait_child(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return die("waitpid");
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int enter(const char *pid) {
  static const char *ns[] = {"ipc", "uts", "net", "pid", "mnt"};
  int fds[5];
  char path[64];
  for (int i = 0; i < 5; i++) {
    snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, ns[i]);
    if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) return die(path);
  }
  for (int i = 0; i < 5; i++)
    if (setns(fds[i], 0)) return die("setns");
  pid_t p = fork();
  if (p < 0) return die("fork");
  if (p == 0) {
    if (chdir("/")) _exit(die("chdir /"));
    execv(cmd[0], cmd);
    _exit(die(cmd[0]));
  }
  return wait_child(p);
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "-e") == 0) {
    cmd = argc > 3 ? argv + 3 : default_cmd;
    return enter(argv[2]);
  }
  if (argc < 2) {
    fprintf(stderr, "usage: floor ROOTFS [CMD...] | floor -e PID [CMD...]\n");
    return 2;
  }
  rootfs = argv[1];
  cmd = argc > 2 ? argv + 2 : default_cmd;
  static char stack[256 * 1024] __attribute__((aligned(16)));
  pid_t pid = clone(child, stack + sizeof stack,
                    CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | SIGCHLD, NULL);
  if (pid < 0) return die("clone");
  const char *pidfile = getenv("FLOOR_PIDFILE");
  if (pidfile) {
    FILE *f = fopen(pidfile, "w");
    if (f) { fprintf(f, "%d\n", pid); fclose(f); }
  }
  return wait_child(pid);
}
