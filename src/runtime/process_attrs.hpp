// Process attributes of config.md "process", applied by the container init
// (and by exec) in this order, each step's place explained in init.cpp:
//
//   apply_oom_score_adj   before dropping privileges (lowering needs CAP_SYS_RESOURCE)
//   apply_rlimits         before the uid change (raising needs CAP_SYS_RESOURCE)
//   apply_bounding_set    before the uid change (PR_CAPBSET_DROP needs CAP_SETPCAP)
//   apply_user            setgroups, setresgid, setresuid with PR_SET_KEEPCAPS
//   apply_capabilities    effective, permitted, inheritable, then ambient
//   apply_umask
//   apply_no_new_privs
//   find_executable       after pivot_root: PATH lookup inside the container
//
// Every function returns an Error naming what it tried:
//   setrlimit RLIMIT_NOFILE (soft 1024, hard 512): invalid argument
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/process.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::runtime {

Result<void> apply_oom_score_adj(std::optional<int32_t> adj);
Result<void> apply_rlimits(const std::vector<spec::Rlimit>& rlimits);
// Drops every capability not in caps.bounding from the bounding set.  No-op
// when the config has no capabilities object (the process keeps what it has).
Result<void> apply_bounding_set(const std::optional<spec::Capabilities>& caps);
// `setgroups_allowed`: false in a user namespace whose setgroups is "deny".
Result<void> apply_user(const spec::User& user, bool setgroups_allowed);
Result<void> apply_capabilities(const std::optional<spec::Capabilities>& caps);
void apply_umask(std::optional<uint32_t> umask);
Result<void> apply_no_new_privs(bool nnp);

// Resolves args[0] like execvp would, against PATH from `env` (or the
// default PATH), and checks it is an executable regular file.  Errors match
// runc's so callers (Podman) can map them to 127/126:
//   exec "nope": executable file not found in $PATH
//   exec "/nope": no such file or directory
//   exec "/etc": permission denied
Result<std::string> find_executable(const std::string& arg0, const std::vector<std::string>& env);

// runc's HOME: a process whose env has no HOME gets its uid's home directory
// from the container's /etc/passwd, or "/" when there is none (ctr runs
// images whose config sets no HOME; their programs expect one).  Reads
// /etc/passwd of the current root: call it after pivot_root / setns.
std::vector<std::string> with_home(std::vector<std::string> env, uint32_t uid);
// The home directory of `uid` in the text of an /etc/passwd, "" if none.
std::string passwd_home(std::string_view passwd, uint32_t uid);

// AppArmor / SELinux: applied when the LSM is enabled; a clear error when
// the config asks for one that is absent.
Result<void> apply_apparmor(const std::string& profile);
Result<void> apply_selinux_label(const std::string& label);

// Closes every fd >= first (close_range, CLOEXEC flavour so the fds used
// until execve keep working).
Result<void> close_fds_from(int first);

}  // namespace berth::runtime
