// load(): install a compiled filter (compile.hpp) in the calling process with
// the raw seccomp(2) syscall.  Runs late in the container init: after
// capabilities and PR_SET_NO_NEW_PRIVS, so the filter does not see the
// runtime's own setup syscalls; the kernel demands no_new_privs or
// CAP_SYS_ADMIN in the caller's user namespace (EACCES otherwise).
//
// No libseccomp here and no allocation on the success path: the child calls
// it between clone and execve.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"
#include "src/seccomp/program.hpp"

namespace berth::seccomp {

// Installs `p` with its flags, plus SECCOMP_FILTER_FLAG_NEW_LISTENER when
// p.needs_listener.  Returns the notify listener (close-on-exec, as the
// kernel creates it) in that case, else an empty UniqueFd.  An EINVAL caused
// by a flag this kernel lacks names the flag and the Linux version it needs.
Result<UniqueFd> load(const BpfProgram& p);

// Whether the running kernel accepts these SECCOMP_FILTER_FLAG_* bits
// together.  Probed like runc and crun do: seccomp(SET_MODE_FILTER) with a
// NULL program fails with EFAULT once the flags have passed the kernel's
// checks and with EINVAL before; nothing is installed either way.
bool kernel_accepts_flags(uint32_t bits);

// Spec name and minimum Linux version of one SECCOMP_FILTER_FLAG_* bit, for
// messages: {"SECCOMP_FILTER_FLAG_LOG", "4.14"}.  Empty names for unknown bits.
struct FlagInfo {
  std::string_view name;
  std::string_view since;
};
FlagInfo flag_info(uint32_t bit);

}  // namespace berth::seccomp
