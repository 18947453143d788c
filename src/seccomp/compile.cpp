#include "src/seccomp/compile.hpp"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <span>

#include "src/runtime/base/unique_fd.hpp"
#include "src/seccomp/enosys.hpp"
#include "src/seccomp/support.hpp"

namespace berth::seccomp {

namespace {

using spec::SeccompAction;
using spec::SeccompArch;
using spec::SeccompFlag;
using spec::SeccompOp;

constexpr uint32_t kErrnoMax = SECCOMP_RET_DATA;
// runc switches libseccomp to its binary-tree layout above this many
// syscall names (runc's rules hold one name each): 2.5.x misbehaves with the
// tree and zero rules, and a linear list is the smaller program for short
// profiles.
constexpr size_t kBinaryTreeAbove = 32;

std::string indexed(const std::string& base, const char* member, size_t i) {
  return base + "." + member + "[" + std::to_string(i) + "]";
}

struct CtxRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxRelease>;

// errnoRet travels in the 16 SECCOMP_RET_DATA bits of the return value;
// validation refuses larger values, this keeps compile() safe on its own.
Result<uint32_t> checked_action(const std::string& errno_path, SeccompAction a,
                                std::optional<uint32_t> errno_ret) {
  if (errno_ret && *errno_ret > kErrnoMax)
    return fail(errno_path + ": " + std::to_string(*errno_ret) + " out of range (0-65535)");
  return action_value(a, errno_ret);
}

scmp_compare compare_of(SeccompOp o) {
  switch (o) {
    case SeccompOp::kNotEqual:
      return SCMP_CMP_NE;
    case SeccompOp::kLessThan:
      return SCMP_CMP_LT;
    case SeccompOp::kLessEqual:
      return SCMP_CMP_LE;
    case SeccompOp::kEqualTo:
      return SCMP_CMP_EQ;
    case SeccompOp::kGreaterEqual:
      return SCMP_CMP_GE;
    case SeccompOp::kGreaterThan:
      return SCMP_CMP_GT;
    case SeccompOp::kMaskedEqual:
      return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

// MASKED_EQ reads datum_a as the mask and datum_b as the expected value:
// (arg & value) == valueTwo, as runc passes (Value, ValueTwo).  The other
// operators ignore datum_b.
std::vector<scmp_arg_cmp> conditions_of(const std::vector<spec::SeccompArg>& args) {
  std::vector<scmp_arg_cmp> out;
  out.reserve(args.size());
  for (const auto& a : args) out.push_back({a.index, compare_of(a.op), a.value, a.value_two});
  return out;
}

// libseccomp ANDs the conditions of one rule, so two comparisons of the
// same argument would both have to hold.  Profiles that repeat an index mean
// "any of these" (older libseccomp-golang ORed them), so runc adds one rule
// per condition then; berth does too.
bool repeats_an_index(const std::vector<spec::SeccompArg>& args) {
  unsigned seen = 0;
  for (const auto& a : args) {
    const unsigned bit = 1u << a.index;
    if ((seen & bit) != 0) return true;
    seen |= bit;
  }
  return false;
}

// seccomp_rule_add, not _exact: libseccomp then rewrites a rule for each
// architecture in the filter (socketcall multiplexing on x86, names an
// architecture lacks are left out of its part), and the _exact variant
// refuses filters with more than one architecture.  runc (libseccomp-golang
// AddRuleConditional) makes the same choice.
Result<void> add_one(scmp_filter_ctx ctx, uint32_t action, int nr,
                     std::span<const scmp_arg_cmp> conds, const std::string& path,
                     const std::string& name, SeccompAction a) {
  const int rc =
      seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conds.size()), conds.data());
  if (rc < 0)
    return fail_errno(
        path + ": add rule " + quote(spec::seccomp_action_name(a)) + " for syscall " + quote(name),
        -rc);
  return {};
}

Result<void> add_rule(scmp_filter_ctx ctx, const spec::SeccompRule& r, size_t i,
                      uint32_t default_action) {
  const std::string path = "linux.seccomp.syscalls[" + std::to_string(i) + "]";
  auto action = checked_action(path + ".errnoRet", r.action, r.errno_ret);
  if (!action) return fail(std::move(action).error());
  // libseccomp refuses a rule that repeats the default action (EACCES); it
  // changes nothing, so runc skips it silently.
  if (*action == default_action) return {};

  const std::vector<scmp_arg_cmp> conds = conditions_of(r.args);
  const bool split = repeats_an_index(r.args);
  for (size_t j = 0; j < r.names.size(); ++j) {
    const std::string& name = r.names[j];
    // Resolved for the native architecture; libseccomp maps the number to
    // each other architecture of the filter.  Names it does not know at all
    // (newer than this libseccomp) are skipped like runc does; prepare()
    // warns about them.
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    if (!split) {
      BERTH_TRY(add_one(ctx, *action, nr, conds, indexed(path, "names", j), name, r.action));
      continue;
    }
    for (size_t k = 0; k < conds.size(); ++k)
      BERTH_TRY(add_one(ctx, *action, nr, std::span(&conds[k], 1), indexed(path, "args", k), name,
                        r.action));
  }
  return {};
}

// The unknown-name warnings add_rule's skips stand for, and its errnoRet
// checks, without libseccomp's rule machinery.
Result<void> check_rules(const spec::Seccomp& s, uint32_t default_action,
                         std::vector<std::string>& warnings) {
  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    const spec::SeccompRule& r = s.syscalls[i];
    const std::string path = "linux.seccomp.syscalls[" + std::to_string(i) + "]";
    auto action = checked_action(path + ".errnoRet", r.action, r.errno_ret);
    if (!action) return fail(std::move(action).error());
    if (*action == default_action) continue;
    for (size_t j = 0; j < r.names.size(); ++j)
      if (seccomp_syscall_resolve_name(r.names[j].c_str()) == __NR_SCMP_ERROR)
        warnings.push_back(indexed(path, "names", j) + ": unknown syscall " + quote(r.names[j]) +
                           " ignored");
  }
  return {};
}

Result<void> add_architectures(scmp_filter_ctx ctx, const spec::Seccomp& s) {
  for (size_t i = 0; i < s.architectures.size(); ++i) {
    const std::string path = indexed("linux.seccomp", "architectures", i);
    const std::string name(spec::seccomp_arch_name(s.architectures[i]));
    const auto token = libseccomp_arch(s.architectures[i]);
    if (!token)
      return fail(path + ": " + quote(name) + " not supported by libseccomp " + library_version());
    // A fresh filter already holds the native architecture (EEXIST), which
    // profiles list too.
    const int rc = seccomp_arch_add(ctx, *token);
    if (rc < 0 && rc != -EEXIST) return fail_errno(path + ": add architecture " + quote(name), -rc);
  }
  return {};
}

Result<void> set_attributes(scmp_filter_ctx ctx, const spec::Seccomp& s) {
  size_t names = 0;
  for (const auto& r : s.syscalls) names += r.names.size();
  // no_new_privs follows process.noNewPrivileges alone.  Only seccomp_load
  // reads this attribute and berth loads the exported program itself, but a
  // filter that says "no NNP" keeps libseccomp's view honest.
  if (const int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); rc < 0)
    return fail_errno("linux.seccomp: clear SCMP_FLTATR_CTL_NNP", -rc);
  // Shorter paths for long profiles; an older libseccomp without the
  // attribute just keeps the linear layout, as in runc.
  if (names > kBinaryTreeAbove) (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  return {};
}

// The kernel flags for the loader.  Flags are not part of the BPF program,
// so they bypass libseccomp's attributes (CTL_LOG, CTL_SSB).
uint32_t program_flags(const spec::Seccomp& s, bool listener, std::vector<std::string>& warnings) {
  uint32_t bits = 0;
  for (size_t i = 0; i < s.flags.size(); ++i) {
    // The kernel refuses WAIT_KILLABLE_RECV without NEW_LISTENER (EINVAL):
    // it changes how a notifying syscall waits, and there is none.
    if (s.flags[i] == SeccompFlag::kWaitKillableRecv && !listener) {
      warnings.push_back(indexed("linux.seccomp", "flags", i) +
                         ": SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no rule uses "
                         "SCMP_ACT_NOTIFY");
      continue;
    }
    bits |= filter_flag_bit(s.flags[i]);
  }
  // TSYNC together with NEW_LISTENER is EINVAL unless TSYNC_ESRCH (5.7) says
  // how a failed sync is reported.  berth's init is single-threaded, so the
  // sync never fails; libseccomp's API level 6 does the same pairing.
  if (listener && (bits & SECCOMP_FILTER_FLAG_TSYNC) != 0)
    bits |= static_cast<uint32_t>(SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
  return bits;
}

// libseccomp 2.5.4 has no seccomp_export_bpf_mem (2.6): export into a memfd
// and read it back.
Result<std::vector<sock_filter>> export_bpf(scmp_filter_ctx ctx) {
  UniqueFd fd(memfd_create("berth-seccomp-bpf", MFD_CLOEXEC));
  if (!fd) return fail_errno("memfd_create \"berth-seccomp-bpf\"");
  if (const int rc = seccomp_export_bpf(ctx, fd.get()); rc < 0)
    return fail_errno("export seccomp filter", -rc);
  struct stat st {};
  if (fstat(fd.get(), &st) < 0) return fail_errno("stat seccomp filter memfd");
  const auto size = static_cast<size_t>(st.st_size);
  if (size == 0 || size % sizeof(sock_filter) != 0)
    return fail("export seccomp filter: " + std::to_string(size) +
                " bytes is not a whole number of BPF instructions");
  std::vector<sock_filter> insns(size / sizeof(sock_filter));
  auto* bytes = reinterpret_cast<char*>(insns.data());
  for (size_t done = 0; done < size;) {
    const ssize_t n = pread(fd.get(), bytes + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read seccomp filter memfd");
    if (n == 0) return fail("read seccomp filter memfd: unexpected end of file");
    done += static_cast<size_t>(n);
  }
  return insns;
}

}  // namespace

uint32_t action_value(SeccompAction a, std::optional<uint32_t> errno_ret) {
  // runc: ERRNO and TRACE without errnoRet return EPERM.
  const uint32_t data = errno_ret.value_or(EPERM);
  switch (a) {
    case SeccompAction::kKill:
    case SeccompAction::kKillThread:
      return SCMP_ACT_KILL_THREAD;
    case SeccompAction::kKillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::kTrap:
      return SCMP_ACT_TRAP;
    case SeccompAction::kErrno:
      return SCMP_ACT_ERRNO(data);
    case SeccompAction::kTrace:
      return SCMP_ACT_TRACE(data);
    case SeccompAction::kAllow:
      return SCMP_ACT_ALLOW;
    case SeccompAction::kLog:
      return SCMP_ACT_LOG;
    case SeccompAction::kNotify:
      return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

std::optional<uint32_t> libseccomp_arch(SeccompArch a) {
  switch (a) {
    case SeccompArch::kX86:
      return SCMP_ARCH_X86;
    case SeccompArch::kX86_64:
      return SCMP_ARCH_X86_64;
    case SeccompArch::kX32:
      return SCMP_ARCH_X32;
    case SeccompArch::kArm:
      return SCMP_ARCH_ARM;
    case SeccompArch::kAarch64:
      return SCMP_ARCH_AARCH64;
    case SeccompArch::kMips:
      return SCMP_ARCH_MIPS;
    case SeccompArch::kMips64:
      return SCMP_ARCH_MIPS64;
    case SeccompArch::kMips64n32:
      return SCMP_ARCH_MIPS64N32;
    case SeccompArch::kMipsel:
      return SCMP_ARCH_MIPSEL;
    case SeccompArch::kMipsel64:
      return SCMP_ARCH_MIPSEL64;
    case SeccompArch::kMipsel64n32:
      return SCMP_ARCH_MIPSEL64N32;
    case SeccompArch::kPpc:
      return SCMP_ARCH_PPC;
    case SeccompArch::kPpc64:
      return SCMP_ARCH_PPC64;
    case SeccompArch::kPpc64le:
      return SCMP_ARCH_PPC64LE;
    case SeccompArch::kS390:
      return SCMP_ARCH_S390;
    case SeccompArch::kS390x:
      return SCMP_ARCH_S390X;
    case SeccompArch::kParisc:
      return SCMP_ARCH_PARISC;
    case SeccompArch::kParisc64:
      return SCMP_ARCH_PARISC64;
    case SeccompArch::kRiscv64:
      return SCMP_ARCH_RISCV64;
      // libseccomp 2.6 added these three.
#ifdef SCMP_ARCH_LOONGARCH64
    case SeccompArch::kLoongarch64:
      return SCMP_ARCH_LOONGARCH64;
#endif
#ifdef SCMP_ARCH_M68K
    case SeccompArch::kM68k:
      return SCMP_ARCH_M68K;
#endif
#ifdef SCMP_ARCH_SH
    case SeccompArch::kSh:
      return SCMP_ARCH_SH;
    case SeccompArch::kSheb:
      return SCMP_ARCH_SHEB;
#endif
    default:
      return std::nullopt;
  }
}

uint32_t filter_flag_bit(SeccompFlag f) {
  switch (f) {
    case SeccompFlag::kTsync:
      return static_cast<uint32_t>(SECCOMP_FILTER_FLAG_TSYNC);
    case SeccompFlag::kLog:
      return static_cast<uint32_t>(SECCOMP_FILTER_FLAG_LOG);
    case SeccompFlag::kSpecAllow:
      return static_cast<uint32_t>(SECCOMP_FILTER_FLAG_SPEC_ALLOW);
    case SeccompFlag::kWaitKillableRecv:
      return static_cast<uint32_t>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  }
  return 0;
}

Result<BpfProgram> prepare(const spec::Seccomp& s, std::vector<std::string>& warnings) {
  auto default_action =
      checked_action("linux.seccomp.defaultErrnoRet", s.default_action, s.default_errno_ret);
  if (!default_action) return fail(std::move(default_action).error());
  BERTH_TRY(check_rules(s, *default_action, warnings));
  BpfProgram p;
  // Like runc, the listener is asked for whenever a rule says NOTIFY, even
  // if its names were unknown: the agent at listenerPath expects an fd.
  for (const auto& r : s.syscalls)
    if (r.action == SeccompAction::kNotify) p.needs_listener = true;
  p.flags = program_flags(s, p.needs_listener, warnings);
  return p;
}

Result<std::vector<sock_filter>> assemble(const spec::Seccomp& s) {
  const uint32_t default_action = action_value(s.default_action, s.default_errno_ret);
  // seccomp_init probes the kernel for the action and returns NULL, without
  // errno, when it cannot be used.
  Ctx ctx(seccomp_init(default_action));
  if (!ctx)
    return fail("linux.seccomp.defaultAction: libseccomp refused " +
                quote(spec::seccomp_action_name(s.default_action)) +
                " (not supported by the kernel?)");
  BERTH_TRY(set_attributes(ctx.get(), s));
  BERTH_TRY(add_architectures(ctx.get(), s));
  for (size_t i = 0; i < s.syscalls.size(); ++i)
    BERTH_TRY(add_rule(ctx.get(), s.syscalls[i], i, default_action));
  auto filter = export_bpf(ctx.get());
  if (!filter) return fail(std::move(filter).error());
  // The stub runs first; its exits land on libseccomp's first instruction.
  std::vector<sock_filter> insns = enosys_stub(s, seccomp_arch_native());
  insns.insert(insns.end(), filter->begin(), filter->end());
  if (insns.size() > BPF_MAXINSNS)
    return fail("linux.seccomp: the filter has " + std::to_string(insns.size()) +
                " instructions, more than the kernel's limit of " + std::to_string(BPF_MAXINSNS));
  return insns;
}

Result<BpfProgram> compile(const spec::Seccomp& s, std::vector<std::string>& warnings) {
  auto p = prepare(s, warnings);
  if (!p) return p;
  auto insns = assemble(s);
  if (!insns) return fail(std::move(insns).error());
  p->insns = std::move(*insns);
  return p;
}

}  // namespace berth::seccomp
