// config-linux.md "linux.seccomp".  Names are resolved to enums here; syscall
// names stay strings because their numbers depend on the architecture and
// libseccomp resolves them when the filter is compiled.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/reader.hpp"

namespace berth::spec {

enum class SeccompAction {
  kKill,         // SCMP_ACT_KILL (= KILL_THREAD)
  kKillProcess,  // SCMP_ACT_KILL_PROCESS
  kKillThread,   // SCMP_ACT_KILL_THREAD
  kTrap,
  kErrno,
  kTrace,
  kAllow,
  kLog,
  kNotify,
};

enum class SeccompOp { kNotEqual, kLessThan, kLessEqual, kEqualTo, kGreaterEqual, kGreaterThan, kMaskedEqual };

enum class SeccompArch {
  kX86, kX86_64, kX32, kArm, kAarch64, kMips, kMips64, kMips64n32, kMipsel, kMipsel64,
  kMipsel64n32, kPpc, kPpc64, kPpc64le, kS390, kS390x, kParisc, kParisc64, kRiscv64,
  kLoongarch64, kM68k, kSh, kSheb,
};

enum class SeccompFlag { kTsync, kLog, kSpecAllow, kWaitKillableRecv };

struct SeccompArg {
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  SeccompOp op = SeccompOp::kEqualTo;
};

struct SeccompRule {
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::kAllow;
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
};

struct Seccomp {
  SeccompAction default_action = SeccompAction::kAllow;
  std::optional<uint32_t> default_errno_ret;
  std::vector<SeccompArch> architectures;
  std::vector<SeccompFlag> flags;
  std::string listener_path;
  std::string listener_metadata;
  std::vector<SeccompRule> syscalls;
};

void read_seccomp(const Reader& r, Seccomp& out);

// Names as the spec writes them ("SCMP_ACT_ERRNO", "SCMP_CMP_EQ",
// "SCMP_ARCH_X86_64", "SECCOMP_FILTER_FLAG_LOG"): for features and messages.
std::string_view seccomp_action_name(SeccompAction a);
std::string_view seccomp_op_name(SeccompOp o);
std::string_view seccomp_arch_name(SeccompArch a);
std::string_view seccomp_flag_name(SeccompFlag f);
std::vector<std::string_view> seccomp_action_names();
std::vector<std::string_view> seccomp_op_names();
std::vector<std::string_view> seccomp_arch_names();
std::vector<std::string_view> seccomp_flag_names();

}  // namespace berth::spec
