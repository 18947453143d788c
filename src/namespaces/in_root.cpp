#include "src/namespaces/in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace berth::ns {

namespace {

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view c = path.substr(i, j - i);
    if (!c.empty() && c != ".") out.push_back(c);
    i = j;
  }
  return out;
}

long openat2_raw(int dirfd, const char* path, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long r;
  do {
    r = ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  } while (r < 0 && errno == EAGAIN);  // EAGAIN: a concurrent rename; retry
  return r;
}

}  // namespace

std::string clean_path(std::string_view path) {
  std::string out;
  for (auto c : components(path)) {
    out += '/';
    out += c;
  }
  return out.empty() ? "/" : out;
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<UniqueFd> open_in_root(int rootfd, std::string_view path, int flags) {
  std::string clean = clean_path(path);
  // openat2 takes the path relative to the root fd: drop the leading "/".
  const char* rel = clean.size() > 1 ? clean.c_str() + 1 : ".";
  long fd = openat2_raw(rootfd, rel, flags);
  if (fd < 0) return fail_errno("open " + quote(clean) + " in the container root");
  return UniqueFd(static_cast<int>(fd));
}

Result<UniqueFd> make_in_root(int rootfd, std::string_view path, NodeKind kind, unsigned mode, int depth) {
  auto parts = components(path);
  if (parts.empty()) {
    UniqueFd root(::fcntl(rootfd, F_DUPFD_CLOEXEC, 0));
    if (!root) return fail_errno("dup root fd");
    return root;
  }
  std::string prefix;
  // Most targets exist already (the rootfs's /proc, /dev, /sys): one openat2
  // of the whole path instead of one per component.
  for (auto c : parts) prefix.append(prefix.empty() ? "" : "/").append(c);
  if (long fd = openat2_raw(rootfd, prefix.c_str(), O_PATH); fd >= 0) return UniqueFd(static_cast<int>(fd));
  if (errno != ENOENT) return fail_errno("open " + quote("/" + prefix) + " in the container root");
  prefix.clear();
  UniqueFd cur;
  for (size_t i = 0; i < parts.size(); ++i) {
    bool last = i + 1 == parts.size();
    std::string parent = prefix.empty() ? "." : prefix;
    if (!prefix.empty()) prefix.push_back('/');
    prefix.append(parts[i]);
    long fd = openat2_raw(rootfd, prefix.c_str(), O_PATH);
    if (fd >= 0) {
      cur.reset(static_cast<int>(fd));
      continue;
    }
    if (errno != ENOENT) return fail_errno("open " + quote("/" + prefix) + " in the container root");
    // Create the missing component in its (already resolved) parent.
    long pfd = openat2_raw(rootfd, parent.c_str(), O_PATH | O_DIRECTORY);
    if (pfd < 0) return fail_errno("open " + quote("/" + parent) + " in the container root");
    UniqueFd pdir(static_cast<int>(pfd));
    std::string name(parts[i]);
    int rc;
    if (last && kind == NodeKind::kFile) {
      // mknodat works on an O_PATH parent fd (openat(O_CREAT) would not).
      rc = ::mknodat(pdir.get(), name.c_str(), S_IFREG | 0644, 0);
    } else {
      rc = ::mkdirat(pdir.get(), name.c_str(), mode);
    }
    if (rc != 0 && errno != EEXIST) return fail_errno("create " + quote("/" + prefix) + " in the container root");
    if (rc != 0) {
      // EEXIST after ENOENT: a dangling symlink.  Make its target instead,
      // resolved inside the root like any other path (runc does the same),
      // then continue below it.  `depth` bounds symlink chains like ELOOP.
      if (depth >= 40) return fail("create " + quote("/" + prefix) + " in the container root: too many symlinks", ELOOP);
      char target[4096];
      ssize_t n = ::readlinkat(pdir.get(), name.c_str(), target, sizeof target - 1);
      if (n < 0) return fail_errno("create " + quote("/" + prefix) + " in the container root");
      std::string t(target, static_cast<size_t>(n));
      std::string resolved = t.front() == '/' ? t : "/" + parent + "/" + t;
      for (size_t k = i + 1; k < parts.size(); ++k) resolved.append("/").append(parts[k]);
      return make_in_root(rootfd, resolved, kind, mode, depth + 1);
    }
    fd = openat2_raw(rootfd, prefix.c_str(), O_PATH);
    if (fd < 0) return fail_errno("open " + quote("/" + prefix) + " in the container root");
    cur.reset(static_cast<int>(fd));
  }
  return cur;
}

}  // namespace berth::ns
