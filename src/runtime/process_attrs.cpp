#include "src/runtime/process_attrs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "src/runtime/base/fileio.hpp"
#include "src/runtime/base/log.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::runtime {

namespace {

struct CapFree {
  void operator()(cap_t c) const { cap_free(c); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

// Capabilities the running kernel knows.  A config may name newer ones
// (CAP_CHECKPOINT_RESTORE on a 5.4 kernel): runc ignores those with a
// warning, and so does berth, since capset(2) would drop them anyway and
// PR_CAPBSET_DROP / PR_CAP_AMBIENT_RAISE would fail with EINVAL.
bool kernel_knows(int cap) { return cap >= 0 && cap < static_cast<int>(cap_max_bits()); }

bool contains(const std::optional<std::vector<int>>& set, int cap) {
  if (!set) return false;
  for (int c : *set)
    if (c == cap) return true;
  return false;
}

Result<void> set_flag(cap_t c, cap_flag_t flag, const std::optional<std::vector<int>>& set,
                      std::string_view set_name) {
  if (!set) return {};  // an absent set is an empty set
  for (int cap : *set) {
    if (!kernel_knows(cap)) continue;
    cap_value_t v = cap;
    if (cap_set_flag(c, flag, 1, &v, CAP_SET) != 0)
      return fail_errno("add capability " + std::to_string(cap) + " to the " +
                        std::string(set_name) + " set");
  }
  return {};
}

// The uid change (setresuid away from 0) cleared the effective set, and
// capset(2) lets a process widen its inheritable set beyond its permitted
// one only with CAP_SETPCAP *effective*.  Re-raising effective to the
// current permitted set first makes the final capset independent of that
// ordering detail.
Result<void> raise_effective_to_permitted() {
  CapPtr cur(cap_get_proc());
  if (!cur) return fail_errno("read process capabilities");
  if (cap_fill(cur.get(), CAP_EFFECTIVE, CAP_PERMITTED) != 0)
    return fail_errno("copy permitted capabilities to effective");
  if (cap_set_proc(cur.get()) != 0) return fail_errno("raise effective capabilities");
  return {};
}

Result<void> apply_ambient(const spec::Capabilities& caps) {
  const auto& ambient = caps.ambient;
  // Ambient capabilities exist since Linux 4.3.  Each one must already be
  // both permitted and inheritable, so they come after capset.
  // One PR_CAP_AMBIENT_CLEAR_ALL (libcap's cap_reset_ambient asks about
  // every capability first: 41 more syscalls per container).
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    return fail_errno("clear ambient capabilities");
  if (!ambient) return {};
  for (int cap : *ambient) {
    if (!kernel_knows(cap)) continue;
    // The kernel refuses (EPERM) an ambient capability that is not both
    // permitted and inheritable.  `runc spec` writes exactly such a config
    // (ambient without inheritable), and runc 1.1 ignores the refusal, so
    // these are skipped; any other failure is an error.
    if (!contains(caps.permitted, cap) || !contains(caps.inheritable, cap)) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
      return fail_errno("raise ambient capability " + std::to_string(cap));
  }
  return {};
}

std::string gid_list(const std::vector<uint32_t>& gids) {
  std::string s = "[";
  for (size_t i = 0; i < gids.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(gids[i]);
  }
  return s + "]";
}

Result<void> apply_groups(const std::vector<uint32_t>& gids, bool setgroups_allowed) {
  if (!setgroups_allowed) {
    // /proc/<pid>/setgroups is "deny" (an unprivileged user namespace,
    // Linux 3.19): the inherited groups stay, and asking for more is an error.
    if (!gids.empty())
      return fail("setgroups " + gid_list(gids) +
                  ": additional gids cannot be set, setgroups is denied in this user namespace");
    return {};
  }
  // An empty list clears the groups the runtime inherited from its caller.
  std::vector<gid_t> list(gids.begin(), gids.end());
  if (::setgroups(list.size(), list.empty() ? nullptr : list.data()) != 0)
    return fail_errno("setgroups " + gid_list(gids));
  return {};
}

std::string last_path_value(const std::vector<std::string>& env, bool& found) {
  // Later entries win, as they would once the env is loaded into a process.
  std::string path;
  found = false;
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) {
      path = e.substr(5);
      found = true;
    }
  }
  return path;
}

// 0 when `path` can be executed by this process, or the errno to report.
// Go's exec.LookPath (what runc uses) accepts any non-directory with an
// execute bit and then checks faccessat(X_OK, AT_EACCESS); root passes the
// access check for a directory, hence the explicit S_ISDIR test.
int check_executable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno;
  if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0) return EACCES;
  if (::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) != 0) return errno;
  return 0;
}

Result<void> mark_cloexec_by_listing(int first) {
  // Before Linux 5.11 close_range has no CLOSE_RANGE_CLOEXEC (and before
  // 5.9 no close_range at all): walk /proc/self/fd instead.
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return fail_errno("open \"/proc/self/fd\"");
  int self = ::dirfd(dir);
  int err = 0;
  while (dirent* de = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(de->d_name, &end, 10);
    if (end == de->d_name || *end != '\0' || fd < first || fd == self) continue;
    int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
    if (flags < 0 || ::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC) < 0) {
      if (errno != EBADF) err = errno;  // EBADF: closed while we listed
    }
  }
  ::closedir(dir);
  if (err != 0) return fail_errno("mark fds from " + std::to_string(first) + " close-on-exec", err);
  return {};
}

// "Y" in /sys/module/apparmor/parameters/enabled, as libapparmor checks.
bool apparmor_enabled() {
  auto v = read_file("/sys/module/apparmor/parameters/enabled");
  return v && v->rfind('Y', 0) == 0;
}

Result<void> write_attr(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return fail_errno("open " + quote(path));
  // The LSM takes the whole value in one write(2); a short write is an error.
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) return fail_errno("write " + quote(path));
  if (static_cast<size_t>(n) != value.size()) return fail("write " + quote(path) + ": short write");
  return {};
}

}  // namespace

Result<void> apply_oom_score_adj(std::optional<int32_t> adj) {
  if (!adj) return {};
  const std::string what = "set oom_score_adj to " + std::to_string(*adj);
  UniqueFd fd(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
  if (!fd) return fail_errno(what);
  std::string value = std::to_string(*adj);
  if (::write(fd.get(), value.data(), value.size()) < 0) return fail_errno(what);
  return {};
}

Result<void> apply_rlimits(const std::vector<spec::Rlimit>& rlimits) {
  for (const auto& r : rlimits) {
    const struct rlimit lim = {static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)};
    if (::prlimit(0, static_cast<__rlimit_resource>(r.resource), &lim, nullptr) != 0)
      return fail_errno("setrlimit " + r.type + " (soft " + std::to_string(r.soft) + ", hard " +
                        std::to_string(r.hard) + ")");
  }
  return {};
}

Result<void> apply_bounding_set(const std::optional<spec::Capabilities>& caps) {
  if (!caps) return {};
  const int count = static_cast<int>(cap_max_bits());
  for (int cap = 0; cap < count; ++cap) {
    if (contains(caps->bounding, cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    int e = errno;
    // Dropping needs CAP_SETPCAP, which a nested runtime may lack: that is
    // fine for a capability already gone from the bounding set.
    if (e == EPERM && ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0) continue;
    return fail_errno("drop capability " + std::to_string(cap) + " from the bounding set", e);
  }
  return {};
}

Result<void> apply_user(const spec::User& user, bool setgroups_allowed) {
  // Groups first: setgroups(2) and setresgid(2) need CAP_SETGID, which the
  // uid change below takes away from the effective set.
  BERTH_TRY(apply_groups(user.additional_gids, setgroups_allowed));
  if (::setresgid(user.gid, user.gid, user.gid) != 0)
    return fail_errno("setresgid " + std::to_string(user.gid));
  // Without PR_SET_KEEPCAPS, leaving uid 0 empties the permitted set and
  // apply_capabilities could not give the process anything back.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return fail_errno("prctl PR_SET_KEEPCAPS");
  if (::setresuid(user.uid, user.uid, user.uid) != 0) {
    int e = errno;
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    return fail_errno("setresuid " + std::to_string(user.uid), e);
  }
  // The flag is cleared on execve anyway; clear it now so nothing in
  // between relies on it.
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return fail_errno("prctl PR_SET_KEEPCAPS");
  return {};
}

Result<void> apply_capabilities(const std::optional<spec::Capabilities>& caps) {
  if (!caps) return {};
  BERTH_TRY(raise_effective_to_permitted());
  CapPtr c(cap_init());
  if (!c) return fail_errno("allocate capability state");
  BERTH_TRY(set_flag(c.get(), CAP_EFFECTIVE, caps->effective, "effective"));
  BERTH_TRY(set_flag(c.get(), CAP_PERMITTED, caps->permitted, "permitted"));
  BERTH_TRY(set_flag(c.get(), CAP_INHERITABLE, caps->inheritable, "inheritable"));
  if (cap_set_proc(c.get()) != 0) return fail_errno("set process capabilities");
  return apply_ambient(*caps);
}

void apply_umask(std::optional<uint32_t> umask) {
  // runc's init sets 0022 when the config has none, rather than keeping
  // whatever the caller of the runtime had.
  ::umask(static_cast<mode_t>(umask.value_or(022) & 07777));
}

Result<void> apply_no_new_privs(bool nnp) {
  if (!nnp) return {};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail_errno("prctl PR_SET_NO_NEW_PRIVS");
  return {};
}

Result<std::string> find_executable(const std::string& arg0, const std::vector<std::string>& env) {
  const std::string what = "exec " + quote(arg0);
  if (arg0.empty()) return fail(what + ": no such file or directory");
  if (arg0.find('/') != std::string::npos) {
    if (int e = check_executable(arg0); e != 0) return fail_errno(what, e);
    return arg0;
  }
  bool found = false;
  std::string path = last_path_value(env, found);
  if (!found) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  // Like Go's LookPath, a candidate that exists but cannot be executed does
  // not stop the search, and the final error is "not found" either way.
  // An empty PATH (set but empty) searches nothing.
  size_t start = 0;
  while (!path.empty()) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (dir.empty()) dir = ".";  // POSIX: an empty PATH element is the cwd
    std::string candidate = dir + "/" + arg0;
    if (check_executable(candidate) == 0) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return fail(what + ": executable file not found in $PATH");
}

std::string passwd_home(std::string_view passwd, uint32_t uid) {
  const std::string want = std::to_string(uid);
  while (!passwd.empty()) {
    size_t nl = passwd.find('\n');
    std::string_view line = passwd.substr(0, nl);
    passwd = nl == std::string_view::npos ? std::string_view() : passwd.substr(nl + 1);
    // name:password:uid:gid:gecos:home:shell
    std::string_view f[7];
    size_t n = 0;
    for (size_t at = 0; n < 7; ++n) {
      size_t colon = line.find(':', at);
      f[n] = line.substr(at, colon == std::string_view::npos ? std::string_view::npos : colon - at);
      if (colon == std::string_view::npos) {
        ++n;
        break;
      }
      at = colon + 1;
    }
    if (n >= 6 && f[2] == want) return std::string(f[5]);
  }
  return "";
}

std::vector<std::string> with_home(std::vector<std::string> env, uint32_t uid) {
  for (const auto& e : env)
    if (e.rfind("HOME=", 0) == 0) return env;
  std::string home;
  // The container's file: never follow it out of a regular file, never
  // block on a fifo planted there, never read more than a sane passwd.
  UniqueFd fd(::open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  struct stat st {};
  if (fd && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= (4 << 20)) {
    std::string text(static_cast<size_t>(st.st_size), '\0');
    ssize_t got = ::read(fd.get(), text.data(), text.size());
    if (got > 0) home = passwd_home(std::string_view(text.data(), static_cast<size_t>(got)), uid);
  }
  env.push_back("HOME=" + (home.empty() ? std::string("/") : home));
  return env;
}

Result<void> apply_apparmor(const std::string& profile) {
  if (profile.empty()) return {};
  if (!apparmor_enabled())
    return fail("apparmor profile " + quote(profile) +
                " requested but AppArmor is not enabled on this host");
  // The profile takes effect at the next execve.  Linux 5.1 added the
  // per-LSM directory; /proc/self/attr/exec is the older, shared file.
  const std::string value = "exec " + profile;
  auto r = write_attr("/proc/self/attr/apparmor/exec", value);
  if (!r && r.error().errnum() == ENOENT) r = write_attr("/proc/self/attr/exec", value);
  BERTH_TRY_CTX(std::move(r), "apply apparmor profile " + quote(profile));
  return {};
}

Result<void> apply_selinux_label(const std::string& label) {
  if (label.empty()) return {};
  if (::access("/sys/fs/selinux/enforce", F_OK) != 0)
    return fail("selinux label " + quote(label) +
                " requested but SELinux is not enabled on this host");
  // Like AppArmor's exec attribute: the label applies from the next execve.
  BERTH_TRY_CTX(write_attr("/proc/self/attr/exec", label), "apply selinux label " + quote(label));
  return {};
}

Result<void> close_fds_from(int first) {
  if (first < 0) first = 0;
  // CLOEXEC rather than close: the sync socket and the exec fifo are still
  // needed until execve, which closes the rest atomically.  Linux 5.11.
  if (::close_range(static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) return {};
  if (errno != ENOSYS && errno != EINVAL) return fail_errno("close_range from " + std::to_string(first));
  return mark_cloexec_by_listing(first);
}

}  // namespace berth::runtime
