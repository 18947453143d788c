// seccomp compile (libseccomp -> BPF) checked with a BPF evaluator, and
// load (raw seccomp(2)) checked in forked children.
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>

#include "spec/config.hpp"
#include "src/seccomp/compile.hpp"
#include "src/seccomp/load.hpp"
#include "src/seccomp/support.hpp"
#include "tests/unit/bpf_eval.hpp"
#include "tests/unit/fixture_util.hpp"
#include "tests/unit/seccomp_util.hpp"

using namespace berth;
using seccomp::BpfProgram;
using spec::SeccompAction;
using spec::SeccompArch;
using spec::SeccompArg;
using spec::SeccompFlag;
using spec::SeccompOp;
using spec::SeccompRule;

namespace {

constexpr uint32_t kAllow = SCMP_ACT_ALLOW;
constexpr uint32_t kKillThread = SCMP_ACT_KILL_THREAD;

uint32_t errno_action(uint32_t e) {
  return SCMP_ACT_ERRNO(e);
}

// Native syscall number; the tests use syscalls every architecture has.
int nr(const char* name) {
  const int n = seccomp_syscall_resolve_name(name);
  REQUIRE(n >= 0);
  return n;
}

std::string compile_error(const spec::Seccomp& s) {
  std::vector<std::string> w;
  auto r = seccomp::compile(s, w);
  return r ? "" : r.error().message();
}

uint32_t eval(const BpfProgram& p, int n, std::initializer_list<uint64_t> args = {},
              uint32_t arch = seccomp_arch_native()) {
  auto r = test::evaluate(p.insns, test::syscall_data(n, arch, args));
  if (!r) FAIL(r.error().message());
  return *r;
}

}  // namespace

TEST_CASE("seccomp: the default action and its errno", "[seccomp]") {
  struct Case {
    SeccompAction action;
    std::optional<uint32_t> errno_ret;
    uint32_t expected;
  };
  const Case cases[] = {
      {SeccompAction::kAllow, std::nullopt, kAllow},
      {SeccompAction::kKill, std::nullopt, kKillThread},
      {SeccompAction::kKillThread, std::nullopt, kKillThread},
      {SeccompAction::kKillProcess, std::nullopt, 0x80000000u},
      {SeccompAction::kTrap, std::nullopt, 0x00030000u},
      {SeccompAction::kErrno, std::nullopt, errno_action(EPERM)},
      {SeccompAction::kErrno, 38u, errno_action(38)},
      {SeccompAction::kTrace, std::nullopt, 0x7ff00000u | EPERM},
      {SeccompAction::kTrace, 7u, 0x7ff00007u},
      {SeccompAction::kLog, std::nullopt, 0x7ffc0000u},
  };
  for (const auto& c : cases) {
    INFO(spec::seccomp_action_name(c.action) << " errnoRet " << c.errno_ret.value_or(0));
    const auto p = test::seccomp_compiled(test::seccomp_profile(c.action, {}, c.errno_ret));
    CHECK(eval(p, nr("getpid")) == c.expected);
    CHECK_FALSE(p.needs_listener);
  }
}

TEST_CASE("seccomp: every rule action returns its value", "[seccomp]") {
  struct Case {
    SeccompAction action;
    std::optional<uint32_t> errno_ret;
    uint32_t expected;
  };
  const Case cases[] = {
      {SeccompAction::kAllow, std::nullopt, kAllow},
      {SeccompAction::kKill, std::nullopt, kKillThread},
      {SeccompAction::kKillThread, std::nullopt, kKillThread},
      {SeccompAction::kKillProcess, std::nullopt, SCMP_ACT_KILL_PROCESS},
      {SeccompAction::kTrap, std::nullopt, SCMP_ACT_TRAP},
      {SeccompAction::kErrno, std::nullopt, errno_action(EPERM)},
      {SeccompAction::kErrno, 1234u, errno_action(1234)},
      {SeccompAction::kTrace, std::nullopt, SCMP_ACT_TRACE(EPERM)},
      {SeccompAction::kTrace, 3u, SCMP_ACT_TRACE(3)},
      {SeccompAction::kLog, std::nullopt, SCMP_ACT_LOG},
      {SeccompAction::kNotify, std::nullopt, SCMP_ACT_NOTIFY},
  };
  for (const auto& c : cases) {
    INFO(spec::seccomp_action_name(c.action));
    const auto p =
        test::seccomp_compiled(test::seccomp_profile(SeccompAction::kErrno, {test::seccomp_rule({"getppid"}, c.action, c.errno_ret)}, 99u));
    CHECK(eval(p, nr("getppid")) == c.expected);
    CHECK(eval(p, nr("getpid")) == errno_action(99));
    CHECK(p.needs_listener == (c.action == SeccompAction::kNotify));
  }
}

TEST_CASE("seccomp: a rule repeating the default action is skipped", "[seccomp]") {
  // libseccomp refuses these (EACCES); runc skips them, and so does berth.
  const auto p =
      test::seccomp_compiled(test::seccomp_profile(SeccompAction::kErrno, {test::seccomp_rule({"mkdirat"}, SeccompAction::kErrno),
                                               test::seccomp_rule({"mkdirat"}, SeccompAction::kErrno, 1u),
                                               test::seccomp_rule({"getppid"}, SeccompAction::kErrno, 2u)}));
  CHECK(eval(p, nr("mkdirat")) == errno_action(EPERM));
  CHECK(eval(p, nr("getppid")) == errno_action(2));
  CHECK(eval(p, nr("getpid")) == errno_action(EPERM));
}

namespace {

bool reference(SeccompOp op, uint64_t arg, uint64_t value, uint64_t value_two) {
  switch (op) {
    case SeccompOp::kNotEqual:
      return arg != value;
    case SeccompOp::kLessThan:
      return arg < value;
    case SeccompOp::kLessEqual:
      return arg <= value;
    case SeccompOp::kEqualTo:
      return arg == value;
    case SeccompOp::kGreaterEqual:
      return arg >= value;
    case SeccompOp::kGreaterThan:
      return arg > value;
    case SeccompOp::kMaskedEqual:
      return (arg & value) == value_two;
  }
  return false;
}

}  // namespace

TEST_CASE("seccomp: every operator below, at and above its value", "[seccomp]") {
  const SeccompOp ops[] = {SeccompOp::kNotEqual, SeccompOp::kLessThan,     SeccompOp::kLessEqual,
                           SeccompOp::kEqualTo,  SeccompOp::kGreaterEqual, SeccompOp::kGreaterThan};
  constexpr uint64_t kHigh = 1ull << 32;
  // Small, high-word and near-max values; the arguments around each differ
  // in the low word, the high word, or both in opposite directions.
  const uint64_t values[] = {10, kHigh + 10, 0xfffffffffffffff0ull, 0xffffffffull};
  for (SeccompOp op : ops)
    for (uint64_t v : values) {
      const auto p = test::seccomp_compiled(
          test::seccomp_profile(SeccompAction::kAllow,
                  {test::seccomp_rule({"ioctl"}, SeccompAction::kErrno, 5u, {SeccompArg{1, v, 0, op}})}));
      const uint64_t args[] = {v - 1,
                               v,
                               v + 1,
                               v + kHigh,
                               v - kHigh,
                               (v - kHigh) | 0xffffffffull,
                               (v + kHigh) & ~0xffffffffull,
                               0,
                               ~0ull};
      for (uint64_t a : args) {
        INFO(spec::seccomp_op_name(op) << " value " << v << " arg " << a);
        const bool hit = reference(op, a, v, 0);
        CHECK(eval(p, nr("ioctl"), {0, a}) == (hit ? errno_action(5) : kAllow));
      }
    }
}

TEST_CASE("seccomp: SCMP_CMP_MASKED_EQ is (arg & value) == valueTwo", "[seccomp]") {
  struct Case {
    uint64_t mask, want;
  };
  const Case cases[] = {{0xf0, 0x20}, {0xffff0000000000ffull, 0x0001000000000012ull}, {~0ull, 0}};
  for (const auto& c : cases) {
    const auto p = test::seccomp_compiled(test::seccomp_profile(
        SeccompAction::kAllow, {test::seccomp_rule({"ioctl"}, SeccompAction::kErrno, 6u,
                                     {SeccompArg{2, c.mask, c.want, SeccompOp::kMaskedEqual}})}));
    const uint64_t args[] = {
        c.want, c.want | ~c.mask,     c.want + 0x10, c.want ^ (1ull << 48), c.want ^ 0x1, 0x1f,
        0x2f,   0x0001abcd00000012ull};
    for (uint64_t a : args) {
      INFO("mask " << c.mask << " want " << c.want << " arg " << a);
      const bool hit = reference(SeccompOp::kMaskedEqual, a, c.mask, c.want);
      CHECK(eval(p, nr("ioctl"), {0, 0, a}) == (hit ? errno_action(6) : kAllow));
    }
  }
}

TEST_CASE("seccomp: conditions on different arguments are ANDed", "[seccomp]") {
  const auto p = test::seccomp_compiled(test::seccomp_profile(
      SeccompAction::kAllow,
      {test::seccomp_rule({"ioctl"}, SeccompAction::kErrno, 5u,
            {SeccompArg{0, 1, 0, SeccompOp::kEqualTo}, SeccompArg{1, 2, 0, SeccompOp::kEqualTo},
             SeccompArg{3, 100, 0, SeccompOp::kLessThan}})}));
  CHECK(eval(p, nr("ioctl"), {1, 2, 0, 99}) == errno_action(5));
  CHECK(eval(p, nr("ioctl"), {1, 3, 0, 99}) == kAllow);
  CHECK(eval(p, nr("ioctl"), {0, 2, 0, 99}) == kAllow);
  CHECK(eval(p, nr("ioctl"), {1, 2, 0, 100}) == kAllow);
}

TEST_CASE("seccomp: a repeated argument index splits the rule (OR)", "[seccomp]") {
  // runc: "If two or more arguments have the same condition, revert to old
  // behavior, adding each condition as a separate rule".
  const auto p = test::seccomp_compiled(test::seccomp_profile(
      SeccompAction::kAllow,
      {test::seccomp_rule({"ioctl", "fcntl"}, SeccompAction::kErrno, 5u,
            {SeccompArg{0, 1, 0, SeccompOp::kEqualTo}, SeccompArg{0, 2, 0, SeccompOp::kEqualTo},
             SeccompArg{1, 7, 0, SeccompOp::kEqualTo}})}));
  for (const char* name : {"ioctl", "fcntl"}) {
    INFO(name);
    CHECK(eval(p, nr(name), {1, 0}) == errno_action(5));
    CHECK(eval(p, nr(name), {2, 0}) == errno_action(5));
    CHECK(eval(p, nr(name), {3, 7}) == errno_action(5));
    CHECK(eval(p, nr(name), {3, 0}) == kAllow);
  }
}

TEST_CASE("seccomp: unknown syscall names are warnings, not errors", "[seccomp]") {
  std::vector<std::string> warnings;
  const auto p =
      test::seccomp_compiled(test::seccomp_profile(SeccompAction::kAllow,
                       {test::seccomp_rule({"getppid"}, SeccompAction::kErrno, 3u),
                        test::seccomp_rule({"mkdirat", "no_such_syscall", "getpid"}, SeccompAction::kErrno, 4u)}),
               &warnings);
  CHECK(warnings ==
        std::vector<std::string>{
            "linux.seccomp.syscalls[1].names[1]: unknown syscall \"no_such_syscall\" ignored"});
  CHECK(eval(p, nr("getppid")) == errno_action(3));
  CHECK(eval(p, nr("mkdirat")) == errno_action(4));
  CHECK(eval(p, nr("getpid")) == errno_action(4));
}

TEST_CASE("seccomp: flags are passed to the loader", "[seccomp]") {
  auto s = test::seccomp_profile(SeccompAction::kAllow, {test::seccomp_rule({"getppid"}, SeccompAction::kErrno)});
  s.flags = {SeccompFlag::kLog, SeccompFlag::kSpecAllow, SeccompFlag::kTsync};
  std::vector<std::string> warnings;
  auto p = test::seccomp_compiled(s, &warnings);
  CHECK(p.flags ==
        (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_TSYNC));
  CHECK(warnings.empty());

  // WAIT_KILLABLE_RECV only means something with a listener (EINVAL without).
  s.flags = {SeccompFlag::kWaitKillableRecv};
  p = test::seccomp_compiled(s, &warnings);
  CHECK(p.flags == 0);
  CHECK(warnings ==
        std::vector<std::string>{
            "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no "
            "rule uses SCMP_ACT_NOTIFY"});

  // With a listener: kept, and TSYNC gains TSYNC_ESRCH (else EINVAL).
  s.syscalls.push_back(test::seccomp_rule({"mknodat"}, SeccompAction::kNotify));
  s.flags = {SeccompFlag::kWaitKillableRecv, SeccompFlag::kTsync};
  p = test::seccomp_compiled(s);
  CHECK(p.needs_listener);
  CHECK(p.flags == (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_TSYNC |
                    SECCOMP_FILTER_FLAG_TSYNC_ESRCH));
}

TEST_CASE("seccomp: errors name the spec path", "[seccomp]") {
  CHECK(compile_error(test::seccomp_profile(SeccompAction::kErrno, {}, 70000u)) ==
        "linux.seccomp.defaultErrnoRet: 70000 out of range (0-65535)");
  CHECK(compile_error(
            test::seccomp_profile(SeccompAction::kAllow, {test::seccomp_rule({"getpid"}, SeccompAction::kErrno, 1u),
                                            test::seccomp_rule({"getppid"}, SeccompAction::kTrace, 65536u)})) ==
        "linux.seccomp.syscalls[1].errnoRet: 65536 out of range (0-65535)");
  if (!seccomp::libseccomp_arch(SeccompArch::kLoongarch64)) {
    auto s = test::seccomp_profile(SeccompAction::kAllow);
    s.architectures = {SeccompArch::kX86_64, SeccompArch::kLoongarch64};
    CHECK(compile_error(s) ==
          "linux.seccomp.architectures[1]: \"SCMP_ARCH_LOONGARCH64\" not "
          "supported by libseccomp " +
              seccomp::library_version());
  }
}

#if defined(__x86_64__)

namespace {

int nr_on(uint32_t arch, const char* name) {
  const int n = seccomp_syscall_resolve_name_arch(arch, name);
  REQUIRE(n >= 0);
  return n;
}

constexpr uint32_t kX32Bit = 0x40000000;

}  // namespace

TEST_CASE("seccomp: listed architectures get the rules, others are killed", "[seccomp]") {
  auto s = test::seccomp_profile(SeccompAction::kAllow, {test::seccomp_rule({"mkdir"}, SeccompAction::kErrno, 5u)});
  const int mkdir32 = nr_on(SCMP_ARCH_X86, "mkdir");
  const int getpid32 = nr_on(SCMP_ARCH_X86, "getpid");
  REQUIRE(mkdir32 == nr("getpid"));  // 39: the numbering differs, the filter must not mix them

  s.architectures = {SeccompArch::kX86_64, SeccompArch::kX86, SeccompArch::kX32};
  auto p = test::seccomp_compiled(s);
  CHECK(eval(p, nr("mkdir"), {}, AUDIT_ARCH_X86_64) == errno_action(5));
  CHECK(eval(p, nr("getpid"), {}, AUDIT_ARCH_X86_64) == kAllow);
  CHECK(eval(p, mkdir32, {}, AUDIT_ARCH_I386) == errno_action(5));
  CHECK(eval(p, getpid32, {}, AUDIT_ARCH_I386) == kAllow);
  CHECK(eval(p, nr("mkdir") | kX32Bit, {}, AUDIT_ARCH_X86_64) == errno_action(5));
  CHECK(eval(p, nr("getpid") | kX32Bit, {}, AUDIT_ARCH_X86_64) == kAllow);
  CHECK(eval(p, nr("mkdir"), {}, AUDIT_ARCH_AARCH64) == kKillThread);

  // Only the native architecture: the others get libseccomp's bad-arch
  // action, SCMP_ACT_KILL_THREAD.
  s.architectures = {};
  p = test::seccomp_compiled(s);
  CHECK(eval(p, nr("mkdir"), {}, AUDIT_ARCH_X86_64) == errno_action(5));
  CHECK(eval(p, mkdir32, {}, AUDIT_ARCH_I386) == kKillThread);
  CHECK(eval(p, getpid32, {}, AUDIT_ARCH_I386) == kKillThread);
  CHECK(eval(p, nr("mkdir") | kX32Bit, {}, AUDIT_ARCH_X86_64) == kKillThread);
}

TEST_CASE("seccomp: the Podman default profile compiles", "[seccomp]") {
  auto config = spec::parse_config(
      test::slurp(test::source_root() / "tests/fixtures/clients/podman-conmon-create-config.json"));
  REQUIRE(config);
  REQUIRE(config->linux);
  REQUIRE(config->linux->seccomp);
  std::vector<std::string> warnings;
  const auto p = test::seccomp_compiled(*config->linux->seccomp, &warnings);
  for (const auto& w : warnings) CHECK_THAT(w, Catch::Contains("unknown syscall"));
  CHECK_FALSE(p.needs_listener);
  CHECK(p.flags == 0);

  const uint32_t enosys = errno_action(38);  // defaultErrnoRet
  CHECK(eval(p, nr("mkdir")) == kAllow);
  CHECK(eval(p, nr_on(SCMP_ARCH_X86, "mkdir"), {}, AUDIT_ARCH_I386) == kAllow);
  CHECK(eval(p, nr("mkdir") | kX32Bit) == kAllow);
  // This profile allows reboot (CAP_SYS_BOOT and the pid namespace guard it).
  CHECK(eval(p, nr("reboot")) == kAllow);
  CHECK(eval(p, nr("kexec_load")) == errno_action(EPERM));
  CHECK(eval(p, nr("bpf")) == errno_action(EPERM));
  CHECK(eval(p, nr("add_key")) == enosys);
  CHECK(eval(p, nr("mkdir"), {}, AUDIT_ARCH_AARCH64) == kKillThread);
  // personality: five allowed personas, everything else the default.
  CHECK(eval(p, nr("personality"), {8}) == kAllow);
  CHECK(eval(p, nr("personality"), {0xffffffff}) == kAllow);
  CHECK(eval(p, nr("personality"), {1}) == enosys);
  // socket: AF_NETLINK + NETLINK_AUDIT is EINVAL, the rest allowed.
  CHECK(eval(p, nr("socket"), {16, 3, 9}) == errno_action(EINVAL));
  CHECK(eval(p, nr("socket"), {16, 3, 0}) == kAllow);
  CHECK(eval(p, nr("socket"), {2, 1, 9}) == kAllow);

  // Every name of an unconditional rule, on each listed architecture, gets
  // its rule's action; this walks all of libseccomp's binary tree.
  std::map<std::string, std::vector<uint32_t>> want;
  for (const auto& r : config->linux->seccomp->syscalls)
    for (const auto& name : r.names)
      want[name].push_back(r.args.empty() ? seccomp::action_value(r.action, r.errno_ret) : 0xdead);
  size_t checked = 0;
  for (const auto& [name, actions] : want) {
    if (actions.size() != 1 || actions[0] == 0xdead) continue;  // conditional or listed twice
    struct Arch {
      uint32_t token, audit, bit;
    };
    for (const auto& [arch, audit, bit] :
         {Arch{SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, 0}, Arch{SCMP_ARCH_X86, AUDIT_ARCH_I386, 0},
          Arch{SCMP_ARCH_X32, AUDIT_ARCH_X86_64, kX32Bit}}) {
      const int n = seccomp_syscall_resolve_name_arch(arch, name.c_str());
      if (n < 0) continue;  // not on this architecture
      INFO(name << " on " << std::hex << audit);
      // The x32 bit, whether or not libseccomp's table includes it.
      CHECK(eval(p, n | static_cast<int>(bit), {}, audit) == actions[0]);
      ++checked;
    }
  }
  CHECK(checked > 700);
}

#endif  // __x86_64__

TEST_CASE("seccomp: the BPF evaluator runs and rejects programs", "[seccomp]") {
  // Scratch memory, ALU with K and X, JSET, TAX/TXA and RET A.
  const sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_STMT(BPF_ST, 3),
      BPF_STMT(BPF_LDX | BPF_IMM, 2),
      BPF_STMT(BPF_ALU | BPF_MUL | BPF_X, 0),
      BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x100, 0, 2),
      BPF_STMT(BPF_LD | BPF_MEM, 3),
      BPF_STMT(BPF_RET | BPF_A, 0),
      BPF_STMT(BPF_MISC | BPF_TAX, 0),
      BPF_STMT(BPF_LD | BPF_IMM, 0x00050000),
      BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0),
      BPF_STMT(BPF_RET | BPF_A, 0),
  };
  CHECK(*test::evaluate(prog, test::syscall_data(5, 0)) == 0x0005000bu);
  CHECK(*test::evaluate(prog, test::syscall_data(0x80, 0)) == 0x80u);

  const sock_filter out_of_range[] = {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
                                      BPF_STMT(BPF_RET | BPF_K, 0)};
  CHECK_FALSE(test::evaluate(out_of_range, test::syscall_data(0, 0)));
  const sock_filter bad_load[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64),
                                  BPF_STMT(BPF_RET | BPF_K, 0)};
  CHECK_FALSE(test::evaluate(bad_load, test::syscall_data(0, 0)));
  const sock_filter no_ret[] = {BPF_STMT(BPF_LD | BPF_IMM, 1)};
  CHECK_FALSE(test::evaluate(no_ret, test::syscall_data(0, 0)));
}

namespace {

// Loads `p` in a forked child (after no_new_privs, as the container init
// does) and runs `body` there; the test process itself stays unfiltered.
// Returns the child's wait status; exit 100 means the load failed.
int in_filtered_child(const BpfProgram& p, const std::function<int(const UniqueFd&)>& body) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);  // SIGSYS dumps core by default
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(101);
    auto fd = seccomp::load(p);
    if (!fd) _exit(100);
    _exit(body(*fd));
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return status;
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("seccomp: a loaded filter denies, sets errno and kills", "[seccomp]") {
  test::TempDir tmp;
  const std::string dir = tmp.path() + "/made";
  auto try_mkdir = [&](int want_errno) {
    return [&dir, want_errno](const UniqueFd& listener) {
      if (listener) return 1;
      const long rc = ::syscall(SYS_mkdirat, AT_FDCWD, dir.c_str(), 0700);
      return rc == -1 && errno == want_errno ? 0 : 2;
    };
  };

  SECTION("EPERM by default") {
    const auto p =
        test::seccomp_compiled(test::seccomp_profile(SeccompAction::kAllow, {test::seccomp_rule({"mkdirat"}, SeccompAction::kErrno)}));
    CHECK(exit_code(in_filtered_child(p, try_mkdir(EPERM))) == 0);
  }
  SECTION("a custom errno") {
    const auto p = test::seccomp_compiled(
        test::seccomp_profile(SeccompAction::kAllow, {test::seccomp_rule({"mkdirat"}, SeccompAction::kErrno, ENOMSG)}));
    CHECK(exit_code(in_filtered_child(p, try_mkdir(ENOMSG))) == 0);
  }
  SECTION("KILL_PROCESS ends the child with SIGSYS") {
    const auto p =
        test::seccomp_compiled(test::seccomp_profile(SeccompAction::kAllow, {test::seccomp_rule({"mkdirat"}, SeccompAction::kKillProcess)}));
    const int status = in_filtered_child(p, try_mkdir(0));
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGSYS);
  }
  struct stat st {};
  CHECK(::stat(dir.c_str(), &st) == -1);  // no child got to create it
}

TEST_CASE("seccomp: NOTIFY returns a close-on-exec listener", "[seccomp]") {
  const auto p = test::seccomp_compiled(test::seccomp_profile(SeccompAction::kAllow, {test::seccomp_rule({"acct"}, SeccompAction::kNotify)}));
  REQUIRE(p.needs_listener);
  const int status = in_filtered_child(p, [](const UniqueFd& listener) {
    if (!listener) return 1;
    const int fdflags = fcntl(listener.get(), F_GETFD);
    return fdflags >= 0 && (fdflags & FD_CLOEXEC) != 0 ? 0 : 2;
  });
  CHECK(exit_code(status) == 0);
}

TEST_CASE("seccomp: NOTIFY with TSYNC, LOG and WAIT_KILLABLE_RECV loads", "[seccomp]") {
  auto s = test::seccomp_profile(SeccompAction::kAllow, {test::seccomp_rule({"acct"}, SeccompAction::kNotify)});
  s.flags = {SeccompFlag::kTsync, SeccompFlag::kLog, SeccompFlag::kWaitKillableRecv};
  const auto p = test::seccomp_compiled(s);
  // Linux 5.19; Catch2 v2 cannot skip, so say so instead of passing silently.
  if (!seccomp::kernel_accepts_flags(p.flags | SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
    WARN("kernel lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV or TSYNC_ESRCH: not tested");
    return;
  }
  const int status =
      in_filtered_child(p, [](const UniqueFd& listener) { return listener ? 0 : 1; });
  CHECK(exit_code(status) == 0);
}

TEST_CASE("seccomp: a flag the kernel lacks is named", "[seccomp]") {
  auto p = test::seccomp_compiled(test::seccomp_profile(SeccompAction::kAllow, {test::seccomp_rule({"getppid"}, SeccompAction::kErrno)}));
  p.flags = 1u << 30;  // no such flag in any kernel yet
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(101);
    auto r = seccomp::load(p);
    if (r) _exit(1);
    _exit(r.error().what() ==
                      "load seccomp filter: flag \"bit 1073741824\" not supported by the kernel" &&
                  r.error().errnum() == EINVAL
              ? 0
              : 2);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(exit_code(status) == 0);
}

TEST_CASE("seccomp: features lists", "[seccomp]") {
  const auto archs = seccomp::supported_archs();
  CHECK(std::find(archs.begin(), archs.end(), "SCMP_ARCH_X86_64") != archs.end());
  CHECK((std::find(archs.begin(), archs.end(), "SCMP_ARCH_LOONGARCH64") != archs.end()) ==
        seccomp::libseccomp_arch(SeccompArch::kLoongarch64).has_value());
  CHECK(seccomp::supported_actions().size() == 9);
  CHECK(seccomp::supported_operators().size() == 7);
  CHECK(seccomp::supported_flags().size() == 4);

  const auto known = seccomp::supported_flags();
  for (auto f : seccomp::kernel_flags())
    CHECK(std::find(known.begin(), known.end(), f) != known.end());
  const auto actions = seccomp::kernel_actions();
  if (!actions.empty())
    CHECK(std::find(actions.begin(), actions.end(), "SCMP_ACT_ALLOW") != actions.end());
  CHECK_FALSE(seccomp::kernel_accepts_flags(1u << 30));
}
