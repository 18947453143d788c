// start, state, kill, delete: runtime.md "Operations".
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/cgroups/manager.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/container.hpp"
#include "src/runtime/hooks.hpp"
#include "src/runtime/notify.hpp"

namespace berth::runtime {

namespace {

Error in_state(const std::string& id, Status s, std::string_view need) {
  return Error("container " + quote(id) + " is " + std::string(status_name(s)) + ", not " + std::string(need));
}

// The pid namespace inode of a process, 0 if unknown.
ino_t pid_ns_of(pid_t pid) {
  struct stat st {};
  std::string p = "/proc/" + std::to_string(pid) + "/ns/pid";
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Every process in the init's pid namespace (when it has its own), found
// through /proc.  Used by kill --all and delete --force until the cgroup
// manager provides the authoritative list.
std::vector<pid_t> container_processes(const ContainerState& s) {
  std::vector<pid_t> out{s.pid};
  // Read the namespace between two start-time checks: if the pid had been
  // reused meanwhile, the inode would be another container's namespace.
  if (process_start_time(s.pid) != s.pid_start_time) return out;
  ino_t ns = pid_ns_of(s.pid);
  if (process_start_time(s.pid) != s.pid_start_time) return out;
  if (ns == 0 || ns == pid_ns_of(::getpid())) return out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long p = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || p <= 0 || p == s.pid) continue;
    if (pid_ns_of(static_cast<pid_t>(p)) == ns) out.push_back(static_cast<pid_t>(p));
  }
  ::closedir(d);
  return out;
}

Result<void> signal_init(const ContainerState& s, int sig) {
  UniqueFd fd = open_init_pidfd(s);
  if (!fd) return fail("container " + quote(s.id) + " is not running");
  if (::syscall(SYS_pidfd_send_signal, fd.get(), sig, nullptr, 0) != 0)
    return fail_errno("send signal " + std::to_string(sig) + " to container " + quote(s.id));
  return {};
}

// Waits up to `ms` for the init to exit (the pidfd turns readable).
bool wait_exit(const ContainerState& s, int ms) {
  UniqueFd fd = open_init_pidfd(s);
  if (!fd) return true;
  pollfd p{fd.get(), POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

Result<void> kill_all(const ContainerState& s, int sig) {
  // The cgroup knows every process, including ones outside the init's pid
  // namespace view; cgroup.kill (5.14) cannot even race with forks.
  if (auto cg = container_cgroup(s)) return cg->kill_all(sig);
  for (pid_t p : container_processes(s)) {
    if (p == s.pid) {
      BERTH_TRY(signal_init(s, sig));
    } else {
      ::kill(p, sig);  // may have exited meanwhile
    }
  }
  return {};
}

}  // namespace

std::unique_ptr<cgroups::Manager> container_cgroup(const ContainerState& s) {
  if (s.cgroup.empty()) return nullptr;
  auto m = cgroups::open_manager(s.cgroup);
  return m ? std::move(*m) : nullptr;
}

Status container_status(const ContainerDir& dir, const ContainerState& s) {
  auto cg = container_cgroup(s);
  bool frozen = false;
  if (cg) {
    auto f = cg->frozen();
    frozen = f && *f;
  }
  return dir.status(s, frozen);
}

Result<spec::Config> stored_config(const ContainerDir& dir) {
  auto text = dir.read_config();
  if (!text) return fail(std::move(text).error());
  return spec::parse_config(*text, dir.path() + "/config.json");
}

UniqueFd open_init_pidfd(const ContainerState& s) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, s.pid, 0)));
  if (fd && process_start_time(s.pid) != s.pid_start_time) fd.reset();
  return fd;
}

Result<int> parse_signal(std::string_view s) {
  if (s.empty()) return fail("empty signal");
  if (s.find_first_not_of("0123456789") == std::string_view::npos) {
    int n = std::atoi(std::string(s).c_str());
    if (n > 0 && n < NSIG) return n;
    return fail("invalid signal " + quote(s));
  }
  std::string name(s);
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  for (int i = 1; i < NSIG; ++i) {
    const char* abbrev = ::sigabbrev_np(i);
    if (abbrev != nullptr && name == abbrev) return i;
  }
  for (auto [base, sign, prefix] : {std::tuple{SIGRTMIN, 1, "RTMIN+"}, std::tuple{SIGRTMAX, -1, "RTMAX-"}}) {
    if (name.rfind(prefix, 0) == 0) {
      int k = std::atoi(name.c_str() + 6);
      int sig = base + sign * k;
      if (sig >= SIGRTMIN && sig <= SIGRTMAX) return sig;
    }
  }
  if (name == "RTMIN") return SIGRTMIN;
  if (name == "RTMAX") return SIGRTMAX;
  return fail("invalid signal " + quote(s));
}

Result<void> start_container(Context& ctx, ContainerDir& dir) {
  auto st = dir.read_state();
  if (!st) return fail(std::move(st).error());
  Status status = container_status(dir, *st);
  if (status != Status::kCreated) return fail(in_state(dir.id(), status, "created"));
  // The init holds the fifo open for reading: opening it for writing does
  // not block, and fails with ENXIO if the init is gone.
  UniqueFd fifo(::openat(dir.fd(), kExecFifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fifo) {
    if (errno == ENXIO) return fail("container " + quote(dir.id()) + " is not running");
    return fail_errno("open exec fifo of " + quote(dir.id()));
  }
  UniqueFd pidfd = open_init_pidfd(*st);
  // The notify socket must exist before the program can send READY=1.
  std::string notify_host = host_notify_socket();
  UniqueFd notify;
  if (!notify_host.empty()) {
    auto n = bind_notify(dir);
    if (!n) return fail(std::move(n).error());
    notify = std::move(*n);
  }
  if (::write(fifo.get(), "0", 1) != 1) return fail_errno("start " + quote(dir.id()));
  ::unlinkat(dir.fd(), kExecFifo, 0);
  // runtime.md: poststart runs after the user program was executed.  The
  // init's fifo fd is close-on-exec: once it execs, the fifo has no reader
  // left and poll reports POLLERR on our write end.  (If it dies first, a
  // startContainer hook failed: the init reported that on its stderr, and
  // the container is stopped; a fast program that already exited looks the
  // same, so this is not an error of start.)
  pollfd fds[2] = {{fifo.get(), 0, 0}, {pidfd.get(), POLLIN, 0}};
  while (::poll(fds, pidfd ? 2 : 1, -1) < 0 && errno == EINTR) {
  }
  fifo.reset();
  auto cfg = stored_config(dir);
  if (!cfg) return fail(std::move(cfg).error());
  if (cfg->hooks && !cfg->hooks->poststart.empty()) {
    // runtime.md: a failing poststart hook is logged; the container runs on.
    if (auto r = run_hooks(cfg->hooks->poststart, "poststart", hook_state_json(*st, Status::kRunning)); !r)
      ctx.log.warn(r.error().message());
  }
  if (notify) BERTH_TRY(forward_ready(notify.get(), notify_host, st->pid, pidfd.get()));
  return {};
}

Result<std::string> container_state_json(Context& ctx, const std::string& id) {
  auto dir = ContainerDir::open(ctx.global.root, id, LockMode::kShared);
  if (!dir) return fail(std::move(dir).error());
  auto st = dir->read_state();
  if (!st) {
    // A create in progress (it holds the lock, so this is one that died).
    ContainerState c;
    c.id = id;
    return oci_state_json(c, Status::kCreating);
  }
  return oci_state_json(*st, container_status(*dir, *st));
}

Result<void> kill_container(Context& ctx, const std::string& id, int sig, bool all) {
  auto dir = ContainerDir::open(ctx.global.root, id);
  if (!dir) return fail(std::move(dir).error());
  auto st = dir->read_state();
  if (!st) return fail(std::move(st).error());
  Status status = container_status(*dir, *st);
  if (status == Status::kStopped || status == Status::kCreating)
    return fail("container " + quote(id) + " is not running");
  if (all) return kill_all(*st, sig);
  BERTH_TRY(signal_init(*st, sig));
  // The v1 freezer holds a paused container's tasks, SIGKILL pending, until
  // they thaw (the v2 freezer lets a fatal signal through): thaw after
  // SIGKILL, as runc does.  `podman kill` of a paused container otherwise
  // waits for an exit that never comes.  (kill --all: kill_all thaws.)
  if (status == Status::kPaused && sig == SIGKILL) {
    if (auto cg = container_cgroup(*st)) BERTH_TRY_CTX(cg->set_frozen(false), "thaw after SIGKILL");
  }
  return {};
}

Result<void> destroy_container(Context& ctx, ContainerDir& dir) {
  auto cfg = stored_config(dir);
  auto st = dir.read_state();
  // runtime.md "delete": the resources of create go first (processes left
  // in the cgroup, the cgroup, the state), then the poststop hooks run.
  if (auto cg = st ? container_cgroup(*st) : nullptr) {
    (void)cg->kill_all(SIGKILL);
    BERTH_TRY_CTX(cg->destroy(), "remove cgroup");
  }
  BERTH_TRY(dir.remove());
  if (cfg && st && cfg->hooks && !cfg->hooks->poststop.empty()) {
    // Every poststop hook runs even if one fails; the failures are logged.
    if (auto r = run_hooks_all(cfg->hooks->poststop, "poststop", hook_state_json(*st, Status::kStopped)); !r)
      ctx.log.warn(r.error().message());
  }
  return {};
}

Result<void> delete_container(Context& ctx, const std::string& id, bool force) {
  auto dir = ContainerDir::open(ctx.global.root, id);
  if (!dir) {
    // containerd's shim deletes --force a container it already deleted.
    if (force && dir.error().what() == "container " + quote(id) + " does not exist") return {};
    return fail(std::move(dir).error());
  }
  auto st = dir->read_state();
  Status status = st ? container_status(*dir, *st) : Status::kCreating;
  if (status != Status::kStopped && status != Status::kCreating) {
    // runtime.md: deleting a container that is not stopped MUST fail and
    // leave it alone (runc and crun delete a created container anyway).
    if (!force)
      return fail("container " + quote(id) + " is " + std::string(status_name(status)) +
                  ": delete it with --force or stop it first");
    BERTH_TRY(kill_all(*st, SIGKILL));
    if (!wait_exit(*st, 10000)) return fail("container " + quote(id) + " did not exit after SIGKILL");
  }
  return destroy_container(ctx, *dir);
}

}  // namespace berth::runtime
