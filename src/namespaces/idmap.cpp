#include "src/namespaces/idmap.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>


namespace berth::ns {

std::string id_map_text(const std::vector<spec::IdMapping>& maps) {
  std::string out;
  for (const auto& m : maps)
    out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
  return out;
}

Result<void> write_proc_file(pid_t pid, const char* file, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return fail_errno("open " + quote(path));
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return fail_errno("write " + quote(path));
  return {};
}

bool is_idmapped(const spec::Mount& m) {
  return m.parsed.idmap || !m.uid_mappings.empty() || !m.gid_mappings.empty();
}

Result<UniqueFd> user_namespace_with(const std::vector<spec::IdMapping>& uids,
                                     const std::vector<spec::IdMapping>& gids) {
  // The helper only has to exist in the namespace while its maps are
  // written and the namespace is opened; it never runs anything else.
  struct clone_args ca {};
  ca.flags = CLONE_NEWUSER;
  ca.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &ca, sizeof ca);
  if (pid < 0) return fail_errno("create a user namespace for an id-mapped mount");
  if (pid == 0) {
    for (;;) ::pause();
  }
  auto reap = [pid] {
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  };
  auto r = write_proc_file(static_cast<pid_t>(pid), "uid_map", id_map_text(uids));
  if (r) r = write_proc_file(static_cast<pid_t>(pid), "gid_map", id_map_text(gids));
  if (!r) {
    reap();
    return fail(std::move(r).error().context("write the id-mapped mount's mappings"));
  }
  UniqueFd fd(::open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
  int err = errno;
  reap();
  if (!fd) return fail_errno("open the id-mapped mount's user namespace", err);
  return fd;
}

Result<UniqueFd> idmapped_tree(const spec::Mount& m, const std::string& bundle, int userns_fd) {
  std::string source = m.source;
  if (!source.empty() && source[0] != '/') source = bundle + "/" + source;
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.parsed.recursive_bind ? AT_RECURSIVE : 0U);
  UniqueFd tree(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, source.c_str(), flags)));
  if (!tree) return fail_errno("id-mapped mount of " + quote(source) + " on " + quote(m.destination) + ": clone");
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns_fd);
  unsigned at = AT_EMPTY_PATH | (m.parsed.recursive_idmap ? AT_RECURSIVE : 0U);
  if (::syscall(SYS_mount_setattr, tree.get(), "", at, &attr, sizeof attr) != 0)
    return fail_errno("id-mapped mount of " + quote(source) + " on " + quote(m.destination) + ": map");
  return tree;
}

}  // namespace berth::ns
