// compile(): linux.seccomp -> classic BPF, with libseccomp, in the runtime
// (parent) process.  The container init only loads the result (load.hpp):
// libseccomp allocates and probes the kernel, which has no place between
// clone and execve, and a compile error is reported before any process or
// cgroup exists (crun src/libcrun/seccomp.c, nsjail sandbox.cc).
//
// Semantics follow runc (libcontainer/seccomp/seccomp_linux.go):
//  - the native architecture is always in the filter; listed ones are added;
//    a call from any other architecture gets libseccomp's bad-arch action
//    (SCMP_ACT_KILL_THREAD);
//  - an unknown syscall name is skipped with a warning, not an error: profiles
//    list syscalls newer than this libseccomp or the native architecture;
//  - a rule whose action (errno included) equals the default is skipped;
//  - when two conditions of one rule name the same argument index, each
//    condition becomes a rule of its own (OR); otherwise they are ANDed;
//  - ERRNO and TRACE return errnoRet, EPERM when it is absent;
//  - no_new_privs is left to process.noNewPrivileges (SCMP_FLTATR_CTL_NNP=0);
//  - under a default action that denies, a syscall numbered above every
//    syscall the profile names gets ENOSYS, not the default (enosys.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/seccomp.hpp"
#include "src/runtime/base/result.hpp"
#include "src/seccomp/program.hpp"

namespace berth::seccomp {

// Errors name the spec path: `linux.seccomp.syscalls[3].args[0]: ...`.
// Warnings (unknown syscall names, flags without effect) are appended to
// `warnings` as complete messages for the caller to log.
Result<BpfProgram> compile(const spec::Seccomp& s, std::vector<std::string>& warnings);

// compile() in two halves, so that a cache (cache.hpp) can skip the costly
// one.  prepare() is cheap and always runs: it checks the errno values and
// fills in everything of the program but the instructions (flags,
// needs_listener) and all the warnings.  assemble() runs libseccomp and
// returns the instructions, ENOSYS stub included; call it only for a profile
// prepare() accepted.
Result<BpfProgram> prepare(const spec::Seccomp& s, std::vector<std::string>& warnings);
Result<std::vector<sock_filter>> assemble(const spec::Seccomp& s);

// The 32-bit value a filter returns for `a`: SECCOMP_RET_* in the high bits,
// errnoRet (default EPERM) in SECCOMP_RET_DATA for ERRNO and TRACE.  Values
// over 0xffff are masked; compile() refuses them before that.
uint32_t action_value(spec::SeccompAction a, std::optional<uint32_t> errno_ret);

// libseccomp's token (SCMP_ARCH_*, an AUDIT_ARCH_* value) for `a`, or nullopt
// when this libseccomp does not know the architecture (2.5.4 lacks
// loongarch64, m68k and sh).
std::optional<uint32_t> libseccomp_arch(spec::SeccompArch a);

// SECCOMP_FILTER_FLAG_* bit for `f`.
uint32_t filter_flag_bit(spec::SeccompFlag f);

}  // namespace berth::seccomp
