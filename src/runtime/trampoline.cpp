#include "src/runtime/trampoline.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "src/runtime/base/fileio.hpp"

namespace berth::runtime {

extern const unsigned char kExecTrampoline[];
extern const std::size_t kExecTrampoline_size;

namespace {

// Linux 6.3 (memfd_noexec): MFD_EXEC asks for an executable memfd even
// where vm.memfd_noexec makes them non-executable by default; F_SEAL_EXEC
// forbids chmod of the exec bits.  Older kernels reject both with EINVAL.
constexpr unsigned kMfdExec = 0x0010U;
constexpr int kSealExec = 0x0020;

}  // namespace

Result<UniqueFd> open_exec_trampoline(const spec::Process& p, int min_fd) {
  if (!p.apparmor_profile.empty() || !p.selinux_label.empty()) return UniqueFd();
  UniqueFd fd(::memfd_create("berth-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdExec));
  if (!fd && errno == EINVAL) fd.reset(::memfd_create("berth-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return fail_errno("create the exec trampoline memfd");
  std::string_view blob(reinterpret_cast<const char*>(kExecTrampoline), kExecTrampoline_size);
  BERTH_TRY(write_all(fd.get(), blob, "the exec trampoline memfd"));
  int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (::fcntl(fd.get(), F_ADD_SEALS, seals | kSealExec) != 0 &&
      (errno != EINVAL || ::fcntl(fd.get(), F_ADD_SEALS, seals) != 0))
    return fail_errno("seal the exec trampoline memfd");
  if (fd.get() < min_fd) {
    UniqueFd high(::fcntl(fd.get(), F_DUPFD_CLOEXEC, min_fd));
    if (!high) return fail_errno("move the exec trampoline memfd above fd " + std::to_string(min_fd));
    return high;
  }
  return fd;
}

namespace {

bool keeps_sys_ptrace(const spec::Process& p) {
  constexpr int kCapSysPtrace = 19;
  if (!p.capabilities || !p.capabilities->bounding) return false;
  const auto& b = *p.capabilities->bounding;
  return std::find(b.begin(), b.end(), kCapSysPtrace) != b.end();
}

}  // namespace

bool binary_exposed(const spec::Config& cfg, const spec::Process* exec_process) {
  if (cfg.linux)
    for (const auto& n : cfg.linux->namespaces)
      if (n.type == spec::NamespaceType::kUser) return false;  // host capabilities do not reach us
  return (cfg.process && keeps_sys_ptrace(*cfg.process)) ||
         (exec_process != nullptr && keeps_sys_ptrace(*exec_process));
}

Result<void> reexec_from_read_only_binary() {
  struct statvfs sv {};
  if (::statvfs("/proc/self/exe", &sv) != 0) return fail_errno("statvfs \"/proc/self/exe\"");
  if ((sv.f_flag & ST_RDONLY) != 0) return {};
  // A private clone of the mount holding just the binary, never attached to
  // any tree: it goes away with the last process that runs from it.
  UniqueFd tree(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (!tree) return fail_errno("clone a mount of berth's own binary");
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    return fail_errno("make the mount of berth's own binary read-only");
  auto cmdline = read_file("/proc/self/cmdline");
  if (!cmdline) return fail(std::move(cmdline).error());
  std::vector<char*> argv;
  for (size_t i = 0; i < cmdline->size(); i += std::strlen(cmdline->data() + i) + 1) argv.push_back(cmdline->data() + i);
  argv.push_back(nullptr);
  ::syscall(SYS_execveat, tree.get(), "", argv.data(), environ, AT_EMPTY_PATH);
  return fail_errno("re-execute berth from a read-only mount of itself");
}

FinalExec::FinalExec(std::string path, std::vector<std::string> args, std::vector<std::string> env,
                     int trampoline)
    : path_(std::move(path)), args_(std::move(args)), env_(std::move(env)), trampoline_(trampoline) {
  argv_.reserve(args_.size() + 2);
  argv_.push_back(path_.data());
  for (auto& a : args_) argv_.push_back(a.data());
  argv_.push_back(nullptr);
  envp_.reserve(env_.size() + 1);
  for (auto& e : env_) envp_.push_back(e.data());
  envp_.push_back(nullptr);
  failure_ = "berth: exec " + quote(path_) + ": ";
}

void FinalExec::exec() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (trampoline_ >= 0) {
    ::syscall(SYS_execveat, trampoline_, "", argv_.data(), envp_.data(), AT_EMPTY_PATH);
    // Still here: the trampoline could not run at all (the program's own
    // failures are reported by the trampoline, which never returns).  A
    // filter that denies execveat must not stop the container from
    // starting, so fall back to the direct exec.
  }
  ::execve(path_.c_str(), argv_.data() + 1, envp_.data());
  int err = errno;
  const char* why = std::strerror(err);
  (void)!::write(2, failure_.data(), failure_.size());
  (void)!::write(2, why, std::strlen(why));
  (void)!::write(2, "\n", 1);
  ::_exit(err == ENOENT ? 127 : 126);
}

}  // namespace berth::runtime
