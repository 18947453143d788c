/* crunwrap CMD ARGS...: runs CMD (crun) in a private mount namespace where
 *
 *  1. an empty tmpfs hides /sys/fs/cgroup/unified (when it is cgroup2).
 *     crun 1.8 detects a hybrid host by the cgroup2 file system there and
 *     refuses it when cgroup2 has any controller ("cgroups in hybrid mode
 *     not supported"); hidden, the host looks like plain cgroup v1 to crun.
 *  2. each cgroup hierarchy under /sys/fs/cgroup in which this process is
 *     not in the root cgroup gets its own cgroup bind-mounted over the
 *     hierarchy's mount point.  crun resolves a relative linux.cgroupsPath
 *     from the root of the hierarchy (runc from its own cgroup); seen
 *     through the bind mount, crun's "berth-bench/x" lands beneath the
 *     caller's cgroup, where runc's does, and never at the top of a
 *     hierarchy the caller does not own.
 *
 * The namespace is private (MS_REC|MS_PRIVATE on / first): nothing leaks to
 * the host, and it ends with the last process in it.  bench/run.sh measures
 * `crunwrap /bin/true` to subtract this cost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

static int fail(const char *what, const char *arg) {
  fprintf(stderr, "crunwrap: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
  return 125;
}

/* Does the comma-separated list OPTS contain every controller of CTRLS? */
static int has_all(const char *opts, const char *ctrls) {
  char buf[512], o[1100];
  snprintf(buf, sizeof buf, "%s", ctrls);
  snprintf(o, sizeof o, ",%s,", opts);
  for (char *save = NULL, *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
    char needle[300];
    snprintf(needle, sizeof needle, ",%s,", c);
    if (!strstr(o, needle)) return 0;
  }
  return 1;
}

/* Bind the caller's own v1 cgroup over each hierarchy's mount point. */
static int bind_own_cgroups(void) {
  FILE *cg = fopen("/proc/self/cgroup", "r");
  if (!cg) return fail("open", "/proc/self/cgroup");
  char line[4096];
  while (fgets(line, sizeof line, cg)) {
    line[strcspn(line, "\n")] = 0;
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c2 = 0;
    const char *ctrls = c1 + 1, *path = c2 + 1;
    if (strcmp(path, "/") == 0) continue; /* the root cgroup: nothing to do */
    FILE *mi = fopen("/proc/self/mountinfo", "r");
    if (!mi) return fail("open", "/proc/self/mountinfo");
    char m[4096];
    while (fgets(m, sizeof m, mi)) {
      /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
      char root[1024], mnt[1024], fstype[64], superopts[1024];
      char *dash = strstr(m, " - ");
      if (!dash || sscanf(m, "%*s %*s %*s %1023s %1023s", root, mnt) != 2 ||
          sscanf(dash + 3, "%63s %*s %1023s", fstype, superopts) != 2)
        continue;
      if (strncmp(mnt, "/sys/fs/cgroup", 14) != 0) continue;
      if (*ctrls ? strcmp(fstype, "cgroup") || !has_all(superopts, ctrls) : strcmp(fstype, "cgroup2") != 0)
        continue;
      const char *rel = path;
      size_t rl = strlen(root);
      if (strcmp(root, "/") != 0) {
        if (strncmp(path, root, rl) != 0) continue;
        rel = path + rl;
      }
      if (!*rel || strcmp(rel, "/") == 0) continue;
      char src[2200];
      snprintf(src, sizeof src, "%s%s", mnt, rel);
      if (mount(src, mnt, NULL, MS_BIND, NULL)) return fail("bind", src);
    }
    fclose(mi);
  }
  fclose(cg);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: crunwrap CMD ARGS...\n");
    return 2;
  }
  if (unshare(CLONE_NEWNS)) return fail("unshare", "CLONE_NEWNS");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) return fail("make private", "/");
  int rc = bind_own_cgroups();
  if (rc) return rc;
  struct statfs sf;
  if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC &&
      mount("none", "/sys/fs/cgroup/unified", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k"))
    return fail("mount tmpfs on", "/sys/fs/cgroup/unified");
  execvp(argv[1], argv + 1);
  fprintf(stderr, "crunwrap: exec %s: %s\n", argv[1], strerror(errno));
  return 127;
}
