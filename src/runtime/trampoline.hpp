// The last step of every container process berth starts: execve of the
// user's program, through the exec trampoline (trampoline/trampoline.c) so
// that /proc/self/exe never names the host's berth binary while the kernel
// resolves the program and its interpreters (CVE-2019-5736).
//
//   parent, before clone   open_exec_trampoline(): a sealed memfd copy
//   child, after setup     FinalExec built (all allocation done), then
//   child, last            FinalExec::exec(): execveat(trampoline) -> it
//                          execs the program; direct execve only when the
//                          trampoline cannot run (a seccomp profile that
//                          denies execveat, a noexec memfd policy)
#pragma once

#include <string>
#include <vector>

#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"
#include "spec/config.hpp"
#include "spec/process.hpp"

namespace berth::runtime {

// A close-on-exec memfd holding the trampoline, sealed against writes,
// resizing and further seals (and mode changes where the kernel has
// F_SEAL_EXEC, Linux 6.3).  One per container process: it disappears when
// the process execs its program.  The fd is at least min_fd, so that it
// can never land among the fds a container process inherits (3 ..
// 3+preserve_fds-1, some of which the caller may have left closed).
//
// No fd (a direct exec) for a process with an AppArmor profile or SELinux
// label: those apply at the next execve, which would be the trampoline's,
// not the program's; such processes are the LSM's to confine, as runc's
// trampoline (runc-dmz) left them under SELinux.
Result<UniqueFd> open_exec_trampoline(const spec::Process& p, int min_fd);

// Before the trampoline, berth's children are the host binary inside the
// container's pid namespace, non-dumpable: /proc/<pid>/exe opens only for a
// container process with CAP_SYS_PTRACE over the host's user namespace,
// i.e. in a container without a user namespace whose bounding set keeps
// CAP_SYS_PTRACE (a "privileged" one).  Whether that is so for a container
// (process: the container's, and for exec the exec'd process too).
bool binary_exposed(const spec::Config& cfg, const spec::Process* exec_process);

// For such containers berth re-executes itself, before any side effect,
// from a read-only bind mount of its own binary that is attached nowhere
// (open_tree + mount_setattr, Linux 5.12): a process that holds
// /proc/<pid>/exe then holds a file it cannot open for writing (EROFS).
// Returns without doing anything when berth already runs from a read-only
// mount (after the re-exec, or installed on one); otherwise returns only on
// failure.
Result<void> reexec_from_read_only_binary();

class FinalExec {
 public:
  // trampoline: the fd from open_exec_trampoline(), or -1 for a direct exec.
  FinalExec(std::string path, std::vector<std::string> args, std::vector<std::string> env, int trampoline);
  FinalExec(const FinalExec&) = delete;
  FinalExec& operator=(const FinalExec&) = delete;

  // Unblocks signals and execs, allocating nothing (the caller may hold no
  // more than the stack it has: after the exec fifo, in a seccomp filter).  Only
  // returns by _exit: 127 when the program is missing, 126 otherwise, after
  // one line on the process's stderr (nobody reads the sync socket now).
  [[noreturn]] void exec();

 private:
  std::string path_;
  std::vector<std::string> args_, env_;
  std::vector<char*> argv_;  // [path, args..., nullptr]: argv_.data() + 1 is the program's argv
  std::vector<char*> envp_;
  std::string failure_;  // "berth: exec \"<path>\": " preformatted
  int trampoline_;
};

}  // namespace berth::runtime
