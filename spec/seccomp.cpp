#include "spec/seccomp.hpp"

namespace berth::spec {

namespace {

// Each table lists its names in enum order, so the *_names() lists that
// `berth features` prints follow the order of the spec.
template <class E>
using Name = Reader::Name<E>;

constexpr Name<SeccompAction> kActions[] = {
    {"SCMP_ACT_KILL", SeccompAction::kKill},
    {"SCMP_ACT_KILL_PROCESS", SeccompAction::kKillProcess},
    {"SCMP_ACT_KILL_THREAD", SeccompAction::kKillThread},
    {"SCMP_ACT_TRAP", SeccompAction::kTrap},
    {"SCMP_ACT_ERRNO", SeccompAction::kErrno},
    {"SCMP_ACT_TRACE", SeccompAction::kTrace},
    {"SCMP_ACT_ALLOW", SeccompAction::kAllow},
    {"SCMP_ACT_LOG", SeccompAction::kLog},
    {"SCMP_ACT_NOTIFY", SeccompAction::kNotify},
};

constexpr Name<SeccompOp> kOps[] = {
    {"SCMP_CMP_NE", SeccompOp::kNotEqual},           {"SCMP_CMP_LT", SeccompOp::kLessThan},
    {"SCMP_CMP_LE", SeccompOp::kLessEqual},          {"SCMP_CMP_EQ", SeccompOp::kEqualTo},
    {"SCMP_CMP_GE", SeccompOp::kGreaterEqual},       {"SCMP_CMP_GT", SeccompOp::kGreaterThan},
    {"SCMP_CMP_MASKED_EQ", SeccompOp::kMaskedEqual},
};

constexpr Name<SeccompArch> kArches[] = {
    {"SCMP_ARCH_X86", SeccompArch::kX86},
    {"SCMP_ARCH_X86_64", SeccompArch::kX86_64},
    {"SCMP_ARCH_X32", SeccompArch::kX32},
    {"SCMP_ARCH_ARM", SeccompArch::kArm},
    {"SCMP_ARCH_AARCH64", SeccompArch::kAarch64},
    {"SCMP_ARCH_MIPS", SeccompArch::kMips},
    {"SCMP_ARCH_MIPS64", SeccompArch::kMips64},
    {"SCMP_ARCH_MIPS64N32", SeccompArch::kMips64n32},
    {"SCMP_ARCH_MIPSEL", SeccompArch::kMipsel},
    {"SCMP_ARCH_MIPSEL64", SeccompArch::kMipsel64},
    {"SCMP_ARCH_MIPSEL64N32", SeccompArch::kMipsel64n32},
    {"SCMP_ARCH_PPC", SeccompArch::kPpc},
    {"SCMP_ARCH_PPC64", SeccompArch::kPpc64},
    {"SCMP_ARCH_PPC64LE", SeccompArch::kPpc64le},
    {"SCMP_ARCH_S390", SeccompArch::kS390},
    {"SCMP_ARCH_S390X", SeccompArch::kS390x},
    {"SCMP_ARCH_PARISC", SeccompArch::kParisc},
    {"SCMP_ARCH_PARISC64", SeccompArch::kParisc64},
    {"SCMP_ARCH_RISCV64", SeccompArch::kRiscv64},
    {"SCMP_ARCH_LOONGARCH64", SeccompArch::kLoongarch64},
    {"SCMP_ARCH_M68K", SeccompArch::kM68k},
    {"SCMP_ARCH_SH", SeccompArch::kSh},
    {"SCMP_ARCH_SHEB", SeccompArch::kSheb},
};

constexpr Name<SeccompFlag> kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SeccompFlag::kTsync},
    {"SECCOMP_FILTER_FLAG_LOG", SeccompFlag::kLog},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SeccompFlag::kSpecAllow},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SeccompFlag::kWaitKillableRecv},
};

// Syscall arguments are numbered 0..5 by seccomp_data.args[6].
constexpr uint64_t kMaxArgIndex = 5;

template <class E, size_t N>
std::string_view name_in(const Name<E> (&table)[N], E value) {
  for (const auto& n : table)
    if (n.value == value) return n.name;
  return "";
}

template <class E, size_t N>
std::vector<std::string_view> names_in(const Name<E> (&table)[N]) {
  std::vector<std::string_view> out;
  out.reserve(N);
  for (const auto& n : table) out.push_back(n.name);
  return out;
}

// Reader treats a null member as absent; a null array element has no such
// excuse and is reported instead of being skipped.
// A list of enum names, each checked against `table`.
template <class E, size_t N>
void read_enum_list(const Reader& r, const Name<E> (&table)[N], std::string_view what,
                    std::vector<E>& out) {
  r.each([&](const Reader& e) {
    if (!e.present()) {
      e.fail("expected string, got null");
      return;
    }
    E v{};
    if (e.get_enum<E>(v, table, what)) out.push_back(v);
  });
}

template <class E, size_t N>
void require_enum(const Reader& r, const Name<E> (&table)[N], std::string_view what, E& out) {
  if (!r.present()) {
    r.fail("required");
    return;
  }
  r.get_enum<E>(out, table, what);
}

void read_arg(const Reader& r, SeccompArg& out) {
  if (!r.expect_element_object()) return;
  uint64_t index = 0;
  if (auto idx = r["index"]; idx.require(index)) {
    if (index > kMaxArgIndex) {
      idx.fail("argument index " + std::to_string(index) + " out of range (0-" +
               std::to_string(kMaxArgIndex) + ")");
      return;
    }
    out.index = static_cast<uint32_t>(index);
  }
  r["value"].require(out.value);
  r["valueTwo"].get(out.value_two);
  require_enum(r["op"], kOps, "seccomp operator", out.op);
}

void read_names(const Reader& r, std::vector<std::string>& out) {
  if (!r.require(out)) return;
  if (out.empty()) {
    r.fail("must contain at least one syscall name");
    return;
  }
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].empty()) {
      r.at(i).fail("empty syscall name");
      return;
    }
}

void read_rule(const Reader& r, SeccompRule& out) {
  if (!r.expect_element_object()) return;
  read_names(r["names"], out.names);
  require_enum(r["action"], kActions, "seccomp action", out.action);
  r["errnoRet"].get(out.errno_ret);
  r["args"].each([&](const Reader& a) { read_arg(a, out.args.emplace_back()); });
}

}  // namespace

void read_seccomp(const Reader& r, Seccomp& out) {
  if (!r.expect_object()) return;
  require_enum(r["defaultAction"], kActions, "seccomp action", out.default_action);
  r["defaultErrnoRet"].get(out.default_errno_ret);
  read_enum_list(r["architectures"], kArches, "seccomp architecture", out.architectures);
  read_enum_list(r["flags"], kFlags, "seccomp flag", out.flags);
  r["listenerPath"].get(out.listener_path);
  r["listenerMetadata"].get(out.listener_metadata);
  r["syscalls"].each([&](const Reader& s) { read_rule(s, out.syscalls.emplace_back()); });
}

std::string_view seccomp_action_name(SeccompAction a) {
  return name_in(kActions, a);
}
std::string_view seccomp_op_name(SeccompOp o) {
  return name_in(kOps, o);
}
std::string_view seccomp_arch_name(SeccompArch a) {
  return name_in(kArches, a);
}
std::string_view seccomp_flag_name(SeccompFlag f) {
  return name_in(kFlags, f);
}
std::vector<std::string_view> seccomp_action_names() {
  return names_in(kActions);
}
std::vector<std::string_view> seccomp_op_names() {
  return names_in(kOps);
}
std::vector<std::string_view> seccomp_arch_names() {
  return names_in(kArches);
}
std::vector<std::string_view> seccomp_flag_names() {
  return names_in(kFlags);
}

}  // namespace berth::spec
