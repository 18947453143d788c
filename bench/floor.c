/* floor: the syscall floor of starting a container, what no runtime can go
 * below on this kernel (bench/run.sh measures it like a runtime).
 *
 *   floor ROOTFS [CMD ARGS...]
 *       clone3() into new pid, mount, ipc, uts and network namespaces; in the
 *       child: make / private, bind ROOTFS onto itself, mount /proc,
 *       pivot_root, detach the old root, exec CMD (default /bin/true); the
 *       parent waits and exits with the child's status.  With $FLOOR_PIDFILE
 *       set, the child's pid is written there (for floor -e).
 *       With $FLOOR_CGROUPS=DIR[:DIR...] (one parent directory per cgroup
 *       hierarchy) the container also gets a cgroup in each, joined the
 *       cheapest way the kernel offers: born in the cgroup2 one
 *       (CLONE_INTO_CGROUP), the child writing "0" to each v1 "tasks" file
 *       itself; v1 cpuset cgroups get their parent's cpus and mems first.
 *       The cgroups are removed after the child exits.
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
#include <linux/magic.h>
#include <linux/sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
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

#define MAX_CG 32
static char cg_dirs[MAX_CG][4096];
static int n_cg, cg2_fd = -1, tasks_fds[MAX_CG], n_tasks;

static int copy_file(const char *from_dir, const char *to_dir, const char *name) {
  char path[4200], buf[256];
  snprintf(path, sizeof path, "%s/%s", from_dir, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n <= 0) return -1;
  snprintf(path, sizeof path, "%s/%s", to_dir, name);
  if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) return -1;
  int rc = write(fd, buf, (size_t)n) == n ? 0 : -1;
  close(fd);
  return rc;
}

/* One cgroup per hierarchy in $FLOOR_CGROUPS: made, and opened for joining. */
static int make_cgroups(void) {
  char *list = getenv("FLOOR_CGROUPS"), path[4200];
  if (!list || !*list) return 0;
  for (char *dir = strtok(list, ":"); dir && n_cg < MAX_CG; dir = strtok(NULL, ":")) {
    char *mine = cg_dirs[n_cg];
    snprintf(mine, sizeof cg_dirs[0], "%s/floor-%d", dir, (int)getpid());
    if (mkdir(mine, 0755)) return die(mine);
    n_cg++;
    struct statfs fs;
    if (statfs(mine, &fs)) return die(mine);
    if (fs.f_type == CGROUP2_SUPER_MAGIC) {
      if ((cg2_fd = open(mine, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) return die(mine);
      continue;
    }
    snprintf(path, sizeof path, "%s/cpuset.cpus", mine);
    if (access(path, F_OK) == 0 &&
        (copy_file(dir, mine, "cpuset.cpus") || copy_file(dir, mine, "cpuset.mems")))
      return die("cpuset");
    snprintf(path, sizeof path, "%s/tasks", mine);
    if ((tasks_fds[n_tasks++] = open(path, O_WRONLY | O_CLOEXEC)) < 0) return die(path);
  }
  return 0;
}

static void remove_cgroups(void) {
  for (int i = n_cg - 1; i >= 0; i--) rmdir(cg_dirs[i]);
}

static int child(void) {
  char proc[4096];
  for (int i = 0; i < n_tasks; i++)
    if (write(tasks_fds[i], "0", 1) != 1) return die("join cgroup");
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
  if (make_cgroups()) {
    remove_cgroups();
    return 127;
  }
  struct clone_args ca = {0};
  ca.flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET;
  ca.exit_signal = SIGCHLD;
  if (cg2_fd >= 0) {
    ca.flags |= CLONE_INTO_CGROUP;
    ca.cgroup = (unsigned long long)cg2_fd;
  }
  pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
  if (pid == 0) _exit(child());
  if (pid < 0) {
    int rc = die("clone3");
    remove_cgroups();
    return rc;
  }
  const char *pidfile = getenv("FLOOR_PIDFILE");
  if (pidfile) {
    FILE *f = fopen(pidfile, "w");
    if (f) { fprintf(f, "%d\n", pid); fclose(f); }
  }
  int rc = wait_child(pid);
  remove_cgroups();
  return rc;
}
