#include "src/namespaces/devices.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "src/namespaces/in_root.hpp"

namespace berth::ns {

namespace {

spec::Device node(const char* path, int64_t major, int64_t minor) {
  spec::Device d;
  d.path = path;
  d.type = 'c';
  d.major = major;
  d.minor = minor;
  d.file_mode = 0666;
  d.uid = 0;
  d.gid = 0;
  return d;
}

mode_t type_bits(char t) {
  switch (t) {
    case 'b': return S_IFBLK;
    case 'p': return S_IFIFO;
    default: return S_IFCHR;  // 'c' and 'u' (unbuffered character device)
  }
}

Result<void> make_node(int rootfd, const spec::Device& d, const DevOptions& opt) {
  std::string path = clean_path(d.path);
  auto slash = path.rfind('/');
  auto parent = make_in_root(rootfd, path.substr(0, slash), NodeKind::kDirectory);
  if (!parent) return fail(std::move(parent).error());
  std::string name = path.substr(slash + 1);
  struct stat st {};
  if (::fstatat(parent->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return {};
  mode_t perm = d.file_mode.value_or(0666) & 07777;
  if (opt.bind_from_host) {
    if (::mknodat(parent->get(), name.c_str(), S_IFREG | 0600, 0) != 0)
      return fail_errno("create mount point for device " + quote(path));
    auto target = open_in_root(rootfd, path, O_PATH);
    if (!target) return fail(std::move(target).error());
    if (::mount(d.path.c_str(), fd_path(target->get()).c_str(), nullptr, MS_BIND, nullptr) != 0)
      return fail_errno("bind mount device " + quote(d.path));
    return {};
  }
  dev_t dev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
  if (::mknodat(parent->get(), name.c_str(), type_bits(d.type) | perm, d.type == 'p' ? 0 : dev) != 0)
    return fail_errno("mknod " + quote(path));
  // The mode given to mknod is filtered by the umask; set it exactly.
  if (::fchmodat(parent->get(), name.c_str(), perm, 0) != 0) return fail_errno("chmod " + quote(path));
  if (::fchownat(parent->get(), name.c_str(), d.uid.value_or(0), d.gid.value_or(0), AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno("chown " + quote(path));
  return {};
}

Result<void> make_link(int rootfd, const char* target, const char* path) {
  auto dev = make_in_root(rootfd, "/dev", NodeKind::kDirectory);
  if (!dev) return fail(std::move(dev).error());
  const char* name = path + 5;  // after "/dev/"
  if (::symlinkat(target, dev->get(), name) != 0 && errno != EEXIST)
    return fail_errno("symlink " + quote(path) + " -> " + quote(target));
  return {};
}

}  // namespace

const std::vector<spec::Device>& default_devices() {
  static const std::vector<spec::Device> kDefaults = {
      node("/dev/null", 1, 3),   node("/dev/zero", 1, 5),    node("/dev/full", 1, 7),
      node("/dev/random", 1, 8), node("/dev/urandom", 1, 9), node("/dev/tty", 5, 0),
  };
  return kDefaults;
}

Result<void> setup_dev(int rootfd, const std::vector<spec::Device>& devices, const DevOptions& opt) {
  for (const auto& d : devices) BERTH_TRY(make_node(rootfd, d, opt));
  for (const auto& d : default_devices()) BERTH_TRY(make_node(rootfd, d, opt));
  static constexpr const char* kLinks[][2] = {
      {"/proc/self/fd", "/dev/fd"},     {"/proc/self/fd/0", "/dev/stdin"},
      {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
      {"pts/ptmx", "/dev/ptmx"},
  };
  for (const auto& l : kLinks) BERTH_TRY(make_link(rootfd, l[0], l[1]));
  if (::access("/proc/kcore", F_OK) == 0) BERTH_TRY(make_link(rootfd, "/proc/kcore", "/dev/core"));
  return {};
}

}  // namespace berth::ns
