// `create`: the parent side of container creation (sync.hpp draws the
// exchange with the child; init.cpp is the child).
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "berth_version.h"
#include "spec/validate.hpp"
#include "src/cgroups/layout.hpp"
#include "src/cgroups/manager.hpp"
#include "src/cgroups/plan.hpp"
#include "src/namespaces/idmap.hpp"
#include "src/namespaces/kinds.hpp"
#include "src/namespaces/netdev.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/base/scope_exit.hpp"
#include "src/runtime/container.hpp"
#include "src/runtime/hooks.hpp"
#include "src/runtime/init.hpp"
#include "src/runtime/notify.hpp"
#include "src/runtime/rootless.hpp"
#include "src/runtime/sync.hpp"
#include "src/runtime/terminal.hpp"
#include "src/runtime/trampoline.hpp"
#include "src/seccomp/cache.hpp"
#include "src/seccomp/compile.hpp"

namespace berth::runtime {

namespace {

Result<std::string> real_dir(const std::string& path, const std::string& what) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return fail_errno(what + " " + quote(path));
  struct stat st {};
  if (::stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return fail(what + " " + quote(path) + ": not a directory");
  return std::string(buf);
}

// fds the caller hands over with --preserve-fds are inherited across its
// execve of berth, so they are open and not close-on-exec; berth's own fds
// always are.  Anything else means the caller miscounted, and berth must
// not pass one of its own fds into the container.
Result<void> check_preserved_fds(int n) {
  for (int fd = 3; fd < 3 + n; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC) != 0)
      return fail("--preserve-fds " + std::to_string(n) + ": fd " + std::to_string(fd) +
                  " is not an open inherited file descriptor");
  }
  return {};
}


// Who writes a new user namespace's maps (idmap.hpp), decided and the
// helpers found before any side effect: a missing newuidmap leaves nothing
// behind.
struct UserMaps {
  ns::IdMapPlan plan;
  ns::IdMapHelpers helpers;
};

Result<UserMaps> plan_user_maps(const spec::Config& cfg, const std::string& source) {
  UserMaps m;
  const spec::Namespace* user = cfg.linux ? cfg.linux->find_namespace(spec::NamespaceType::kUser) : nullptr;
  if (user == nullptr || !user->path.empty()) return m;
  m.plan = ns::plan_id_maps(cfg.linux->uid_mappings, cfg.linux->gid_mappings, ::geteuid(), ::getegid());
  auto h = ns::find_id_map_helpers(m.plan, std::getenv("PATH"));
  if (!h) return fail(std::move(h).error().context(source));
  m.helpers = std::move(*h);
  return m;
}

// Rootless (rootless.hpp): --rootless, or auto and not the host's root.
bool is_rootless(const Context& ctx) {
  auto map = read_file("/proc/self/uid_map");
  return rootless_mode(ctx.global.rootless, ::geteuid(), map && is_nested_user_namespace(*map));
}

// pid and time namespaces hold for the caller's future children: join or
// create them here, so the init is born inside (plan.hpp).
Result<void> enter_parent_namespaces(const ns::Plan& plan, const spec::Linux* l) {
  for (const auto& n : plan.parent_joins) {
    UniqueFd fd(::open(n.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd || ::setns(fd.get(), ns::clone_flag(n.type)) != 0)
      return fail_errno("join " + std::string(spec::namespace_type_name(n.type)) + " namespace " + quote(n.path));
  }
  if (plan.parent_new_time) {
    if (::unshare(CLONE_NEWTIME) != 0) return fail_errno("create time namespace");
    std::string offsets;
    if (l != nullptr)
      for (const auto& [clock, off] : l->time_offsets)
        offsets += clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs) + "\n";
    if (!offsets.empty()) BERTH_TRY(ns::write_proc_file(::getpid(), "timens_offsets", offsets));
  }
  return {};
}

pid_t clone_init(unsigned long flags, int cgroup_fd, const InitArgs& args) {
  clone_args ca{};
  ca.flags = flags;
  ca.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) {
    // Born in its cgroup (Linux 5.7): no window where it runs, or forks,
    // outside it.
    ca.flags |= CLONE_INTO_CGROUP;
    ca.cgroup = static_cast<uint64_t>(cgroup_fd);
  }
  long pid = ::syscall(SYS_clone3, &ca, sizeof ca);
  if (pid == 0) container_init(args);  // never returns
  return static_cast<pid_t>(pid);
}

// Which namespace a sysctl key belongs to (validate.cpp allows only these).
std::optional<spec::NamespaceType> sysctl_namespace(const std::string& key) {
  if (key.rfind("net.", 0) == 0) return spec::NamespaceType::kNetwork;
  if (key == "kernel.hostname" || key == "kernel.domainname") return spec::NamespaceType::kUts;
  if (key.rfind("kernel.", 0) == 0 || key.rfind("fs.mqueue.", 0) == 0) return spec::NamespaceType::kIpc;
  return std::nullopt;
}

// validate() knows a sysctl's namespace is listed; only the host can tell
// whether a joined one is the host's own, where the write would change the
// host (config-linux.md: the runtime MUST NOT modify the host).
Result<void> check_sysctl_not_host(const spec::Config& cfg, const std::string& source) {
  if (!cfg.linux) return {};
  for (const auto& [key, value] : cfg.linux->sysctl) {
    auto t = sysctl_namespace(key);
    const spec::Namespace* n = t ? cfg.linux->find_namespace(*t) : nullptr;
    if (n == nullptr || n->path.empty()) continue;
    struct stat joined {}, host {};
    std::string mine = "/proc/self/ns/" + std::string(ns::proc_name(*t));
    if (::stat(n->path.c_str(), &joined) != 0 || ::stat(mine.c_str(), &host) != 0) continue;
    if (joined.st_dev == host.st_dev && joined.st_ino == host.st_ino)
      return fail(source + ": linux.sysctl: " + quote(key) + " would change the host: the " +
                  std::string(spec::namespace_type_name(*t)) + " namespace " + quote(n->path) + " is the host's");
  }
  return {};
}

// What the config may say but berth cannot do on this host, refused before
// any side effect rather than ignored: a mount label needs SELinux; a
// namespace path must name a namespace of its entry's type.
Result<void> check_host_support(const spec::Config& cfg, const std::string& source) {
  if (!cfg.linux) return {};
  const auto& nss = cfg.linux->namespaces;
  for (size_t i = 0; i < nss.size(); ++i)
    if (!nss[i].path.empty())
      BERTH_TRY_CTX(ns::check_namespace_file(nss[i].type, nss[i].path),
                    source + ": linux.namespaces[" + std::to_string(i) + "].path");
  if (!cfg.linux->mount_label.empty() && ::access("/sys/fs/selinux/enforce", F_OK) != 0)
    return fail(source + ": linux.mountLabel: " + quote(cfg.linux->mount_label) +
                " needs SELinux, which is not enabled on this host");
  return {};
}

// Why the child went away, for an error better than "socket closed".
// Only the socket's own failures are replaced: an error the child reported
// (it exits right after sending it) is the better message, and the race
// between its exit and this check used to hide it.
Error child_gone(pid_t pid, Error e) {
  if (e.message().rfind("sync: ", 0) != 0) return e;
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == pid) {
    if (WIFSIGNALED(status)) return Error("container init killed by signal " + std::to_string(WTERMSIG(status)));
    if (WIFEXITED(status)) return Error("container init exited with status " + std::to_string(WEXITSTATUS(status)));
  }
  return e;
}

// The pid as the process's own pid namespace sees it: the last NSpid value
// of /proc/<pid>/status (1 in a new pid namespace).
pid_t pid_in_container(pid_t pid) {
  auto status = read_file("/proc/" + std::to_string(pid) + "/status");
  if (!status) return pid;
  auto at = status->find("\nNSpid:");
  if (at == std::string::npos) return pid;
  auto end = status->find('\n', at + 1);
  std::string line = status->substr(at + 8, end - at - 8);
  auto last = line.find_last_of(" \t");
  return static_cast<pid_t>(std::atoi(line.c_str() + (last == std::string::npos ? 0 : last + 1)));
}

struct Launch {
  Context& ctx;
  const CreateOptions& opt;
  UniqueFd& console_master;  // kept when no --console-socket (run proxies it)
  const spec::Config& cfg;
  ContainerState& state;
  const SyncSocket& sync;
  const ns::Plan& plan;
  const seccomp::BpfProgram* filter;
  const UserMaps& user_maps;
};

// Id-mapped mounts (idmap.hpp): made here, where berth holds CAP_SYS_ADMIN
// over the sources' file systems, after the container's id maps exist, and
// sent to the init (at most kSyncMaxFds per frame; the payload lists their
// mounts[] indices) to be moved into place.
Result<void> send_idmapped_mounts(const Launch& l) {
  const auto& mounts = l.cfg.mounts;
  UniqueFd container_userns;
  std::vector<UniqueFd> batch;
  std::string indices;
  auto flush = [&]() -> Result<void> {
    if (batch.empty()) return {};
    std::vector<int> fds;
    for (const auto& t : batch) fds.push_back(t.get());
    BERTH_TRY(l.sync.send(SyncType::kMountFds, indices, 0, fds));
    batch.clear();
    indices.clear();
    return {};
  };
  for (size_t i = 0; i < mounts.size(); ++i) {
    const spec::Mount& m = mounts[i];
    if (!ns::is_idmapped(m)) continue;
    const std::string where = l.state.bundle + "/config.json: mounts[" + std::to_string(i) + "]";
    UniqueFd own;
    int userns = -1;
    if (!m.uid_mappings.empty()) {
      auto u = ns::user_namespace_with(m.uid_mappings, m.gid_mappings);
      if (!u) return fail(std::move(u).error().context(where));
      own = std::move(*u);
      userns = own.get();
    } else {
      // "idmap" alone: the container's own mappings (validate() made sure
      // it has a user namespace).
      if (!container_userns) {
        const spec::Namespace* n = l.cfg.linux ? l.cfg.linux->find_namespace(spec::NamespaceType::kUser) : nullptr;
        std::string path = n != nullptr && !n->path.empty() ? n->path : "/proc/" + std::to_string(l.state.pid) + "/ns/user";
        container_userns.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!container_userns) return fail_errno(where + ": open the container's user namespace " + quote(path));
      }
      userns = container_userns.get();
    }
    auto tree = ns::idmapped_tree(m, l.state.bundle, userns);
    if (!tree) return fail(std::move(tree).error().context(where));
    batch.push_back(std::move(*tree));
    indices += (indices.empty() ? "" : ",") + std::to_string(i);
    if (batch.size() == kSyncMaxFds) BERTH_TRY(flush());
  }
  return flush();
}

// config-linux.md "seccomp": the listener fd goes to listenerPath with the
// containerProcessState document, in one SCM_RIGHTS message.
Result<void> send_listener(const Launch& l, int fd) {
  const spec::Seccomp& sc = *l.cfg.linux->seccomp;
  std::string doc = container_process_state(l.cfg, l.state.pid, hook_state_json(l.state, Status::kCreating));
  BERTH_TRY_CTX(send_fd(sc.listener_path, fd, doc), "seccomp listener " + quote(sc.listener_path));
  return {};
}

// The parent's half of the exchange drawn in sync.hpp.
Result<void> handshake(const Launch& l) {
  pid_t pid = l.state.pid;
  if (l.plan.new_user) {
    BERTH_TRY(l.sync.expect(SyncType::kIdMapRequest));
    BERTH_TRY_CTX(ns::write_user_namespace_maps(pid, l.cfg.linux->uid_mappings, l.cfg.linux->gid_mappings,
                                                l.user_maps.plan, l.user_maps.helpers),
                  "write id maps");
    BERTH_TRY(l.sync.send(SyncType::kIdMapDone));
  }
  BERTH_TRY(send_idmapped_mounts(l));
  BERTH_TRY(l.sync.expect(SyncType::kRunHooks));
  // The container's network namespace exists (made at clone or joined by
  // now): its devices are there before any hook looks.
  if (l.cfg.linux && !l.cfg.linux->net_devices.empty()) {
    UniqueFd netns(::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) return fail_errno("open the container's network namespace");
    BERTH_TRY(ns::move_net_devices(l.cfg.linux->net_devices, netns.get()));
  }
  std::string st = hook_state_json(l.state, Status::kCreating);
  if (l.cfg.hooks) {
    BERTH_TRY(run_hooks(l.cfg.hooks->prestart, "prestart", st));
    BERTH_TRY(run_hooks(l.cfg.hooks->create_runtime, "createRuntime", st));
  }
  // createContainer hooks get "creating", startContainer ones "created",
  // both with the pid as the container sees it (state.md).
  ContainerState inside = l.state;
  inside.pid = pid_in_container(pid);
  std::string both = hook_state_json(inside, Status::kCreating);
  both += '\0';
  both += hook_state_json(inside, Status::kCreated);
  BERTH_TRY(l.sync.send(SyncType::kHooksDone, both));
  if (l.cfg.process->terminal) {
    auto console = l.sync.expect(SyncType::kConsole);
    if (!console) return fail(std::move(console).error());
    if (console->fds.empty()) return fail("sync: console frame without a pty");
    if (l.opt.console_socket.empty()) l.console_master = std::move(console->fds[0]);
    else BERTH_TRY(send_fd(l.opt.console_socket, console->fds[0].get(), console->payload));
  }
  if (l.filter != nullptr && l.filter->needs_listener) {
    auto fd = l.sync.expect(SyncType::kSeccompListener);
    if (!fd) return fail(std::move(fd).error());
    if (fd->fds.empty()) return fail("sync: seccomp listener frame without an fd");
    BERTH_TRY(send_listener(l, fd->fds[0].get()));
  }
  BERTH_TRY(l.sync.expect(SyncType::kReady));
  return {};
}


Result<void> send_pidfd(const std::string& socket, pid_t pid) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return fail_errno("pidfd_open " + std::to_string(pid));
  return send_fd(socket, pidfd.get(), "pidfd");
}

}  // namespace

// STYLE.md: a process that clones must be single-threaded (a lock held by
// another thread would stay locked forever in the child).
Result<void> assert_single_threaded() {
  auto stat = read_file("/proc/self/stat");
  if (!stat) return fail(std::move(stat).error());
  auto rest = stat->substr(stat->rfind(')') + 2);
  size_t pos = 0;
  for (int i = 3; i < 20; ++i) pos = rest.find(' ', pos) + 1;  // field 20: num_threads
  if (std::atoi(rest.c_str() + pos) != 1) return fail("internal error: berth is not single-threaded at clone");
  return {};
}

static std::string base_name(const std::string& p) { return p.substr(p.rfind('/') + 1); }

// What a "cgroup" mount shows: the container's own cgroup in each hierarchy,
// read from /proc/self/cgroup by the init once it has been placed there.
ns::CgroupView cgroup_view(bool new_cgroupns) {
  ns::CgroupView v;
  v.new_cgroupns = new_cgroupns;
  auto layout = cgroups::detect_layout();
  auto text = read_file("/proc/self/cgroup");
  if (!layout || !text) return v;
  auto own = cgroups::parse_proc_cgroup(*text);
  v.unified_only = layout->kind == cgroups::LayoutKind::kV2;
  for (const auto& h : layout->v1) {
    const std::string& c = h.controllers.front();
    v.binds.push_back({base_name(h.mount_point), cgroups::hierarchy_dir(*layout, c, own[c])});
  }
  if (!layout->unified_mount.empty())
    v.binds.push_back({v.unified_only ? "" : base_name(layout->unified_mount),
                       cgroups::hierarchy_dir(*layout, "", own[""])});
  return v;
}

Result<std::optional<seccomp::BpfProgram>> compile_seccomp(Context& ctx, const spec::Config& cfg,
                                                           const std::string& source) {
  if (!cfg.linux || !cfg.linux->seccomp) return std::optional<seccomp::BpfProgram>();
  std::vector<std::string> warnings;
  // Compiled once per profile: the cache under the state root holds the
  // instructions (seccomp/cache.hpp); a new berth build never reads an old
  // build's entries.
  seccomp::CacheOutcome cache;
  auto p = seccomp::compile_cached(*cfg.linux->seccomp, ctx.global.root,
                                   BERTH_VERSION " " BERTH_COMMIT, warnings, &cache);
  for (const auto& w : warnings) ctx.log.warn(w);
  if (!cache.note.empty()) ctx.log.debug(cache.note);
  if (!p) return fail(std::move(p).error().context(source));
  return std::optional<seccomp::BpfProgram>(std::move(*p));
}

std::string container_process_state(const spec::Config& cfg, pid_t pid, const std::string& state_json) {
  nlohmann::ordered_json j;
  j["ociVersion"] = cfg.oci_version;
  j["fds"] = {"seccompFd"};
  j["pid"] = pid;
  j["metadata"] = cfg.linux->seccomp->listener_metadata;
  j["state"] = nlohmann::json::parse(state_json);
  return j.dump();
}

std::string hook_state_json(const ContainerState& s, Status status) { return oci_state_json(s, status); }

Result<Created> create_container(Context& ctx, const CreateOptions& opt) {
  BERTH_TRY(check_container_id(opt.id));
  // Socket activation of berth itself (sd_listen_fds(3)): the sockets are
  // fds 3.., before the --preserve-fds ones, and go to the container.
  int listen_fds = 0;
  if (const char* n = std::getenv("LISTEN_FDS"); n != nullptr) {
    const char* p = std::getenv("LISTEN_PID");
    if (p != nullptr && std::atoi(p) == ::getpid()) listen_fds = std::max(0, std::atoi(n));
  }
  int pass_fds = listen_fds + opt.preserve_fds;
  BERTH_TRY(check_preserved_fds(pass_fds));
  auto bundle = real_dir(opt.bundle.empty() ? "." : opt.bundle, "bundle");
  if (!bundle) return fail(std::move(bundle).error());
  std::string cfg_path = *bundle + "/config.json";
  auto text = read_file(cfg_path);
  if (!text) return fail(std::move(text).error());
  auto cfg = spec::parse_config(*text, cfg_path);
  if (!cfg) return fail(std::move(cfg).error());
  BERTH_TRY(spec::validate(*cfg, spec::ValidateFor::kCreate, cfg_path));
  BERTH_TRY(check_sysctl_not_host(*cfg, cfg_path));
  BERTH_TRY(check_host_support(*cfg, cfg_path));
  // The config rules hold for a non-root berth (runc: RootlessEUID); the
  // cgroup leniency below for any rootless mode, root in a user namespace
  // included (runc: RootlessCgroups).
  if (::geteuid() != 0) BERTH_TRY(spec::validate_rootless(*cfg, cfg_path));
  bool rootless = is_rootless(ctx);
  auto user_maps = plan_user_maps(*cfg, cfg_path);
  if (!user_maps) return fail(std::move(user_maps).error());
  std::string root_path = cfg->root->path[0] == '/' ? cfg->root->path : *bundle + "/" + cfg->root->path;
  auto rootfs = real_dir(root_path, cfg_path + ": root.path:");
  if (!rootfs) return fail(std::move(rootfs).error());
  // Compiled before any side effect: a bad profile leaves nothing behind.
  auto compiled = compile_seccomp(ctx, *cfg, cfg_path);
  if (!compiled) return fail(std::move(compiled).error());
  std::optional<seccomp::BpfProgram> filter = std::move(*compiled);
  if (cfg->process->terminal && opt.console_socket.empty() && !opt.keep_console)
    return fail(cfg_path + ": process.terminal is true but no --console-socket was given");
  if (binary_exposed(*cfg, nullptr)) BERTH_TRY(reexec_from_read_only_binary());

  auto dir = ContainerDir::create(ctx.global.root, opt.id);
  if (!dir) return fail(std::move(dir).error());
  std::unique_ptr<cgroups::Manager> cg;
  // Declared after `dir` and `cg`, so its undo actions run while they exist.
  Rollback rb;
  rb.push([&] { (void)dir->remove(); });
  BERTH_TRY(dir->write_config(*text));
  BERTH_TRY(setup_notify(*cfg, *dir));
  if (::mkfifoat(dir->fd(), kExecFifo, 0600) != 0) return fail_errno("create exec fifo in " + quote(dir->path()));
  // O_RDWR: the init's read blocks until `start` writes, and never sees EOF.
  UniqueFd fifo(::openat(dir->fd(), kExecFifo, O_RDWR | O_CLOEXEC));
  if (!fifo) return fail_errno("open exec fifo");

  ns::Plan plan = ns::plan(cfg->linux ? &*cfg->linux : nullptr);
  if (ctx.global.cgroup_manager != "disabled") {
    std::string_view cgroups_path = cfg->linux ? std::string_view(cfg->linux->cgroups_path) : "";
    auto m = ctx.global.cgroup_manager == "systemd" ? cgroups::make_systemd_manager(cgroups_path, opt.id)
                                                    : cgroups::make_manager(cgroups_path, opt.id);
    if (!m) return fail(std::move(m).error());
    cg = std::move(*m);
    spec::Resources res = cfg->linux && cfg->linux->resources ? *cfg->linux->resources : spec::Resources{};
    if (auto made = cg->create(); !made) {
      // Rootless without a delegated hierarchy (rootless.hpp): no cgroup at
      // all, unless the config asks for limits, which would go unenforced.
      if (!rootless || !is_permission_error(made.error())) return fail(std::move(made).error());
      if (sets_cgroup_limits(res))
        return fail(std::move(made).error().context(
            cfg_path + ": linux.resources: a rootless container gets limits only in a cgroup its user may create"));
      // Nothing is removed: a directory the user may not create was not
      // created, and one that existed is not ours.
      ctx.log.debug("rootless: running without a cgroup: " + made.error().message());
      cg.reset();
    } else {
      rb.push([&cg] { (void)cg->destroy(); });
      // Devices are always restricted: what the config allows, plus the
      // defaults every container needs (runc does the same); rootless, no
      // rule can be applied by an unprivileged user, and none is (runc).
      if (rootless) res.devices.clear();
      BERTH_TRY(cg->apply(rootless ? res : cgroups::with_default_devices(res)));
    }
  }
  // Placement (cgroups::Placement): born in the cgroup2 directory
  // (CLONE_INTO_CGROUP), joining the rest itself through fds opened here;
  // the parent's cgroup.procs writes after clone only for a manager that
  // offers neither.
  cgroups::Placement placement;
  if (cg) {
    auto p = cg->open_placement();
    if (!p) return fail(std::move(p).error());
    placement = std::move(*p);
  }
  const bool parent_places = placement.parent_places;
  unsigned long clone_flags = plan.clone_flags;
  // Placed (in v1 hierarchies) only after clone, the init would get a cgroup
  // namespace rooted at berth's cgroups there if it made one at clone: it
  // unshares it once placed.
  bool late_cgroupns = (parent_places || !placement.join_files.empty()) && (clone_flags & CLONE_NEWCGROUP) != 0;
  if (late_cgroupns) clone_flags &= ~static_cast<unsigned long>(CLONE_NEWCGROUP);
  BERTH_TRY(enter_parent_namespaces(plan, cfg->linux ? &*cfg->linux : nullptr));
  auto pair = SyncSocket::make_pair();
  if (!pair) return fail(std::move(pair).error());
  auto trampoline = open_exec_trampoline(*cfg->process, 3 + pass_fds);
  if (!trampoline) return fail(std::move(trampoline).error());
  InitArgs args;
  args.cfg = &*cfg;
  args.plan = &plan;
  args.rootfs = {*rootfs, *bundle, opt.no_pivot, plan.new_user, {}, !plan.has(spec::NamespaceType::kNetwork), {}};
  args.sync = &pair->second;
  args.exec_fifo = fifo.get();
  args.trampoline = trampoline->get();
  args.preserve_fds = pass_fds;
  args.listen_fds = listen_fds;
  args.no_new_keyring = opt.no_new_keyring;
  args.id = opt.id;
  args.seccomp = filter ? &*filter : nullptr;
  args.wait_placed = parent_places;
  for (const auto& fd : placement.join_files) args.cgroup_tasks.push_back(fd.get());
  args.late_cgroupns = late_cgroupns;

  BERTH_TRY(assert_single_threaded());
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone_init(clone_flags, placement.v2_dir.get(), args);
  int clone_errno = errno;
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return fail_errno("clone3 container init", clone_errno);
  rb.push([pid] {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  });
  pair->second.close();
  fifo.reset();
  trampoline->reset();
  placement.join_files.clear();
  if (parent_places) {
    BERTH_TRY(cg->add_process(pid));
    BERTH_TRY(pair->first.send(SyncType::kCgroupPlaced));
  }

  ContainerState st;
  st.id = opt.id;
  st.oci_version = cfg->oci_version;
  st.pid = pid;
  st.pid_start_time = process_start_time(pid);
  st.bundle = *bundle;
  st.rootfs = *rootfs;
  st.created = rfc3339_now();
  st.owner = ::geteuid();
  st.annotations = cfg->annotations;
  if (cg) st.cgroup = cg->persist();
  UniqueFd master;
  Launch l{ctx, opt, master, *cfg, st, pair->first, plan, args.seccomp, *user_maps};
  if (auto h = handshake(l); !h) return fail(child_gone(pid, std::move(h).error()));
  BERTH_TRY(dir->write_state(st));
  if (!opt.pid_file.empty()) BERTH_TRY_CTX(write_file_atomic(opt.pid_file, std::to_string(pid)), "pid file");
  if (!opt.pidfd_socket.empty()) BERTH_TRY_CTX(send_pidfd(opt.pidfd_socket, pid), "--pidfd-socket");
  rb.commit();
  return Created{pid, std::move(*dir), std::move(master)};
}

}  // namespace berth::runtime
