// `exec`: a new process in a running container.
//
// No intermediate process (but for a rootless berth, see
// clone_through_joiner): the parent joins the pid and time namespaces of
// the container for its children (setns on the init's pidfd), clones, and
// the child joins every other namespace in one setns(pidfd, flags) call
// (Linux 5.8), user namespace included, so the kernel orders them.  The
// child then takes the process attributes like the init does and execs.
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "src/runtime/base/fileio.hpp"
#include "src/runtime/container.hpp"
#include "src/runtime/exec.hpp"
#include "src/runtime/foreground.hpp"
#include "src/runtime/process_attrs.hpp"
#include "src/runtime/sched_attrs.hpp"
#include "src/runtime/sync.hpp"
#include "src/runtime/terminal.hpp"
#include "src/runtime/trampoline.hpp"

namespace berth::runtime {

namespace {

struct NsFlag {
  const char* name;
  int flag;
};
constexpr NsFlag kChildNs[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},   {"net", CLONE_NEWNET},
                               {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},  {"cgroup", CLONE_NEWCGROUP}};
constexpr NsFlag kParentNs[] = {{"pid", CLONE_NEWPID}, {"time", 0x80 /* CLONE_NEWTIME */}};

bool same_ns(pid_t pid, const char* name) {
  struct stat a {}, b {};
  std::string theirs = "/proc/" + std::to_string(pid) + "/ns/" + name;
  std::string ours = std::string("/proc/self/ns/") + name;
  if (::stat(theirs.c_str(), &a) != 0 || ::stat(ours.c_str(), &b) != 0) return true;
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

template <size_t N>
int differing(pid_t pid, const NsFlag (&table)[N]) {
  int flags = 0;
  for (const auto& n : table)
    if (!same_ns(pid, n.name)) flags |= n.flag;
  return flags;
}

struct ExecChild {
  std::vector<int> cgroup_tasks;  // v1 "tasks" fds: we join those cgroups ourselves
  bool wait_placed = false;       // the parent moves us into the container's cgroup first
  const spec::Process* proc = nullptr;
  const seccomp::BpfProgram* filter = nullptr;
  int pidfd = -1;
  int ns_flags = 0;
  bool become_root = false;  // the container has its own user namespace: be its root first
  int preserve_fds = 0;
  const SyncSocket* sync = nullptr;
  int trampoline = -1;  // sealed exec trampoline memfd, or -1 (trampoline.hpp)
};

Result<void> exec_setup(const ExecChild& c) {
  BERTH_TRY(join_cgroups_by_tasks(c.cgroup_tasks));
  if (c.wait_placed) BERTH_TRY(c.sync->expect(SyncType::kCgroupPlaced));
  if (c.ns_flags != 0 && ::setns(c.pidfd, c.ns_flags) != 0) return fail_errno("join the container's namespaces");
  // Root of the container's user namespace (if it has one) before applying
  // the process's own user; setns(CLONE_NEWNS) moved us to its root dir.
  if (c.become_root && (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0))
    return fail_errno("become root in the container's user namespace");
  const spec::Process& p = *c.proc;
  if (p.terminal) {
    auto pty = open_pty("/dev/ptmx", p.console_size);
    if (!pty) return fail(std::move(pty).error());
    BERTH_TRY(c.sync->send(SyncType::kConsole, pty->slave_path, 0, {pty->master.get()}));
    BERTH_TRY(make_controlling_terminal(pty->slave.get()));
  } else if (::setsid() < 0) {
    return fail_errno("setsid");
  }
  if (::chdir(p.cwd.c_str()) != 0) return fail_errno("chdir to cwd " + quote(p.cwd));
  if (p.exec_cpu_affinity) BERTH_TRY(apply_cpu_affinity(p.exec_cpu_affinity->initial, "initial"));
  BERTH_TRY(apply_scheduler(p.scheduler));
  BERTH_TRY(apply_io_priority(p.io_priority));
  BERTH_TRY(apply_rlimits(p.rlimits));
  BERTH_TRY(apply_apparmor(p.apparmor_profile));
  BERTH_TRY(apply_selinux_label(p.selinux_label));
  // The container's filter, at the same points as in the init (init.cpp).
  if (c.filter != nullptr && !p.no_new_privileges) BERTH_TRY(load_seccomp(*c.filter, *c.sync));
  BERTH_TRY(apply_bounding_set(p.capabilities));
  bool setgroups_allowed = true;
  if (auto sg = read_file("/proc/self/setgroups"); sg) setgroups_allowed = sg->rfind("allow", 0) == 0;
  BERTH_TRY(apply_user(p.user, setgroups_allowed));
  BERTH_TRY(apply_capabilities(p.capabilities));
  BERTH_TRY(apply_no_new_privs(p.no_new_privileges));
  // runc leaves the umask alone on exec unless the process sets one.
  if (p.user.umask) apply_umask(p.user.umask);
  if (c.filter != nullptr && p.no_new_privileges) BERTH_TRY(load_seccomp(*c.filter, *c.sync));
  return {};
}

[[noreturn]] void exec_child(const ExecChild& c) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Until execve this process is the berth binary inside the container's pid
  // namespace: non-dumpable, so no container process may open
  // /proc/<pid>/exe (CVE-2019-5736) or ptrace it.
  ::prctl(PR_SET_DUMPABLE, 0);
  auto fail_child = [&](const Error& e) {
    c.sync->send_error(e);
    ::_exit(1);
  };
  if (auto r = exec_setup(c); !r) fail_child(r.error());
  auto path = find_executable(c.proc->args.at(0), c.proc->env);
  if (!path) fail_child(path.error());
  if (auto r = close_fds_from(3 + c.preserve_fds); !r) fail_child(r.error());
  for (int fd = 3; fd < 3 + c.preserve_fds; ++fd) ::fcntl(fd, F_SETFD, 0);
  FinalExec final_exec(*path, c.proc->args, with_home(c.proc->env, c.proc->user.uid), c.trampoline);
  if (c.proc->exec_cpu_affinity && !c.proc->exec_cpu_affinity->final.empty())
    if (auto r = apply_cpu_affinity(c.proc->exec_cpu_affinity->final, "final"); !r) fail_child(r.error());
  // The process outlives `berth exec` (detached, or berth killed): only the
  // setup dies with it.
  ::prctl(PR_SET_PDEATHSIG, 0);
  if (auto r = c.sync->send(SyncType::kReady); !r) ::_exit(1);
  final_exec.exec();
}

// A berth that is not root (rootless) may not join the container's pid
// namespace: it belongs to the container's user namespace, where berth has
// no capability until it joins that too, and berth itself must not join it
// (container processes could then ptrace it).  A short-lived joiner does
// instead: it enters the user and pid (and time) namespaces, clones the
// process with CLONE_PARENT, so that it is berth's child like any other,
// reports its pid through `report` and exits.  Returns the joiner's exit:
// the pid was sent unless it failed, in which case its error is on the sync
// socket.
long clone_through_joiner(const clone_args& final_args, ExecChild child, int join_flags, int report) {
  clone_args ja{};
  ja.exit_signal = SIGCHLD;
  long joiner = ::syscall(SYS_clone3, &ja, sizeof ja);
  if (joiner != 0) return joiner;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::prctl(PR_SET_DUMPABLE, 0);
  if (::setns(child.pidfd, CLONE_NEWUSER | join_flags) != 0) {
    child.sync->send_error(Error::from_errno("join the container's user and pid namespaces"));
    ::_exit(1);
  }
  child.ns_flags &= ~CLONE_NEWUSER;  // joined: the process may not join it again
  clone_args fa = final_args;
  fa.flags |= CLONE_PARENT;
  fa.exit_signal = 0;  // clone3 requires it with CLONE_PARENT: the joiner's (SIGCHLD) applies
  long pid = ::syscall(SYS_clone3, &fa, sizeof fa);
  if (pid == 0) exec_child(child);
  if (pid < 0) {
    child.sync->send_error(Error::from_errno("clone3 exec process"));
    ::_exit(1);
  }
  pid_t p = static_cast<pid_t>(pid);
  ::_exit(::write(report, &p, sizeof p) == static_cast<ssize_t>(sizeof p) ? 0 : 1);
}

}  // namespace

Result<int> exec_process(Context& ctx, const ExecRequest& req) {
  auto dir = ContainerDir::open(ctx.global.root, req.id, LockMode::kShared);
  if (!dir) return fail(std::move(dir).error());
  auto st = dir->read_state();
  if (!st) return fail(std::move(st).error());
  Status status = container_status(*dir, *st);
  if (status == Status::kPaused && !req.ignore_paused)
    return fail("container " + quote(req.id) + " is paused; use --ignore-paused or resume it");
  if (status != Status::kRunning && status != Status::kCreated && status != Status::kPaused)
    return fail("container " + quote(req.id) + " is " + std::string(status_name(status)) + ", not running");
  // Without --console-socket a foreground exec relays the pty itself.
  if (req.process.terminal && req.console_socket.empty() && req.detach)
    return fail("a detached process with a terminal needs --console-socket");
  auto cfg = stored_config(*dir);
  if (!cfg) return fail(std::move(cfg).error());
  if (binary_exposed(*cfg, &req.process)) BERTH_TRY(reexec_from_read_only_binary());
  UniqueFd pidfd = open_init_pidfd(*st);
  if (!pidfd) return fail("container " + quote(req.id) + " is not running");

  int parent_ns = differing(st->pid, kParentNs);
  int child_ns = differing(st->pid, kChildNs);
  const bool via_joiner = parent_ns != 0 && (child_ns & CLONE_NEWUSER) != 0 && ::geteuid() != 0;
  if (parent_ns != 0 && !via_joiner && ::setns(pidfd.get(), parent_ns) != 0)
    return fail_errno("join the container's pid namespace");
  auto pair = SyncSocket::make_pair();
  if (!pair) return fail(std::move(pair).error());
  // The container's seccomp profile applies to every process in it.
  auto compiled = compile_seccomp(ctx, *cfg, dir->path() + "/config.json");
  if (!compiled) return fail(std::move(compiled).error());
  std::optional<seccomp::BpfProgram> filter = std::move(*compiled);
  dir->unlock();  // exec may run for long: never hold the container's lock meanwhile
  // The process joins the container's cgroup before it runs anything: born
  // there with CLONE_INTO_CGROUP (cgroup2), joining v1 hierarchies itself
  // (cgroups::Placement), or moved by us as a last resort.
  auto cg = container_cgroup(*st);
  if (!req.sub_cgroups.empty() && !cg) return fail("--cgroup: the container has no cgroup");
  cgroups::Placement placement;
  if (cg) {
    auto p = cg->open_placement(req.sub_cgroups);
    if (!p) return fail(std::move(p).error());
    placement = std::move(*p);
  }
  const bool parent_places = placement.parent_places;
  auto trampoline = open_exec_trampoline(req.process, 3 + req.preserve_fds);
  if (!trampoline) return fail(std::move(trampoline).error());
  ExecChild child;
  child.wait_placed = parent_places;
  child.proc = &req.process;
  child.filter = filter ? &*filter : nullptr;
  child.pidfd = pidfd.get();
  child.ns_flags = child_ns;
  child.become_root = (child_ns & CLONE_NEWUSER) != 0;
  child.preserve_fds = req.preserve_fds;
  child.sync = &pair->second;
  child.trampoline = trampoline->get();
  for (const auto& fd : placement.join_files) child.cgroup_tasks.push_back(fd.get());

  BERTH_TRY(assert_single_threaded());
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &old);
  clone_args ca{};
  ca.exit_signal = SIGCHLD;
  if (placement.v2_dir) {
    ca.flags |= CLONE_INTO_CGROUP;
    ca.cgroup = static_cast<uint64_t>(placement.v2_dir.get());
  }
  long pid;
  int clone_errno = 0;
  if (via_joiner) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
      ::sigprocmask(SIG_SETMASK, &old, nullptr);
      return fail_errno("pipe");
    }
    UniqueFd rd(report[0]), wr(report[1]);
    long joiner = clone_through_joiner(ca, child, parent_ns, wr.get());
    clone_errno = errno;
    wr.reset();
    pair->second.close();
    if (joiner < 0) {
      ::sigprocmask(SIG_SETMASK, &old, nullptr);
      return fail_errno("clone3 exec process", clone_errno);
    }
    ::waitpid(static_cast<pid_t>(joiner), nullptr, 0);
    pid_t p = -1;
    if (::read(rd.get(), &p, sizeof p) != static_cast<ssize_t>(sizeof p)) {
      ::sigprocmask(SIG_SETMASK, &old, nullptr);
      auto r = pair->first.expect(SyncType::kReady);  // the joiner's error, or EOF
      return fail(r ? Error("exec: the namespace joiner failed") : std::move(r).error());
    }
    pid = p;
  } else {
    pid = ::syscall(SYS_clone3, &ca, sizeof ca);
    if (pid == 0) exec_child(child);
    clone_errno = errno;
    pair->second.close();
  }
  if (pid < 0) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return fail_errno("clone3 exec process", clone_errno);
  }
  auto reap = [&] {
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
  };
  if (child.wait_placed) {
    auto placed = cg->add_process(static_cast<pid_t>(pid), req.sub_cgroups);
    if (placed) placed = pair->first.send(SyncType::kCgroupPlaced);
    if (!placed) {
      reap();
      return fail(std::move(placed).error().context("join the container's cgroup"));
    }
  }
  UniqueFd master;
  if (req.process.terminal) {
    auto console = pair->first.expect(SyncType::kConsole);
    if (!console || console->fds.empty()) {
      reap();
      return fail(console ? Error("sync: console frame without a pty") : std::move(console).error());
    }
    if (req.console_socket.empty()) {
      master = std::move(console->fds[0]);
    } else if (auto s = send_fd(req.console_socket, console->fds[0].get(), console->payload); !s) {
      reap();
      return fail(std::move(s).error());
    }
  }
  if (filter && filter->needs_listener) {
    auto fd = pair->first.expect(SyncType::kSeccompListener);
    Result<void> sent = berth::fail("sync: seccomp frame without an fd");
    if (!fd) {
      sent = berth::fail(std::move(fd).error());
    } else if (!fd->fds.empty()) {
      std::string state = hook_state_json(*st, Status::kRunning);
      sent = send_fd(cfg->linux->seccomp->listener_path, fd->fds[0].get(),
                     container_process_state(*cfg, static_cast<pid_t>(pid), state));
    }
    if (!sent) {
      reap();
      return fail(std::move(sent).error().context("seccomp listener"));
    }
  }
  if (auto r = pair->first.expect(SyncType::kReady); !r) {
    reap();
    return fail(std::move(r).error());
  }
  if (!req.pid_file.empty()) {
    if (auto w = write_file_atomic(req.pid_file, std::to_string(pid)); !w) {
      reap();
      return fail(std::move(w).error().context("pid file"));
    }
  }
  if (!req.pidfd_socket.empty()) {
    UniqueFd child_fd(static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0)));
    auto s = child_fd ? send_fd(req.pidfd_socket, child_fd.get(), "pidfd")
                      : Result<void>(fail_errno("pidfd_open " + std::to_string(pid)));
    if (!s) {
      reap();
      return fail(std::move(s).error().context("--pidfd-socket"));
    }
  }
  if (req.detach) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return 0;
  }
  int rc = master ? relay_and_wait(static_cast<pid_t>(pid), master.get(), all)
                  : wait_forwarding(static_cast<pid_t>(pid), all);
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  return rc;
}

}  // namespace berth::runtime
