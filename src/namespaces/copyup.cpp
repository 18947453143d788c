#include "src/namespaces/copyup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "src/runtime/base/unique_fd.hpp"

namespace berth::ns {

namespace {

// Deep image trees are not what tmpcopyup is for; a bound keeps a planted
// recursion (bind mounts inside the image) from exhausting the stack.
constexpr int kMaxDepth = 64;

Result<void> copy_contents(int from_dir, const char* name, int to_fd, const std::string& what) {
  UniqueFd in(::openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return fail_errno("open " + what);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read " + what);
    if (n == 0) return {};
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(to_fd, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail_errno("write " + what);
      done += w;
    }
  }
}

Result<void> copy_entry(int from, int to, const char* name, const struct stat& st, const std::string& path,
                        const std::string& destination, int depth);

Result<void> copy_dir(int from, int to, const std::string& path, const std::string& destination, int depth) {
  if (depth > kMaxDepth) return fail("copy into the tmpfs on " + quote(destination) + ": deeper than 64 levels");
  // fdopendir takes ownership of its fd: give it a duplicate.
  int dup = ::fcntl(from, F_DUPFD_CLOEXEC, 3);
  if (dup < 0) return fail_errno("copy into the tmpfs on " + quote(destination));
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    ::close(dup);
    return fail_errno("read " + quote(path));
  }
  ::rewinddir(d);
  Result<void> r;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st {};
    if (::fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      r = fail_errno("stat " + quote(path + "/" + e->d_name));
      break;
    }
    r = copy_entry(from, to, e->d_name, st, path + "/" + e->d_name, destination, depth);
    if (!r) break;
  }
  ::closedir(d);
  return r;
}

Result<void> copy_entry(int from, int to, const char* name, const struct stat& st, const std::string& path,
                        const std::string& destination, int depth) {
  auto ctx = [&](std::string_view op) {
    return std::string(op) + " " + quote(path) + " into the tmpfs on " + quote(destination);
  };
  switch (st.st_mode & S_IFMT) {
    case S_IFDIR: {
      if (::mkdirat(to, name, st.st_mode & 07777) != 0 && errno != EEXIST) return fail_errno(ctx("copy"));
      UniqueFd src(::openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      UniqueFd dst(::openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!src || !dst) return fail_errno(ctx("open"));
      BERTH_TRY(copy_dir(src.get(), dst.get(), path, destination, depth + 1));
      break;
    }
    case S_IFREG: {
      UniqueFd out(::openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777));
      if (!out) return fail_errno(ctx("copy"));
      BERTH_TRY(copy_contents(from, name, out.get(), quote(path)));
      break;
    }
    case S_IFLNK: {
      std::vector<char> target(static_cast<size_t>(st.st_size) + 1);
      ssize_t n = ::readlinkat(from, name, target.data(), target.size());
      if (n < 0) return fail_errno(ctx("read symlink"));
      target.resize(static_cast<size_t>(n));
      target.push_back('\0');
      if (::symlinkat(target.data(), to, name) != 0) return fail_errno(ctx("copy"));
      break;
    }
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
      if (::mknodat(to, name, st.st_mode, st.st_rdev) != 0) return fail_errno(ctx("copy"));
      break;
    default:
      return {};  // sockets: bound by a process, meaningless as a copy
  }
  if (::fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) return fail_errno(ctx("chown copy of"));
  // chown clears set-id bits: put the mode back last (symlinks have none).
  if (!S_ISLNK(st.st_mode) && ::fchmodat(to, name, st.st_mode & 07777, 0) != 0) return fail_errno(ctx("chmod copy of"));
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  (void)::utimensat(to, name, times, AT_SYMLINK_NOFOLLOW);
  return {};
}

}  // namespace

Result<void> copy_tree(int from, int to, const std::string& destination) {
  return copy_dir(from, to, destination, destination, 0);
}

}  // namespace berth::ns
