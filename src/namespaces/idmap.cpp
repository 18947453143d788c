#include "src/namespaces/idmap.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>


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

namespace {

bool own_id_only(const std::vector<spec::IdMapping>& maps, uint32_t id) {
  return maps.size() == 1 && maps[0].host_id == id && maps[0].size == 1;
}

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The helper's stderr on one line: newlines become "; ", the last dropped.
std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::string out;
  for (char c : s) {
    if (c == '\n') out += "; ";
    else out += c;
  }
  return out;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Runs argv[0] (a resolved path) with stdin on /dev/null and stdout and
// stderr into a pipe, and waits for it.  Everything the child needs is
// built before fork: it only dup2s and execs.
Result<void> run_helper(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("run " + quote(argv[0]) + ": pipe");
  UniqueFd out(p[0]), in(p[1]);
  UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!devnull) return fail_errno("run " + quote(argv[0]) + ": open \"/dev/null\"");
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("run " + quote(argv[0]) + ": fork");
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::dup2(devnull.get(), 0) < 0 || ::dup2(in.get(), 1) < 0 || ::dup2(in.get(), 2) < 0) ::_exit(127);
    ::execve(args[0], args.data(), environ);
    const char msg[] = "cannot execute it\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  in.reset();
  std::string text;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(out.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (text.size() < 4096) text.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fail_errno(joined(argv) + ": wait");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                        : "exit status " + std::to_string(WEXITSTATUS(status));
  text = one_line(std::move(text));
  return fail(joined(argv) + ": " + how + (text.empty() ? "" : ": " + text));
}

}  // namespace

IdMapPlan plan_id_maps(const std::vector<spec::IdMapping>& uids, const std::vector<spec::IdMapping>& gids,
                       uid_t euid, gid_t egid) {
  IdMapPlan p;
  if (euid == 0) return p;
  if (!uids.empty() && !own_id_only(uids, euid)) p.uid = MapWriter::kHelper;
  if (!gids.empty() && !own_id_only(gids, egid)) p.gid = MapWriter::kHelper;
  p.deny_setgroups = p.gid == MapWriter::kDirect && !gids.empty();
  return p;
}

std::vector<std::string> id_map_helper_argv(const std::string& tool, pid_t pid,
                                            const std::vector<spec::IdMapping>& maps) {
  std::vector<std::string> argv{tool, std::to_string(pid)};
  for (const auto& m : maps) {
    argv.push_back(std::to_string(m.container_id));
    argv.push_back(std::to_string(m.host_id));
    argv.push_back(std::to_string(m.size));
  }
  return argv;
}

Result<std::string> find_in_path(std::string_view name, const char* path_env) {
  std::string_view dirs = path_env != nullptr ? path_env : kDefaultPath;
  while (true) {
    size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    // An empty entry would mean the current directory: never for a setuid helper.
    if (!dir.empty() && dir.front() == '/') {
      std::string path = std::string(dir) + "/" + std::string(name);
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0)
        return path;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return fail(quote(name) + " is not in PATH");
}

Result<IdMapHelpers> find_id_map_helpers(const IdMapPlan& plan, const char* path_env) {
  IdMapHelpers h;
  struct Need {
    MapWriter writer;
    const char* tool;
    const char* field;
    const char* ids;
    std::string* out;
  };
  const Need needs[] = {{plan.uid, "newuidmap", "linux.uidMappings", "uid", &h.newuidmap},
                        {plan.gid, "newgidmap", "linux.gidMappings", "gid", &h.newgidmap}};
  for (const auto& n : needs) {
    if (n.writer != MapWriter::kHelper) continue;
    auto path = find_in_path(n.tool, path_env);
    if (!path)
      return fail(std::string(n.field) + ": mapping more than the caller's own " + n.ids +
                  " (size 1) without root needs " + quote(n.tool) + " (package uidmap), which is not in PATH");
    *n.out = std::move(*path);
  }
  return h;
}

Result<void> write_user_namespace_maps(pid_t pid, const std::vector<spec::IdMapping>& uids,
                                       const std::vector<spec::IdMapping>& gids, const IdMapPlan& plan,
                                       const IdMapHelpers& helpers) {
  // setgroups before gid_map: the kernel refuses an unprivileged gid_map
  // while setgroups is still "allow" (Linux 3.19, CVE-2014-8989).
  if (plan.deny_setgroups) BERTH_TRY(write_proc_file(pid, "setgroups", "deny"));
  if (!uids.empty()) {
    if (plan.uid == MapWriter::kHelper) BERTH_TRY(run_helper(id_map_helper_argv(helpers.newuidmap, pid, uids)));
    else BERTH_TRY(write_proc_file(pid, "uid_map", id_map_text(uids)));
  }
  if (!gids.empty()) {
    if (plan.gid == MapWriter::kHelper) BERTH_TRY(run_helper(id_map_helper_argv(helpers.newgidmap, pid, gids)));
    else BERTH_TRY(write_proc_file(pid, "gid_map", id_map_text(gids)));
  }
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
