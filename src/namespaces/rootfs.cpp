#include "src/namespaces/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "src/namespaces/devices.hpp"
#include "src/namespaces/in_root.hpp"

namespace berth::ns {

namespace {

bool mounts_dev(const spec::Config& cfg) {
  for (const auto& m : cfg.mounts)
    if (clean_path(m.destination) == "/dev") return true;
  return false;
}

bool dev_is_host_bind(const spec::Config& cfg) {
  for (const auto& m : cfg.mounts)
    if (clean_path(m.destination) == "/dev" && (m.parsed.bind || m.type == "bind")) return true;
  return false;
}

}  // namespace

Result<void> prepare_rootfs(const spec::Config& cfg, const RootfsOptions& opt) {
  // Nothing done in this mount namespace may propagate back to the host:
  // make every mount a slave first (rootfsPropagation is applied at the end,
  // once the container's own mounts exist).
  if (::mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr) != 0)
    return fail_errno("make \"/\" a recursive slave mount");
  // pivot_root needs the new root to be a mount point, and its parent mount
  // must not be shared; a recursive bind onto itself gives both.
  if (::mount(opt.rootfs.c_str(), opt.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return fail_errno("bind mount rootfs " + quote(opt.rootfs));
  UniqueFd root(::open(opt.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return fail_errno("open rootfs " + quote(opt.rootfs));
  MountContext ctx{root.get(), opt.bundle, opt.in_user_ns, opt.cgroups, opt.host_network,
                   cfg.linux ? cfg.linux->mount_label : std::string()};
  for (size_t i = 0; i < cfg.mounts.size(); ++i) {
    auto premade = opt.premade_mounts.find(i);
    BERTH_TRY(mount_entry(ctx, cfg.mounts[i], premade == opt.premade_mounts.end() ? -1 : premade->second));
  }
  // runc creates a missing cwd (owned by root, 0755) rather than failing
  // the chdir after pivot_root; images rely on it.
  if (cfg.process && !cfg.process->cwd.empty()) {
    auto cwd = make_in_root(root.get(), cfg.process->cwd, NodeKind::kDirectory);
    if (!cwd) return fail(std::move(cwd).error().context("create cwd " + quote(cfg.process->cwd)));
  }
  // Device nodes go into a /dev the config mounted (a tmpfs, normally), never
  // into the image's own /dev, and never into a bind of the host's /dev.
  if (mounts_dev(cfg) && !dev_is_host_bind(cfg)) {
    DevOptions d{opt.in_user_ns};
    BERTH_TRY(setup_dev(root.get(), cfg.linux ? cfg.linux->devices : std::vector<spec::Device>{}, d));
  }
  return {};
}

Result<void> enter_rootfs(const RootfsOptions& opt) {
  if (opt.no_pivot) {
    // initramfs hosts cannot pivot_root out of rootfs: move the new root
    // over "/" and chroot into it.
    if (::chdir(opt.rootfs.c_str()) != 0) return fail_errno("chdir to rootfs " + quote(opt.rootfs));
    if (::mount(opt.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) != 0)
      return fail_errno("move rootfs " + quote(opt.rootfs) + " to \"/\"");
    if (::chroot(".") != 0) return fail_errno("chroot to rootfs");
    if (::chdir("/") != 0) return fail_errno("chdir to \"/\"");
    return {};
  }
  UniqueFd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!old_root) return fail_errno("open old root");
  if (::chdir(opt.rootfs.c_str()) != 0) return fail_errno("chdir to rootfs " + quote(opt.rootfs));
  // pivot_root(".", ".") stacks the old root on top of the new one at "/";
  // no put_old directory is needed inside the image.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return fail_errno("pivot_root to " + quote(opt.rootfs));
  if (::fchdir(old_root.get()) != 0) return fail_errno("fchdir to old root");
  // Slave before unmounting: the detach must not propagate to the host.
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0)
    return fail_errno("make old root a slave mount");
  if (::umount2(".", MNT_DETACH) != 0) return fail_errno("detach old root");
  if (::chdir("/") != 0) return fail_errno("chdir to \"/\"");
  return {};
}

namespace {

Result<void> mask_path(int rootfd, const std::string& path) {
  auto fd = open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
  if (!fd) {
    if (fd.error().errnum() == ENOENT) return {};
    return fail(std::move(fd).error());
  }
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return fail_errno("stat " + quote(path));
  std::string target = fd_path(fd->get());
  if (S_ISDIR(st.st_mode)) {
    if (::mount("tmpfs", target.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") != 0)
      return fail_errno("mask " + quote(path));
  } else if (::mount("/dev/null", target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return fail_errno("mask " + quote(path));
  }
  return {};
}

Result<void> readonly_path(int rootfd, const std::string& path) {
  auto fd = open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
  if (!fd) {
    if (fd.error().errnum() == ENOENT) return {};
    return fail(std::move(fd).error());
  }
  std::string target = fd_path(fd->get());
  if (::mount(target.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return fail_errno("bind " + quote(path) + " read-only");
  auto again = open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
  if (!again) return fail(std::move(again).error());
  std::string t2 = fd_path(again->get());
  if (::mount(nullptr, t2.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0 &&
      ::mount(nullptr, t2.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, nullptr) != 0)
    return fail_errno("remount " + quote(path) + " read-only");
  return {};
}

}  // namespace

Result<void> finish_rootfs(const spec::Config& cfg, const RootfsOptions& opt) {
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return fail_errno("open \"/\"");
  if (cfg.linux) {
    for (const auto& p : cfg.linux->masked_paths) BERTH_TRY(mask_path(root.get(), p));
    for (const auto& p : cfg.linux->readonly_paths) BERTH_TRY(readonly_path(root.get(), p));
  }
  if (cfg.root && cfg.root->readonly) {
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
    if (::mount(nullptr, "/", nullptr, flags, nullptr) != 0 &&
        !(opt.in_user_ns && ::mount(nullptr, "/", nullptr, flags | MS_NOSUID | MS_NODEV, nullptr) == 0))
      return fail_errno("remount \"/\" read-only");
  }
  if (cfg.linux && cfg.linux->rootfs_propagation != 0 &&
      ::mount(nullptr, "/", nullptr, cfg.linux->rootfs_propagation, nullptr) != 0)
    return fail_errno("set rootfs propagation " + quote(cfg.linux->rootfs_propagation_name));
  return {};
}

}  // namespace berth::ns
