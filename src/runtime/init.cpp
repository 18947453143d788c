#include "src/runtime/init.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <iterator>
#include <cstring>

#include "src/namespaces/idmap.hpp"
#include "src/namespaces/kinds.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/container.hpp"
#include "src/runtime/hooks.hpp"
#include "src/runtime/process_attrs.hpp"
#include "src/runtime/sched_attrs.hpp"
#include "src/runtime/terminal.hpp"
#include "src/runtime/trampoline.hpp"
#include "src/seccomp/load.hpp"

namespace berth::runtime {

namespace {

void close_inherited_fds(const InitArgs& a) {
  int keep[] = {a.sync->fd(), a.exec_fifo, a.trampoline};
  std::sort(std::begin(keep), std::end(keep));
  unsigned from = static_cast<unsigned>(3 + a.preserve_fds);
  for (int k : keep) {
    if (k < static_cast<int>(from)) continue;
    if (static_cast<unsigned>(k) > from) ::syscall(SYS_close_range, from, static_cast<unsigned>(k) - 1, 0);
    from = static_cast<unsigned>(k) + 1;
  }
  ::syscall(SYS_close_range, from, ~0U, 0);
}

[[noreturn]] void die(const InitArgs& a, const Error& e) {
  a.sync->send_error(e);
  ::_exit(1);
}

#define INIT_TRY(a, expr)            \
  do {                               \
    auto&& r_ = (expr);              \
    if (!r_) die((a), r_.error());   \
  } while (0)

Result<void> join_namespaces(const InitArgs& a) {
  for (const auto& n : a.plan->child_joins) {
    UniqueFd fd(::open(n.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail_errno("open " + std::string(spec::namespace_type_name(n.type)) + " namespace " + quote(n.path));
    if (::setns(fd.get(), ns::clone_flag(n.type)) != 0)
      return fail_errno("join " + std::string(spec::namespace_type_name(n.type)) + " namespace " + quote(n.path));
  }
  return {};
}

// With a new user namespace the parent writes our id maps; until then we
// are "nobody" without any mapped id.  Become root of the new namespace after.
Result<void> wait_for_id_maps(const InitArgs& a) {
  if (!a.plan->new_user) return {};
  // Without root the parent (and newuidmap, which checks that it owns us)
  // can open our /proc/<pid> files only while we are dumpable; nothing of
  // the container runs yet, so only our own user could look (runc nsexec
  // does the same).
  bool unprivileged = ::geteuid() != 0;
  if (unprivileged) ::prctl(PR_SET_DUMPABLE, 1);
  BERTH_TRY(a.sync->send(SyncType::kIdMapRequest));
  BERTH_TRY(a.sync->expect(SyncType::kIdMapDone));
  if (unprivileged) ::prctl(PR_SET_DUMPABLE, 0);
  if (::setresgid(0, 0, 0) != 0) return fail_errno("setresgid to root in the user namespace");
  if (::setresuid(0, 0, 0) != 0) return fail_errno("setresuid to root in the user namespace");
  return {};
}

// The parent's id-mapped mount trees (create.cpp send_idmapped_mounts), as
// many as the config has id-mapped mounts.
Result<void> receive_idmapped_mounts(const InitArgs& a, ns::RootfsOptions& rootfs, std::vector<UniqueFd>& keep) {
  size_t want = 0;
  for (const auto& m : a.cfg->mounts) want += ns::is_idmapped(m) ? 1 : 0;
  while (keep.size() < want) {
    auto f = a.sync->expect(SyncType::kMountFds);
    if (!f) return fail(std::move(f).error());
    size_t k = 0;
    for (size_t pos = 0; pos <= f->payload.size() && k < f->fds.size(); ++k) {
      size_t comma = f->payload.find(',', pos);
      if (comma == std::string::npos) comma = f->payload.size();
      size_t index = 0;
      auto [end, ec] = std::from_chars(f->payload.data() + pos, f->payload.data() + comma, index);
      if (ec != std::errc() || end != f->payload.data() + comma) break;
      rootfs.premade_mounts[index] = f->fds[k].get();
      pos = comma + 1;
    }
    if (k != f->fds.size() || f->fds.empty()) return fail("sync: mount-fds frame does not match its indices");
    for (auto& fd : f->fds) keep.push_back(std::move(fd));
  }
  return {};
}

// A session keyring per container (named after it, as runc does), so keys
// added inside do not land in the caller's keyring.
void join_session_keyring(const InitArgs& a) {
  if (a.no_new_keyring) return;
  constexpr long kJoinSessionKeyring = 1;  // KEYCTL_JOIN_SESSION_KEYRING
  // ENOSYS/EACCES (no keyrings, or a seccomp filter of the caller) are not
  // fatal: runc ignores them too.
  (void)::syscall(SYS_keyctl, kJoinSessionKeyring, a.id.c_str());
}

Result<void> write_sysctls(const spec::Config& cfg) {
  if (!cfg.linux) return {};
  for (const auto& [key, value] : cfg.linux->sysctl) {
    // "net.ipv4.ip_forward" names /proc/sys/net/ipv4/ip_forward.
    std::string rel = key;
    for (char& c : rel)
      if (c == '.') c = '/';
    std::string path = "/proc/sys/" + rel;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return fail_errno("sysctl " + quote(key));
    BERTH_TRY_CTX(write_all(fd.get(), value, quote(path)), "sysctl " + quote(key));
  }
  return {};
}

Result<void> set_names(const spec::Config& cfg) {
  if (!cfg.hostname.empty() && ::sethostname(cfg.hostname.data(), cfg.hostname.size()) != 0)
    return fail_errno("sethostname " + quote(cfg.hostname));
  if (!cfg.domainname.empty() && ::setdomainname(cfg.domainname.data(), cfg.domainname.size()) != 0)
    return fail_errno("setdomainname " + quote(cfg.domainname));
  return {};
}

// The rootfs steps around the createContainer hooks (config.md: they run in
// the container's namespaces after the mounts, before pivot_root).
// The state JSON documents for createContainer and startContainer hooks,
// from the parent's kHooksDone frame (the init cannot read the state
// directory after pivot_root): "<creating>\0<created>".
struct HookStates {
  std::string creating, created;
  void set(const std::string& payload) {
    auto nul = payload.find('\0');
    creating = payload.substr(0, nul);
    created = nul == std::string::npos ? creating : payload.substr(nul + 1);
  }
};

Result<void> setup_rootfs(const InitArgs& a, const ns::RootfsOptions& rootfs, HookStates& hs) {
  const spec::Config& cfg = *a.cfg;
  BERTH_TRY(ns::prepare_rootfs(cfg, rootfs));
  BERTH_TRY(a.sync->send(SyncType::kRunHooks));
  auto done = a.sync->expect(SyncType::kHooksDone);
  if (!done) return fail(std::move(done).error());
  hs.set(done->payload);
  if (cfg.hooks && !cfg.hooks->create_container.empty()) {
    BERTH_TRY(run_hooks(cfg.hooks->create_container, "createContainer", hs.creating));
  }
  BERTH_TRY(ns::enter_rootfs(rootfs));
  // Sysctls before finish_rootfs: /proc/sys is among the readonlyPaths of
  // every default config (runc's, Podman's, containerd's), so afterwards a
  // write fails with EROFS.  runc writes them at the same point.
  BERTH_TRY(write_sysctls(cfg));
  return ns::finish_rootfs(cfg, rootfs);
}

// The terminal, when asked for: the pty comes from the container's own
// devpts (opened after pivot_root), its master goes to the parent, which
// hands it to --console-socket.
Result<void> setup_stdio(const InitArgs& a) {
  const spec::Process& p = *a.cfg->process;
  if (!p.terminal) {
    // A new session, as runc's init has: signals to the caller's process
    // group (Ctrl-C in a shell running `berth run`) do not hit the container.
    if (::setsid() < 0) return fail_errno("setsid");
    return {};
  }
  auto pty = open_pty("/dev/ptmx", p.console_size);
  if (!pty) return fail(std::move(pty).error());
  BERTH_TRY(a.sync->send(SyncType::kConsole, pty->slave_path, 0, {pty->master.get()}));
  BERTH_TRY(make_controlling_terminal(pty->slave.get()));
  return {};
}

Result<void> apply_process(const InitArgs& a, bool setgroups_allowed) {
  const spec::Process& p = *a.cfg->process;
  // Scheduling attributes while the init still has CAP_SYS_NICE.
  BERTH_TRY(apply_scheduler(p.scheduler));
  BERTH_TRY(apply_io_priority(p.io_priority));
  if (a.cfg->linux) {
    BERTH_TRY(apply_personality(a.cfg->linux->personality));
    BERTH_TRY(apply_memory_policy(a.cfg->linux->memory_policy));
  }
  BERTH_TRY(apply_oom_score_adj(p.oom_score_adj));
  BERTH_TRY(apply_rlimits(p.rlimits));
  BERTH_TRY(apply_apparmor(p.apparmor_profile));
  BERTH_TRY(apply_selinux_label(p.selinux_label));
  // Without no_new_privs the kernel lets only CAP_SYS_ADMIN install a
  // filter: load it while the init still has its capabilities.  The
  // profile must then allow the few syscalls of the identity change.
  if (a.seccomp != nullptr && !p.no_new_privileges) BERTH_TRY(load_seccomp(*a.seccomp, *a.sync));
  BERTH_TRY(apply_bounding_set(p.capabilities));
  BERTH_TRY(apply_user(p.user, setgroups_allowed));
  BERTH_TRY(apply_capabilities(p.capabilities));
  BERTH_TRY(apply_no_new_privs(p.no_new_privileges));
  return {};
}

// systemd socket activation: LISTEN_PID must name the process that execs.
// When berth itself was socket-activated (a.listen_fds > 0) it passes the
// sockets on as fds 3.. with LISTEN_FDS, as runc does; when the config's own
// env carries LISTEN_FDS for preserved fds, only LISTEN_PID is fixed.  HOME
// is added when the config has none (runc does; see with_home).
std::vector<std::string> final_env(const InitArgs& a) {
  std::vector<std::string> env = with_home(a.cfg->process->env, a.cfg->process->user.uid);
  auto drop = [&env](const char* prefix) {
    std::erase_if(env, [prefix](const std::string& e) { return e.rfind(prefix, 0) == 0; });
  };
  bool listen = a.listen_fds > 0;
  if (listen) {
    drop("LISTEN_FDS=");
    env.push_back("LISTEN_FDS=" + std::to_string(a.listen_fds));
  }
  for (const auto& e : env) listen = listen || (e.rfind("LISTEN_FDS=", 0) == 0 && a.preserve_fds > 0);
  if (listen) {
    drop("LISTEN_PID=");
    env.push_back("LISTEN_PID=" + std::to_string(::getpid()));
  }
  return env;
}

[[noreturn]] void wait_and_exec(const InitArgs& a, const HookStates& hs, const std::string& path) {
  FinalExec final_exec(path, a.cfg->process->args, final_env(a), a.trampoline);
  // Everything is allocated: from here on only syscalls until execve.
  char byte;
  ssize_t n;
  do {
    n = ::read(a.exec_fifo, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) ::_exit(1);
  // startContainer hooks: after `start`, in the container, before the user
  // program (runtime.md).  Nobody listens on the sync socket any more:
  // report on the container's stderr.
  const spec::Config& cfg = *a.cfg;
  if (cfg.hooks && !cfg.hooks->start_container.empty()) {
    if (auto r = run_hooks(cfg.hooks->start_container, "startContainer", hs.created); !r) {
      std::string msg = "berth: " + r.error().message() + "\n";
      (void)!::write(2, msg.data(), msg.size());
      ::_exit(1);
    }
  }
  // execCPUAffinity.final: after the cgroup placement, right before the program.
  if (const auto& aff = cfg.process->exec_cpu_affinity; aff && !aff->final.empty()) {
    if (auto r = apply_cpu_affinity(aff->final, "final"); !r) {
      std::string msg = "berth: " + r.error().message() + "\n";
      (void)!::write(2, msg.data(), msg.size());
      ::_exit(1);
    }
  }
  final_exec.exec();
}

}  // namespace

// A NOTIFY listener goes to the parent, which hands it to listenerPath.
Result<void> load_seccomp(const seccomp::BpfProgram& p, const SyncSocket& sync) {
  auto listener = seccomp::load(p);
  if (!listener) return fail(std::move(listener).error().context("load seccomp filter"));
  if (*listener) BERTH_TRY(sync.send(SyncType::kSeccompListener, {}, 0, {listener->get()}));
  return {};
}

Result<void> join_cgroups_by_tasks(const std::vector<int>& tasks_fds) {
  for (int fd : tasks_fds) {
    if (::write(fd, "0", 1) == 1) continue;
    int e = errno;
    char path[512] = "?";
    ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), path, sizeof path - 1);
    path[n > 0 ? n : 1] = '\0';
    return fail_errno("join cgroup: write \"0\" to " + quote(path), e);
  }
  return {};
}

void container_init(const InitArgs& a) {
  // Die with the parent while setting up; cleared just before kReady.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Into the container's v1 cgroups first, with the fds the parent opened
  // (cgroups::Placement: a thread moving itself skips the RCU grace period
  // that the parent's cgroup.procs write of our pid would wait for).
  INIT_TRY(a, join_cgroups_by_tasks(a.cgroup_tasks));
  // Drop every fd of the parent's but the sync socket, the exec fifo and the
  // preserved ones right away: the locked state directory fd in particular
  // would keep the container's lock held until execve.
  close_inherited_fds(a);
  // Not dumpable during setup: nothing in the container may ptrace us or
  // read our memory (the config, fds of the runtime) through /proc.
  ::prctl(PR_SET_DUMPABLE, 0);
  const spec::Config& cfg = *a.cfg;
  HookStates hs;
  // execCPUAffinity.initial: as early as possible in the init's life.
  if (const auto& aff = cfg.process->exec_cpu_affinity; aff) INIT_TRY(a, apply_cpu_affinity(aff->initial, "initial"));
  if (a.wait_placed) INIT_TRY(a, a.sync->expect(SyncType::kCgroupPlaced));
  // What "cgroup" mounts show: read where we now are, before a cgroup
  // namespace hides the host path.
  ns::RootfsOptions rootfs = a.rootfs;
  rootfs.cgroups = cgroup_view(a.plan->is_new(spec::NamespaceType::kCgroup));
  if (a.late_cgroupns && ::unshare(CLONE_NEWCGROUP) != 0) die(a, Error::from_errno("unshare cgroup namespace"));
  INIT_TRY(a, wait_for_id_maps(a));
  std::vector<UniqueFd> premade;  // id-mapped mount trees, alive until mounted
  INIT_TRY(a, receive_idmapped_mounts(a, rootfs, premade));
  INIT_TRY(a, join_namespaces(a));
  join_session_keyring(a);
  if (a.plan->has(spec::NamespaceType::kMount)) {
    INIT_TRY(a, setup_rootfs(a, rootfs, hs));
  } else {
    // No mount namespace: nothing may be mounted (it would be the host's
    // table); the container still gets its root directory.
    INIT_TRY(a, a.sync->send(SyncType::kRunHooks));
    auto done = a.sync->expect(SyncType::kHooksDone);
    if (!done) die(a, done.error());
    hs.set(done->payload);
    if (::chroot(a.rootfs.rootfs.c_str()) != 0 || ::chdir("/") != 0)
      die(a, Error::from_errno("chroot to " + quote(a.rootfs.rootfs)));
    INIT_TRY(a, write_sysctls(cfg));
  }
  INIT_TRY(a, set_names(cfg));
  INIT_TRY(a, setup_stdio(a));
  // A user namespace whose setgroups was denied by the parent (unprivileged
  // mapping) cannot call setgroups(2).
  bool setgroups_allowed = true;
  if (a.plan->new_user) {
    auto sg = read_file("/proc/self/setgroups");
    setgroups_allowed = !sg || sg->rfind("allow", 0) == 0;
  }
  const spec::Process& p = *cfg.process;
  if (::chdir(p.cwd.c_str()) != 0) die(a, Error::from_errno("chdir to cwd " + quote(p.cwd)));
  INIT_TRY(a, apply_process(a, setgroups_allowed));
  apply_umask(p.user.umask);
  // runc checks the binary before reporting success, so a typo fails
  // `create`, not `start`.
  auto path = find_executable(p.args.at(0), p.env);
  if (!path) die(a, path.error());
  // Only stdio and the preserved fds survive execve.
  INIT_TRY(a, close_fds_from(3 + a.preserve_fds));
  for (int fd = 3; fd < 3 + a.preserve_fds; ++fd) ::fcntl(fd, F_SETFD, 0);
  // With no_new_privs the filter goes in as late as possible, so profiles
  // need not allow the runtime's own setup syscalls.
  if (a.seccomp != nullptr && p.no_new_privileges) INIT_TRY(a, load_seccomp(*a.seccomp, *a.sync));
  ::prctl(PR_SET_PDEATHSIG, 0);
  INIT_TRY(a, a.sync->send(SyncType::kReady));
  wait_and_exec(a, hs, *path);
}

}  // namespace berth::runtime
