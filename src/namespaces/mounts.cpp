#include "src/namespaces/mounts.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cerrno>

#include "src/namespaces/copyup.hpp"
#include "src/namespaces/in_root.hpp"

namespace berth::ns {

namespace {

// Flags a bind remount may change; the rest of m.parsed.flags are ignored
// there (the kernel would reject MS_REMOUNT with e.g. MS_SYNCHRONOUS mixed in).
constexpr unsigned long kRemountable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                       MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW;

// In a user namespace, flags of a mount that came from a more privileged
// namespace are locked: a remount must repeat them or fail with EPERM.
unsigned long locked_flags(const std::string& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0) return 0;
  unsigned long f = 0;
  if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV) f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (s.f_flag & ST_RDONLY) f |= MS_RDONLY;
  if (s.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (s.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (s.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

Result<void> do_mount(const char* source, const std::string& target_fd_path, const char* type,
                      unsigned long flags, const std::string& data, const spec::Mount& m,
                      std::string_view what) {
  if (::mount(source, target_fd_path.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0)
    return fail_errno(std::string(what) + " " + quote(m.source.empty() ? m.type : m.source) + " on " +
                      quote(m.destination));
  return {};
}

// Applies flags, propagation and recursive attributes to the mount now at `dest`.
Result<void> finish_mount(const MountContext& ctx, const spec::Mount& m, bool bind,
                          const std::string& bind_source) {
  const auto& o = m.parsed;
  unsigned long flags = o.flags & kRemountable;
  bool need_remount = bind && flags != 0;
  if (!need_remount && o.propagation == 0 && o.attr_set == 0 && o.attr_clr == 0) return {};
  // The fd taken before mounting points below the new mount: resolve again.
  auto fd = open_in_root(ctx.rootfd, m.destination, O_PATH);
  if (!fd) return fail(std::move(fd).error());
  std::string p = fd_path(fd->get());
  if (need_remount) {
    if (ctx.in_user_ns) flags |= locked_flags(bind_source);
    if (::mount(nullptr, p.c_str(), nullptr, MS_BIND | MS_REMOUNT | flags, nullptr) != 0)
      return fail_errno("remount " + quote(m.destination) + " with its options");
  }
  if (o.propagation != 0 && ::mount(nullptr, p.c_str(), nullptr, o.propagation, nullptr) != 0)
    return fail_errno("set propagation of " + quote(m.destination));
  if (o.attr_set != 0 || o.attr_clr != 0) {
    mount_attr attr{};
    attr.attr_set = o.attr_set;
    attr.attr_clr = o.attr_clr;
    if (::syscall(SYS_mount_setattr, fd->get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
      return fail_errno("set recursive attributes of " + quote(m.destination));
  }
  return {};
}

// copy-symlink: the symlink itself goes into the container, pointing where
// it pointed (resolved there, inside the container's root).
Result<void> copy_symlink(const MountContext& ctx, const spec::Mount& m, const std::string& source) {
  std::string target(PATH_MAX, '\0');
  ssize_t n = ::readlink(source.c_str(), target.data(), target.size() - 1);
  if (n < 0) return fail_errno("read symlink " + quote(source));
  target.resize(static_cast<size_t>(n));
  std::string dest = clean_path(m.destination);
  size_t slash = dest.rfind('/');
  auto parent = make_in_root(ctx.rootfd, slash == 0 ? "/" : dest.substr(0, slash), NodeKind::kDirectory);
  if (!parent) return fail(std::move(parent).error());
  std::string name = dest.substr(slash + 1);
  if (::symlinkat(target.c_str(), parent->get(), name.c_str()) != 0) {
    // An image may already have the same link: fine; anything else is not.
    std::string have(PATH_MAX, '\0');
    ssize_t k = ::readlinkat(parent->get(), name.c_str(), have.data(), have.size() - 1);
    if (k < 0 || have.substr(0, static_cast<size_t>(k)) != target)
      return fail_errno("copy symlink " + quote(source) + " to " + quote(m.destination));
  }
  return {};
}

Result<void> mount_bind(const MountContext& ctx, const spec::Mount& m, int premade = -1) {
  std::string source = m.source;
  if (source.empty()) return fail("bind mount on " + quote(m.destination) + ": no source");
  if (source[0] != '/') source = ctx.bundle + "/" + source;
  struct stat st {};
  if (m.parsed.copy_symlink && ::lstat(source.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
    return copy_symlink(ctx, m, source);
  if (::stat(source.c_str(), &st) != 0) return fail_errno("bind mount source " + quote(source));
  auto target = make_in_root(ctx.rootfd, m.destination,
                             S_ISDIR(st.st_mode) ? NodeKind::kDirectory : NodeKind::kFile);
  if (!target) return fail(std::move(target).error());
  if (premade >= 0) {
    if (::syscall(SYS_move_mount, premade, "", target->get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
      return fail_errno("move the id-mapped mount of " + quote(source) + " onto " + quote(m.destination));
    return finish_mount(ctx, m, true, source);
  }
  unsigned long flags = MS_BIND | (m.parsed.recursive_bind ? MS_REC : 0);
  BERTH_TRY(do_mount(source.c_str(), fd_path(target->get()), nullptr, flags, {}, m, "bind mount"));
  return finish_mount(ctx, m, true, source);
}

// "cgroup": the container sees its own cgroup, never the host's tree.
Result<void> mount_cgroup(const MountContext& ctx, const spec::Mount& m) {
  unsigned long ro = m.parsed.flags & MS_RDONLY;
  unsigned long common = (m.parsed.flags & kRemountable) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  auto target = make_in_root(ctx.rootfd, m.destination, NodeKind::kDirectory);
  if (!target) return fail(std::move(target).error());
  if (ctx.cgroups.unified_only && ctx.cgroups.new_cgroupns) {
    // In its own cgroup namespace, a fresh cgroup2 mount is rooted at the container's cgroup.
    return do_mount("cgroup2", fd_path(target->get()), "cgroup2", common, {}, m, "mount");
  }
  if (ctx.cgroups.unified_only) {
    if (ctx.cgroups.binds.empty()) return fail("mount cgroup on " + quote(m.destination) + ": no cgroup");
    spec::Mount b = m;
    b.source = ctx.cgroups.binds[0].host_path;
    b.parsed.recursive_bind = true;
    return mount_bind(ctx, b);
  }
  // v1 or hybrid: a tmpfs with one bind per hierarchy, made read-only last.
  BERTH_TRY(do_mount("tmpfs", fd_path(target->get()), "tmpfs", common & ~MS_RDONLY, "mode=755", m, "mount"));
  for (const auto& h : ctx.cgroups.binds) {
    spec::Mount b;
    b.destination = clean_path(m.destination + "/" + h.name);
    b.source = h.host_path;
    b.type = "bind";
    b.parsed.bind = b.parsed.recursive_bind = true;
    b.parsed.flags = common;
    BERTH_TRY(mount_bind(ctx, b));
  }
  if (ro == 0) return {};
  auto fd = open_in_root(ctx.rootfd, m.destination, O_PATH);
  if (!fd) return fail(std::move(fd).error());
  if (::mount(nullptr, fd_path(fd->get()).c_str(), nullptr, MS_REMOUNT | MS_RDONLY | common, "mode=755") != 0)
    return fail_errno("remount " + quote(m.destination) + " read-only");
  return {};
}

// tmpcopyup: what the image has at the destination is read through a
// directory fd taken before the tmpfs hides it, and copied in before the
// tmpfs becomes read-only (if it is to be).
Result<void> mount_tmpfs_copyup(const MountContext& ctx, const spec::Mount& m, unsigned long flags) {
  auto under = open_in_root(ctx.rootfd, m.destination, O_RDONLY | O_DIRECTORY);
  if (!under) return fail(std::move(under).error());
  auto target = open_in_root(ctx.rootfd, m.destination, O_PATH);
  if (!target) return fail(std::move(target).error());
  BERTH_TRY(do_mount("tmpfs", fd_path(target->get()), "tmpfs", flags & ~MS_RDONLY, m.parsed.data, m, "mount"));
  auto top = open_in_root(ctx.rootfd, m.destination, O_RDONLY | O_DIRECTORY);
  if (!top) return fail(std::move(top).error());
  BERTH_TRY(copy_tree(under->get(), top->get(), m.destination));
  if ((flags & MS_RDONLY) != 0 &&
      ::mount(nullptr, fd_path(top->get()).c_str(), nullptr, MS_REMOUNT | flags,
              m.parsed.data.empty() ? nullptr : m.parsed.data.c_str()) != 0)
    return fail_errno("remount " + quote(m.destination) + " read-only");
  return finish_mount(ctx, m, false, {});
}

}  // namespace

Result<void> mount_entry(const MountContext& ctx, const spec::Mount& m, int premade) {
  if (m.parsed.bind || m.type == "bind") return mount_bind(ctx, m, premade);
  if (m.type == "cgroup") return mount_cgroup(ctx, m);
  auto target = make_in_root(ctx.rootfd, m.destination, NodeKind::kDirectory);
  if (!target) return fail(std::move(target).error());
  // MS_REMOUNT and MS_BIND never come from the options of a fresh mount.
  unsigned long flags = m.parsed.flags & ~(MS_REMOUNT | MS_BIND);
  // sysfs shows the network devices of the mounter's network namespace: with
  // the host's, a writable /sys/class/net would let the container reconfigure
  // host interfaces.  config-linux.md's default file systems: read-only then.
  if (m.type == "sysfs" && ctx.host_network) flags |= MS_RDONLY;
  std::string source = m.source.empty() ? m.type : m.source;
  // linux.mountLabel labels every fresh mount, as the context= option does
  // (runc's FormatMountLabel); create has refused it where SELinux is absent.
  spec::Mount labelled;
  const spec::Mount* mp = &m;
  if (!ctx.mount_label.empty()) {
    labelled = m;
    std::string ctx_opt = "context=\"" + ctx.mount_label + "\"";
    labelled.parsed.data = m.parsed.data.empty() ? ctx_opt : m.parsed.data + "," + ctx_opt;
    mp = &labelled;
  }
  if (m.parsed.tmpcopyup) return mount_tmpfs_copyup(ctx, *mp, flags);
  BERTH_TRY(do_mount(source.c_str(), fd_path(target->get()), m.type.c_str(), flags, mp->parsed.data, m,
                     "mount"));
  return finish_mount(ctx, m, false, {});
}

}  // namespace berth::ns
