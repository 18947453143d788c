// BpfProgram: a compiled seccomp filter, the hand-off between compile() in the
// runtime (parent, libseccomp) and load() in the container init (child, raw
// seccomp(2)).  Plain data, so the child needs neither libseccomp nor any
// allocation to install it.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace berth::seccomp {

struct BpfProgram {
  // Classic BPF as the kernel takes it in struct sock_fprog (at most
  // BPF_MAXINSNS = 4096 instructions).
  std::vector<sock_filter> insns;
  // SECCOMP_FILTER_FLAG_* bits for seccomp(SECCOMP_SET_MODE_FILTER), from
  // linux.seccomp.flags.  NEW_LISTENER is not in here: load() adds it when
  // needs_listener is set.
  uint32_t flags = 0;
  // A rule uses SCMP_ACT_NOTIFY: load() asks the kernel for a listener fd
  // (SECCOMP_FILTER_FLAG_NEW_LISTENER, Linux 5.0) and returns it.
  bool needs_listener = false;
};

}  // namespace berth::seccomp
