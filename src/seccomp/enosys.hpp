// The ENOSYS stub: classic BPF put in front of libseccomp's program so that a
// syscall newer than the profile fails with ENOSYS instead of the profile's
// default action (runc libcontainer/seccomp/patchbpf does the same).
//
// Why: a deny-by-default profile written before a syscall existed denies it
// with the default action, typically EPERM.  C libraries probe new syscalls
// and fall back to old ones only on ENOSYS ("the kernel lacks it"): glibc
// 2.34+ tries clone3 and falls back to clone, but an EPERM from a profile
// that predates clone3 makes pthread_create and fork fail.
//
// "Newer than the profile" means: a number greater than the largest syscall
// number the profile names for that architecture.  Every name of every rule
// counts, whatever its action (a rule that repeats the default still shows
// the author knew the syscall); names libseccomp cannot resolve for the
// architecture do not.  So:
//   - a syscall the profile names keeps its rule;
//   - an unnamed syscall at or below the largest named number keeps the
//     default action;
//   - an unnamed syscall above it gets ERRNO(ENOSYS).
// The stub is left out when the default action lets calls through (ALLOW,
// LOG, and TRACE: a tracer handles new syscalls itself) or already is
// ERRNO(ENOSYS).
//
// Architectures are those of the filter: the native one and the listed ones
// (runc only looks at the listed ones).  x86_64 and x32 share
// AUDIT_ARCH_X86_64 and differ by __X32_SYSCALL_BIT in the number: each has
// its own maximum, and a call of the mode the filter does not hold goes on to
// libseccomp's program (which kills it as a bad architecture).  On s390 and
// s390x, syscall 0 (setup) is what the kernel leaves in place of a number it
// does not know, so it also gets ENOSYS.  A call from an architecture outside
// the filter goes straight to libseccomp's program.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

#include "spec/seccomp.hpp"

namespace berth::seccomp {

// The stub for `s` (empty when it does not apply), to be placed directly
// before the libseccomp program: every path through it either returns
// ERRNO(ENOSYS) or ends at the first instruction after it.  `native` is the
// SCMP_ARCH_* token of the host (seccomp_arch_native()).
std::vector<sock_filter> enosys_stub(const spec::Seccomp& s, uint32_t native);

}  // namespace berth::seccomp
