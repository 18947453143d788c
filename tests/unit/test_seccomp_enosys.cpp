// The ENOSYS stub (src/seccomp/enosys.hpp): syscalls newer than the profile
// get ENOSYS under a deny-by-default profile, everything else is unchanged.
// Checked with the BPF evaluator on whole compiled programs, and on the stub
// alone for architectures this host cannot put in a filter.
#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "spec/config.hpp"
#include "src/seccomp/enosys.hpp"
#include "tests/unit/fixture_util.hpp"
#include "tests/unit/seccomp_util.hpp"

using namespace berth;
using spec::SeccompAction;
using spec::SeccompArch;
using test::seccomp_compiled;
using test::seccomp_profile;
using test::seccomp_rule;
using test::seccomp_run;

namespace {

constexpr uint32_t kEnosys = SCMP_ACT_ERRNO(ENOSYS);
constexpr uint32_t kEperm = SCMP_ACT_ERRNO(EPERM);
constexpr uint32_t kAllow = SCMP_ACT_ALLOW;
// Returned by the instruction appended after a bare stub: "went on to the
// filter".
constexpr uint32_t kFilter = SCMP_ACT_TRACE(0x1234);

uint32_t nr_on(uint32_t arch, const char* name) {
  const int n = seccomp_syscall_resolve_name_arch(arch, name);
  REQUIRE(n >= 0);
  return static_cast<uint32_t>(n);
}

// The stub for `s` on `native`, followed by "ret kFilter".
std::vector<sock_filter> stub_then_filter(const spec::Seccomp& s, uint32_t native) {
  auto insns = seccomp::enosys_stub(s, native);
  insns.push_back(BPF_STMT(BPF_RET | BPF_K, kFilter));
  return insns;
}

}  // namespace

TEST_CASE("seccomp enosys: no stub when the default lets calls through", "[seccomp]") {
  const auto rules = {seccomp_rule({"openat2"}, SeccompAction::kErrno, 5u)};
  for (auto def : {SeccompAction::kAllow, SeccompAction::kLog, SeccompAction::kTrace}) {
    INFO(spec::seccomp_action_name(def));
    const auto s = seccomp_profile(def, rules);
    CHECK(seccomp::enosys_stub(s, SCMP_ARCH_X86_64).empty());
  }
  // ERRNO(ENOSYS) by default: the stub would change nothing.
  CHECK(
      seccomp::enosys_stub(seccomp_profile(SeccompAction::kErrno, rules, ENOSYS), SCMP_ARCH_X86_64)
          .empty());
  // A profile that names nothing: every number is "newer", and the default
  // decides, as it did before.
  CHECK(seccomp::enosys_stub(seccomp_profile(SeccompAction::kErrno, {}), SCMP_ARCH_X86_64).empty());
  // Names libseccomp cannot resolve do not count.
  CHECK(seccomp::enosys_stub(
            seccomp_profile(SeccompAction::kErrno,
                            {seccomp_rule({"no_such_syscall"}, SeccompAction::kAllow)}),
            SCMP_ARCH_X86_64)
            .empty());
  // Denying defaults get it.
  for (auto def : {SeccompAction::kErrno, SeccompAction::kKill, SeccompAction::kKillProcess,
                   SeccompAction::kKillThread, SeccompAction::kTrap}) {
    INFO(spec::seccomp_action_name(def));
    CHECK_FALSE(seccomp::enosys_stub(seccomp_profile(def, rules), SCMP_ARCH_X86_64).empty());
  }
}

TEST_CASE("seccomp enosys: the stub alone, per architecture", "[seccomp]") {
  // openat2 is 437 on x86_64 and i386, 0x40000000|437 on x32, 437 on s390x
  // and aarch64 (the unified table).
  const auto s = seccomp_profile(SeccompAction::kErrno,
                                 {seccomp_rule({"getpid", "openat2"}, SeccompAction::kAllow)});
  SECTION("aarch64") {
    const auto p = stub_then_filter(s, SCMP_ARCH_AARCH64);
    CHECK(seccomp_run(p, 437, AUDIT_ARCH_AARCH64) == kFilter);
    CHECK(seccomp_run(p, 438, AUDIT_ARCH_AARCH64) == kEnosys);
    CHECK(seccomp_run(p, 0, AUDIT_ARCH_AARCH64) == kFilter);
    CHECK(seccomp_run(p, 438, AUDIT_ARCH_X86_64) == kFilter);  // another architecture
  }
  SECTION("s390x: syscall 0 is the kernel's 'unknown number'") {
    const auto p = stub_then_filter(s, SCMP_ARCH_S390X);
    CHECK(seccomp_run(p, 0, AUDIT_ARCH_S390X) == kEnosys);
    CHECK(seccomp_run(p, 1, AUDIT_ARCH_S390X) == kFilter);
    CHECK(seccomp_run(p, 437, AUDIT_ARCH_S390X) == kFilter);
    CHECK(seccomp_run(p, 438, AUDIT_ARCH_S390X) == kEnosys);
  }
  SECTION("x86_64 without x32: x32 calls go on to the filter") {
    const auto p = stub_then_filter(s, SCMP_ARCH_X86_64);
    CHECK(seccomp_run(p, 437, AUDIT_ARCH_X86_64) == kFilter);
    CHECK(seccomp_run(p, 438, AUDIT_ARCH_X86_64) == kEnosys);
    CHECK(seccomp_run(p, 0x40000000 | 438, AUDIT_ARCH_X86_64) == kFilter);
    CHECK(seccomp_run(p, 438, AUDIT_ARCH_I386) == kFilter);
  }
  SECTION("x32 as the native architecture: x86_64 calls go on") {
    const auto p = stub_then_filter(s, SCMP_ARCH_X32);
    CHECK(seccomp_run(p, 0x40000000 | 437, AUDIT_ARCH_X86_64) == kFilter);
    CHECK(seccomp_run(p, 0x40000000 | 438, AUDIT_ARCH_X86_64) == kEnosys);
    CHECK(seccomp_run(p, 438, AUDIT_ARCH_X86_64) == kFilter);
  }
}

#if defined(__x86_64__)

TEST_CASE("seccomp enosys: newer syscalls get ENOSYS, older ones the default", "[seccomp]") {
  // The author knew syscalls up to openat2 (437).
  auto s =
      seccomp_profile(SeccompAction::kErrno,
                      {seccomp_rule({"read", "write", "getppid", "openat2"}, SeccompAction::kAllow),
                       seccomp_rule({"mkdirat"}, SeccompAction::kErrno, 5u)});
  s.architectures = {SeccompArch::kX86_64, SeccompArch::kX86, SeccompArch::kX32};
  const auto p = seccomp_compiled(s).insns;
  const uint32_t x32 = 0x40000000;

  SECTION("x86_64") {
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "openat2"), AUDIT_ARCH_X86_64) == kAllow);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "getppid"), AUDIT_ARCH_X86_64) == kAllow);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "mkdirat"), AUDIT_ARCH_X86_64) ==
          SCMP_ACT_ERRNO(5));
    // Unnamed and older than openat2: the default.
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "getpid"), AUDIT_ARCH_X86_64) == kEperm);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "clone3"), AUDIT_ARCH_X86_64) == kEperm);
    // Newer: ENOSYS, up to numbers no kernel has.
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "pidfd_getfd"), AUDIT_ARCH_X86_64) == kEnosys);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "faccessat2"), AUDIT_ARCH_X86_64) == kEnosys);
    CHECK(seccomp_run(p, 1000, AUDIT_ARCH_X86_64) == kEnosys);
    CHECK(seccomp_run(p, 0x3fffffff, AUDIT_ARCH_X86_64) == kEnosys);
  }
  SECTION("i386: its own numbers") {
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86, "getppid"), AUDIT_ARCH_I386) == kAllow);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86, "getpid"), AUDIT_ARCH_I386) == kEperm);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86, "openat2"), AUDIT_ARCH_I386) == kAllow);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86, "clone3"), AUDIT_ARCH_I386) == kEperm);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86, "faccessat2"), AUDIT_ARCH_I386) == kEnosys);
  }
  SECTION("x32: the x32 bit and its own maximum") {
    CHECK(seccomp_run(p, x32 | 437, AUDIT_ARCH_X86_64) == kAllow);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X32, "getppid"), AUDIT_ARCH_X86_64) == kAllow);
    CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X32, "getpid"), AUDIT_ARCH_X86_64) == kEperm);
    CHECK(seccomp_run(p, x32 | 435, AUDIT_ARCH_X86_64) == kEperm);
    CHECK(seccomp_run(p, x32 | 439, AUDIT_ARCH_X86_64) == kEnosys);
    CHECK(seccomp_run(p, x32 | 1000, AUDIT_ARCH_X86_64) == kEnosys);
  }
  SECTION("an architecture outside the filter is still killed") {
    CHECK(seccomp_run(p, 1000, AUDIT_ARCH_AARCH64) == SCMP_ACT_KILL_THREAD);
  }
}

TEST_CASE("seccomp enosys: without x32 in the filter, x32 calls stay bad-arch", "[seccomp]") {
  auto s = seccomp_profile(SeccompAction::kKillProcess,
                           {seccomp_rule({"getppid", "openat2"}, SeccompAction::kAllow)});
  const auto p = seccomp_compiled(s).insns;
  CHECK(seccomp_run(p, 1000, AUDIT_ARCH_X86_64) == kEnosys);
  CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "getpid"), AUDIT_ARCH_X86_64) ==
        SCMP_ACT_KILL_PROCESS);
  CHECK(seccomp_run(p, 0x40000000 | 1000, AUDIT_ARCH_X86_64) == SCMP_ACT_KILL_THREAD);
  CHECK(seccomp_run(p, 1000, AUDIT_ARCH_I386) == SCMP_ACT_KILL_THREAD);
}

TEST_CASE("seccomp enosys: a rule repeating the default still raises the maximum", "[seccomp]") {
  // libseccomp never sees the faccessat2 rule (it equals the default), but
  // the author named it: faccessat2 keeps EPERM, only later numbers change.
  const auto s = seccomp_profile(SeccompAction::kErrno,
                                 {seccomp_rule({"read"}, SeccompAction::kAllow),
                                  seccomp_rule({"faccessat2"}, SeccompAction::kErrno, EPERM)});
  const auto p = seccomp_compiled(s).insns;
  CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "faccessat2"), AUDIT_ARCH_X86_64) == kEperm);
  CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "faccessat2") + 1, AUDIT_ARCH_X86_64) == kEnosys);
  CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X86_64, "read"), AUDIT_ARCH_X86_64) == kAllow);
}

TEST_CASE("seccomp enosys: a long program is entered correctly", "[seccomp]") {
  // The Podman profile with an EPERM default: hundreds of instructions after
  // the stub, reached through its 32-bit jumps.
  auto config = spec::parse_config(
      test::slurp(test::source_root() / "tests/fixtures/clients/podman-conmon-create-config.json"));
  REQUIRE(config);
  auto s = *config->linux->seccomp;
  s.default_errno_ret.reset();
  const auto stub = seccomp::enosys_stub(s, SCMP_ARCH_X86_64);
  REQUIRE_FALSE(stub.empty());
  const auto p = seccomp_compiled(s).insns;
  REQUIRE(p.size() > 300);
  CHECK(std::equal(stub.begin(), stub.end(), p.begin(),
                   [](const sock_filter& a, const sock_filter& b) {
                     return a.code == b.code && a.jt == b.jt && a.jf == b.jf && a.k == b.k;
                   }));
  for (uint32_t arch : {uint32_t{AUDIT_ARCH_X86_64}, uint32_t{AUDIT_ARCH_I386}}) {
    const uint32_t token = arch == AUDIT_ARCH_I386 ? SCMP_ARCH_X86 : SCMP_ARCH_X86_64;
    INFO(std::hex << arch);
    CHECK(seccomp_run(p, nr_on(token, "mkdir"), arch) == kAllow);
    CHECK(seccomp_run(p, nr_on(token, "kexec_load"), arch) == kEperm);
    CHECK(seccomp_run(p, nr_on(token, "add_key"), arch) == kEperm);  // unnamed, old
    CHECK(seccomp_run(p, 1000, arch) == kEnosys);
  }
  CHECK(seccomp_run(p, nr_on(SCMP_ARCH_X32, "mkdir"), AUDIT_ARCH_X86_64) == kAllow);
  CHECK(seccomp_run(p, 0x40000000 | 1000, AUDIT_ARCH_X86_64) == kEnosys);
}

#endif  // __x86_64__
