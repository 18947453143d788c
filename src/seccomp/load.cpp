#include "src/seccomp/load.hpp"

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace berth::seccomp {

namespace {

uint32_t bit(unsigned long flag) {
  return static_cast<uint32_t>(flag);
}

long sys_seccomp(unsigned op, uint32_t flags, const void* args) {
  return ::syscall(SYS_seccomp, op, flags, args);
}

// The first bit of `flags` the kernel does not accept on its own, or 0.
uint32_t first_unsupported(uint32_t flags) {
  for (uint32_t b = 1; b != 0; b <<= 1) {
    if ((flags & b) == 0) continue;
    // WAIT_KILLABLE_RECV is EINVAL without NEW_LISTENER even where it exists.
    uint32_t probe = b;
    if (b == bit(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
      probe |= bit(SECCOMP_FILTER_FLAG_NEW_LISTENER);
    if (!kernel_accepts_flags(probe)) return b;
  }
  return 0;
}

Unexpected load_error(uint32_t flags, int err) {
  if (err == EINVAL) {
    if (const uint32_t missing = first_unsupported(flags); missing != 0) {
      const FlagInfo info = flag_info(missing);
      const std::string name =
          info.name.empty() ? "bit " + std::to_string(missing) : std::string(info.name);
      std::string msg = "load seccomp filter: flag " + quote(name) + " not supported by the kernel";
      if (!info.since.empty()) msg += " (needs Linux " + std::string(info.since) + ")";
      return fail(std::move(msg), err);
    }
  }
  if (err == EACCES)
    return fail_errno("load seccomp filter (needs no_new_privs or CAP_SYS_ADMIN)", err);
  return fail_errno("load seccomp filter", err);
}

}  // namespace

FlagInfo flag_info(uint32_t b) {
  if (b == bit(SECCOMP_FILTER_FLAG_TSYNC)) return {"SECCOMP_FILTER_FLAG_TSYNC", "3.17"};
  if (b == bit(SECCOMP_FILTER_FLAG_LOG)) return {"SECCOMP_FILTER_FLAG_LOG", "4.14"};
  if (b == bit(SECCOMP_FILTER_FLAG_SPEC_ALLOW)) return {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "4.17"};
  // Asked for by SCMP_ACT_NOTIFY rules.
  if (b == bit(SECCOMP_FILTER_FLAG_NEW_LISTENER))
    return {"SECCOMP_FILTER_FLAG_NEW_LISTENER (for SCMP_ACT_NOTIFY)", "5.0"};
  // Added by compile() when TSYNC meets a listener.
  if (b == bit(SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
    return {"SECCOMP_FILTER_FLAG_TSYNC_ESRCH (for TSYNC with SCMP_ACT_NOTIFY)", "5.7"};
  if (b == bit(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
    return {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "5.19"};
  return {};
}

bool kernel_accepts_flags(uint32_t bits) {
  return sys_seccomp(SECCOMP_SET_MODE_FILTER, bits, nullptr) < 0 && errno == EFAULT;
}

Result<UniqueFd> load(const BpfProgram& p) {
  // The kernel's own limits (EINVAL), checked here for a clearer message.
  if (p.insns.empty() || p.insns.size() > BPF_MAXINSNS)
    return fail("load seccomp filter: " + std::to_string(p.insns.size()) + " instructions (1-" +
                std::to_string(BPF_MAXINSNS) + " allowed)");
  // sock_fprog takes a non-const pointer; the kernel only copies from it.
  const sock_fprog prog{static_cast<unsigned short>(p.insns.size()),
                        const_cast<sock_filter*>(p.insns.data())};
  const uint32_t flags = p.flags | (p.needs_listener ? bit(SECCOMP_FILTER_FLAG_NEW_LISTENER) : 0);
  const long rc = sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) return load_error(flags, errno);
  // With NEW_LISTENER the syscall returns the listener fd, otherwise 0.
  if (p.needs_listener) return UniqueFd(static_cast<int>(rc));
  return UniqueFd();
}

}  // namespace berth::seccomp
