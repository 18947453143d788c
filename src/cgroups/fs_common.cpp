#include "src/cgroups/fs_common.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>

#include "src/runtime/base/fileio.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::cgroups::fs {

namespace {

// The kernel-internal ENOTSUPP leaks out of some cgroup files (memory.kmem.*
// since 5.16); it has no libc name.
constexpr int kKernelEnotsupp = 524;

bool missing_feature(int e) {
  return e == ENOENT || e == EOPNOTSUPP || e == kKernelEnotsupp;
}

bool is_cgroupfs(const std::string& dir) {
  struct statfs st {};
  if (::statfs(dir.c_str(), &st) != 0) return false;
  return st.f_type == CGROUP_SUPER_MAGIC || st.f_type == CGROUP2_SUPER_MAGIC;
}

// Subdirectories of dir (the child cgroups), and on a non-cgroup file system
// (the unit tests' fake trees) its regular files too.
Result<void> list_dir(const std::string& dir, std::vector<std::string>& subdirs,
                      std::vector<std::string>& files) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return fail_errno("open " + quote(dir));
  DIR* d = ::fdopendir(fd.get());
  if (d == nullptr) return fail_errno("open " + quote(dir));
  fd.release();
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
    }
    (type == DT_DIR ? subdirs : files).push_back(dir + "/" + name);
  }
  ::closedir(d);
  return {};
}

Result<void> rmdir_retrying(const std::string& dir) {
  // A cgroup stays busy until its last task has fully exited, a little
  // after the parent reaped it; runc retries for about as long.
  int delay = 10;
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    if (errno != EBUSY || attempt == 5) return fail_errno("remove cgroup " + quote(dir));
    sleep_ms(delay);
    delay *= 2;
  }
}

}  // namespace

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find_first_of(" \t\n", i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

void sleep_ms(int ms) {
  timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

Result<void> write_in(const std::string& dir, std::string_view file, std::string_view value) {
  std::string what = "write " + quote(file) + "=" + quote(value) + " in " + quote(dir);
  std::string path = dir + "/" + std::string(file);
  // O_TRUNC is what runc uses: cgroupfs ignores it, and plain files in the
  // unit tests' fake trees then hold the last value, not a torn mix.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return fail_errno(what);
  // One write(2): cgroup files parse each write as a whole entry.
  for (;;) {
    ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n >= 0) return {};
    if (errno != EINTR) return fail_errno(what);
  }
}

Result<std::string> read_in(const std::string& dir, std::string_view file) {
  return read_file(dir + "/" + std::string(file));
}

bool exists_in(const std::string& dir, std::string_view file) {
  std::string path = dir + "/" + std::string(file);
  return ::access(path.c_str(), F_OK) == 0;
}

Result<void> execute(const std::vector<Step>& steps) {
  std::vector<const Step*> deferred;
  for (const auto& s : steps) {
    auto r = write_in(s.dir, s.write.file, s.write.value);
    if (r) continue;
    int e = r.error().errnum();
    if (s.write.best_effort && missing_feature(e)) continue;
    if (s.write.retry_on_einval && e == EINVAL) {
      deferred.push_back(&s);
      continue;
    }
    return r;
  }
  for (const Step* s : deferred) {
    auto r = write_in(s->dir, s->write.file, s->write.value);
    if (!r && !(s->write.best_effort && missing_feature(r.error().errnum()))) return r;
  }
  return {};
}

Result<std::vector<std::string>> make_dirs(const CgroupDir& d) {
  std::vector<std::string> made;
  std::string cur = d.mount;
  size_t pos = 0;
  while (pos < d.path.size()) {
    size_t next = d.path.find('/', pos + 1);
    if (next == std::string::npos) next = d.path.size();
    std::string part = d.path.substr(pos, next - pos);  // "/name"
    pos = next;
    if (part == "/") continue;
    cur += part;
    if (::mkdir(cur.c_str(), 0755) == 0) {
      made.push_back(cur);
    } else if (errno != EEXIST) {
      auto err = Error::from_errno("create cgroup " + quote(cur));
      // Leave no half-made path behind: runc removes what it created too.
      for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
      return fail(std::move(err));
    }
  }
  return made;
}

void enable_controllers(const CgroupDir& d, const std::vector<std::string>& only) {
  // Errors are left for apply() to report: a controller the parent cannot
  // delegate (threaded subtree, processes in a non-root cgroup: EBUSY) only
  // matters if a resource needs it, and then its file is missing.
  std::string cur = d.mount;
  size_t pos = 0;
  while (pos < d.path.size()) {
    auto offered = read_in(cur, "cgroup.controllers");
    auto enabled = read_in(cur, "cgroup.subtree_control");
    if (offered && enabled) {
      auto on = words(*enabled);
      for (const auto& c : words(*offered))
        if (std::find(on.begin(), on.end(), c) == on.end() &&
            (only.empty() || std::find(only.begin(), only.end(), c) != only.end()))
          (void)write_in(cur, "cgroup.subtree_control", "+" + c);
    }
    size_t next = d.path.find('/', pos + 1);
    if (next == std::string::npos) break;  // the leaf itself delegates nothing
    cur += d.path.substr(pos, next - pos);
    pos = next;
  }
}

Result<void> remove_tree(const std::string& dir) {
  std::vector<std::string> subdirs, files;
  auto listed = list_dir(dir, subdirs, files);
  if (!listed) {
    if (listed.error().errnum() == ENOENT) return {};
    return listed;
  }
  for (const auto& s : subdirs) BERTH_TRY(remove_tree(s));
  // A cgroupfs directory's files vanish with it; a fake tree's must go first.
  if (!files.empty() && !is_cgroupfs(dir))
    for (const auto& f : files) ::unlink(f.c_str());
  return rmdir_retrying(dir);
}

Result<std::vector<pid_t>> procs_tree(const std::string& dir) {
  std::vector<pid_t> out;
  auto text = read_in(dir, "cgroup.procs");
  if (!text) return fail(std::move(text).error());
  std::string_view s = *text;
  while (!s.empty()) {
    size_t nl = s.find('\n');
    std::string_view line = s.substr(0, nl);
    s.remove_prefix(nl == std::string_view::npos ? s.size() : nl + 1);
    pid_t pid = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
    if (ec == std::errc() && p == line.data() + line.size() && pid > 0) out.push_back(pid);
  }
  std::vector<std::string> subdirs, files;
  BERTH_TRY(list_dir(dir, subdirs, files));
  for (const auto& sub : subdirs) {
    auto more = procs_tree(sub);
    if (!more) return more;
    out.insert(out.end(), more->begin(), more->end());
  }
  return out;
}

Result<void> signal_each(const std::vector<pid_t>& pids, int sig) {
  for (pid_t p : pids)
    if (::kill(p, sig) != 0 && errno != ESRCH)
      return fail_errno("signal " + std::to_string(sig) + " to pid " + std::to_string(p));
  return {};
}

nlohmann::json to_json(const CgroupDir& d) {
  nlohmann::json j = {{"mount", d.mount}, {"path", d.path}};
  if (!d.controllers.empty()) j["controllers"] = d.controllers;
  return j;
}

bool from_json(const nlohmann::json& j, CgroupDir& out) {
  if (!j.is_object()) return false;
  auto m = j.find("mount");
  auto p = j.find("path");
  if (m == j.end() || p == j.end() || !m->is_string() || !p->is_string()) return false;
  out.mount = m->get<std::string>();
  out.path = p->get<std::string>();
  out.controllers.clear();
  if (auto c = j.find("controllers"); c != j.end()) {
    if (!c->is_array()) return false;
    for (const auto& e : *c) {
      if (!e.is_string()) return false;
      out.controllers.push_back(e.get<std::string>());
    }
  }
  return true;
}

}  // namespace berth::cgroups::fs
