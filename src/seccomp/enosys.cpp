#include "src/seccomp/enosys.hpp"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>

#include <algorithm>
#include <optional>

#include "src/seccomp/compile.hpp"

namespace berth::seccomp {

namespace {

using spec::SeccompAction;

// <asm/unistd.h> on x86; spelled out so that the stub builds the same on
// every host.
constexpr uint32_t kX32SyscallBit = 0x40000000;
constexpr uint32_t kRetEnosys = SCMP_ACT_ERRNO(ENOSYS);

// The largest syscall numbers the profile names, for the architectures that
// share one AUDIT_ARCH_* value.  Only x86_64 has two modes (`x32`).
struct ArchLimits {
  uint32_t audit = 0;
  std::optional<uint32_t> plain;
  std::optional<uint32_t> x32;
  bool s390 = false;
};

// The largest number `s` names for architecture `token`, if any.
std::optional<uint32_t> largest_named(const spec::Seccomp& s, uint32_t token) {
  std::optional<uint32_t> max;
  for (const auto& r : s.syscalls)
    for (const auto& name : r.names) {
      // Negative: unknown, or a pseudo-syscall (__PNR_*) this architecture
      // multiplexes or lacks.
      const int nr = seccomp_syscall_resolve_name_arch(token, name.c_str());
      if (nr < 0) continue;
      if (!max || static_cast<uint32_t>(nr) > *max) max = static_cast<uint32_t>(nr);
    }
  return max;
}

// The filter's architectures grouped by the value seccomp_data.arch holds,
// in filter order (native first).
std::vector<ArchLimits> limits_of(const spec::Seccomp& s, uint32_t native) {
  std::vector<uint32_t> tokens{native};
  for (auto a : s.architectures) {
    const auto t = libseccomp_arch(a);
    if (t && std::find(tokens.begin(), tokens.end(), *t) == tokens.end()) tokens.push_back(*t);
  }
  std::vector<ArchLimits> out;
  for (uint32_t t : tokens) {
    const auto max = largest_named(s, t);
    if (!max) continue;  // nothing named: the default action covers it all
    // SCMP_ARCH_X32 is libseccomp's own value; the kernel reports x32 calls
    // as AUDIT_ARCH_X86_64 with the x32 bit in the number.
    const uint32_t audit = t == SCMP_ARCH_X32 ? static_cast<uint32_t>(AUDIT_ARCH_X86_64) : t;
    auto it =
        std::find_if(out.begin(), out.end(), [&](const ArchLimits& l) { return l.audit == audit; });
    if (it == out.end()) it = out.insert(out.end(), ArchLimits{audit, {}, {}, false});
    (t == SCMP_ARCH_X32 ? it->x32 : it->plain) = max;
    it->s390 = t == SCMP_ARCH_S390 || t == SCMP_ARCH_S390X;
  }
  return out;
}

// One architecture's section: tests on the syscall number whose targets are
// the section's own ENOSYS return, its exit (a jump to the end of the stub)
// or an instruction of the section.  All jumps stay inside the section, so
// the 8-bit offsets of conditional jumps always suffice; only the exit jump
// (BPF_JA, 32-bit offset) crosses the rest of the stub.
class Section {
 public:
  static constexpr int kRet = -1;   // ret ERRNO(ENOSYS)
  static constexpr int kExit = -2;  // ja <end of stub>
  static constexpr int kNext = -3;  // the following instruction

  // if (A <op> k) goto on_true else goto on_false; targets are kRet, kExit,
  // kNext or the index of another test.
  void test(uint16_t op, uint32_t k, int on_true, int on_false) {
    tests_.push_back({op, k, on_true, on_false});
  }

  // The section's instructions; `exit_jumps` receives the index (in `out`)
  // of the exit jump for fixing up once the stub's length is known.
  void emit(std::vector<sock_filter>& out, std::vector<size_t>& exit_jumps) const {
    const int ret = static_cast<int>(tests_.size());
    out.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
    for (int i = 0; i < static_cast<int>(tests_.size()); ++i) {
      const Test& t = tests_[static_cast<size_t>(i)];
      auto offset = [&](int target) {
        const int to = target == kRet    ? ret
                       : target == kExit ? ret + 1
                       : target == kNext ? i + 1
                                         : target;
        return static_cast<uint8_t>(to - i - 1);
      };
      out.push_back(BPF_JUMP(BPF_JMP | t.op | BPF_K, t.k, offset(t.on_true), offset(t.on_false)));
    }
    out.push_back(BPF_STMT(BPF_RET | BPF_K, kRetEnosys));
    exit_jumps.push_back(out.size());
    out.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
  }

  // The index the next test() will have.
  int next_index() const { return static_cast<int>(tests_.size()); }

  // ld, the tests, ret, ja.
  size_t size() const { return tests_.size() + 3; }

 private:
  struct Test {
    uint16_t op;
    uint32_t k;
    int on_true;
    int on_false;
  };
  std::vector<Test> tests_;
};

Section section_for(const ArchLimits& l) {
  Section s;
  if (l.s390) s.test(BPF_JEQ, 0, Section::kRet, Section::kNext);
  if (l.plain && l.x32) {
    // x32 numbers carry the bit and skip to their own limit.
    s.test(BPF_JSET, kX32SyscallBit, s.next_index() + 2, Section::kNext);
    s.test(BPF_JGT, *l.plain, Section::kRet, Section::kExit);
    s.test(BPF_JGT, *l.x32, Section::kRet, Section::kExit);
  } else if (l.x32) {
    s.test(BPF_JSET, kX32SyscallBit, Section::kNext, Section::kExit);
    s.test(BPF_JGT, *l.x32, Section::kRet, Section::kExit);
  } else {
    // x86_64 without x32: an x32 call is libseccomp's to refuse.
    if (l.audit == AUDIT_ARCH_X86_64)
      s.test(BPF_JSET, kX32SyscallBit, Section::kExit, Section::kNext);
    s.test(BPF_JGT, *l.plain, Section::kRet, Section::kExit);
  }
  return s;
}

bool lets_calls_through(const spec::Seccomp& s) {
  switch (s.default_action) {
    case SeccompAction::kAllow:
    case SeccompAction::kLog:
    case SeccompAction::kTrace:
      return true;
    case SeccompAction::kErrno:
      // Already what the stub would return.
      return s.default_errno_ret.value_or(EPERM) == ENOSYS;
    default:
      return false;
  }
}

}  // namespace

std::vector<sock_filter> enosys_stub(const spec::Seccomp& s, uint32_t native) {
  std::vector<sock_filter> out;
  if (lets_calls_through(s)) return out;
  const std::vector<ArchLimits> limits = limits_of(s, native);
  if (limits.empty()) return out;
  // ld arch; then per architecture "if (arch != X) skip the section", so a
  // call from an architecture without a section falls off the stub's end
  // into libseccomp's program (which begins by loading what it needs).
  std::vector<size_t> exit_jumps;
  out.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  for (const auto& l : limits) {
    const Section sec = section_for(l);
    out.push_back(
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, l.audit, 0, static_cast<uint8_t>(sec.size())));
    sec.emit(out, exit_jumps);
  }
  for (size_t at : exit_jumps) out[at].k = static_cast<uint32_t>(out.size() - at - 1);
  return out;
}

}  // namespace berth::seccomp
