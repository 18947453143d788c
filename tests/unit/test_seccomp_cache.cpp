// The seccomp program cache (src/seccomp/cache.hpp): a hit returns exactly
// what compile() returns, and a damaged or untrusted entry is never used.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "spec/config.hpp"
#include "src/seccomp/cache.hpp"
#include "tests/unit/fixture_util.hpp"
#include "tests/unit/seccomp_util.hpp"

using namespace berth;
using spec::SeccompAction;
using test::seccomp_profile;
using test::seccomp_rule;

namespace {

constexpr std::string_view kGeneration = "test 1";

spec::Seccomp podman_profile() {
  auto config = spec::parse_config(
      test::slurp(test::source_root() / "tests/fixtures/clients/podman-conmon-create-config.json"));
  REQUIRE(config);
  return *config->linux->seccomp;
}

struct Run {
  seccomp::BpfProgram program;
  std::vector<std::string> warnings;
  seccomp::CacheOutcome outcome;
};

Run cached(const spec::Seccomp& s, const std::string& root) {
  Run r;
  auto p = seccomp::compile_cached(s, root, kGeneration, r.warnings, &r.outcome);
  if (!p) FAIL(p.error().message());
  r.program = std::move(*p);
  return r;
}

bool same_program(const seccomp::BpfProgram& a, const seccomp::BpfProgram& b) {
  return a.flags == b.flags && a.needs_listener == b.needs_listener &&
         a.insns.size() == b.insns.size() &&
         std::memcmp(a.insns.data(), b.insns.data(), a.insns.size() * sizeof(sock_filter)) == 0;
}

std::string entry_path(const spec::Seccomp& s, const std::string& root) {
  return seccomp::cache_dir(root) + "/" + seccomp::cache_key(s, kGeneration) + ".bpf";
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void overwrite(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace

TEST_CASE("seccomp cache: a hit is byte-identical to a fresh compile", "[seccomp]") {
  test::TempDir root;
  auto s = podman_profile();
  s.default_errno_ret.reset();  // with the ENOSYS stub
  s.flags = {spec::SeccompFlag::kLog};
  std::vector<std::string> warnings;
  auto fresh = seccomp::compile(s, warnings);
  REQUIRE(fresh);

  const Run first = cached(s, root.path());
  CHECK_FALSE(first.outcome.hit);
  CHECK(first.outcome.stored);
  CHECK(first.outcome.note.empty());
  const Run second = cached(s, root.path());
  CHECK(second.outcome.hit);
  CHECK_FALSE(second.outcome.stored);
  CHECK(same_program(first.program, *fresh));
  CHECK(same_program(second.program, *fresh));
  // Warnings come from the cheap half and so are the same on a hit.
  CHECK(first.warnings == warnings);
  CHECK(second.warnings == warnings);

  const std::string path = entry_path(s, root.path());
  CHECK(mode_of(seccomp::cache_dir(root.path())) == 0700);
  CHECK(mode_of(root.path() + "/.berth:cache") == 0700);
  CHECK((mode_of(path) & 077) == 0);
  CHECK(std::filesystem::file_size(path) == fresh->insns.size() * sizeof(sock_filter) + 32);
}

TEST_CASE("seccomp cache: the key covers what shapes the program", "[seccomp]") {
  auto s =
      seccomp_profile(SeccompAction::kErrno, {seccomp_rule({"getpid"}, SeccompAction::kAllow)});
  const std::string base = seccomp::cache_key(s, kGeneration);
  CHECK(base.size() == 64);
  CHECK(seccomp::cache_key(s, kGeneration) == base);
  CHECK(seccomp::cache_key(s, "test 2") != base);
  auto t = s;
  t.listener_metadata = "per container";
  t.listener_path = "/run/agent.sock";
  CHECK(seccomp::cache_key(t, kGeneration) == base);
  t = s;
  t.default_errno_ret = 1;
  CHECK(seccomp::cache_key(t, kGeneration) != base);
  t = s;
  t.architectures = {spec::SeccompArch::kX86};
  CHECK(seccomp::cache_key(t, kGeneration) != base);
  t = s;
  t.syscalls[0].names = {"getpi", "d"};
  CHECK(seccomp::cache_key(t, kGeneration) != base);
  t = s;
  t.syscalls[0].args = {spec::SeccompArg{0, 1, 0, spec::SeccompOp::kEqualTo}};
  auto u = t;
  u.syscalls[0].args[0].value_two = 1;
  CHECK(seccomp::cache_key(t, kGeneration) != base);
  CHECK(seccomp::cache_key(u, kGeneration) != seccomp::cache_key(t, kGeneration));
}

TEST_CASE("seccomp cache: damaged entries are ignored and rewritten", "[seccomp]") {
  test::TempDir root;
  const auto s = seccomp_profile(SeccompAction::kErrno,
                                 {seccomp_rule({"getpid", "read"}, SeccompAction::kAllow)});
  const Run good = cached(s, root.path());
  const std::string path = entry_path(s, root.path());
  const std::string original = test::slurp(path);
  REQUIRE(!original.empty());

  std::string flipped = original;
  flipped[3] ^= 0x10;
  const std::string damages[] = {
      "",                                       // empty
      original.substr(0, original.size() - 1),  // not whole instructions
      original.substr(0, 32),                   // a trailer and no program
      original.substr(8),                       // torn: one instruction short
      flipped,                                  // right size, wrong bytes
  };
  for (const auto& bytes : damages) {
    INFO(bytes.size() << " bytes");
    overwrite(path, bytes);
    const Run r = cached(s, root.path());
    CHECK_FALSE(r.outcome.hit);
    CHECK_THAT(r.outcome.note, Catch::Contains("seccomp cache entry ignored"));
    CHECK(r.outcome.stored);
    CHECK(same_program(r.program, good.program));
    CHECK(test::slurp(path) == original);
  }
  // Not a regular file.
  std::filesystem::remove(path);
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  const Run fifo = cached(s, root.path());
  CHECK_FALSE(fifo.outcome.hit);
  CHECK(same_program(fifo.program, good.program));
  CHECK(cached(s, root.path()).outcome.hit);
}

TEST_CASE("seccomp cache: entries others could write are not trusted", "[seccomp]") {
  test::TempDir root;
  const auto s =
      seccomp_profile(SeccompAction::kErrno, {seccomp_rule({"getpid"}, SeccompAction::kAllow)});
  const Run good = cached(s, root.path());
  const std::string path = entry_path(s, root.path());

  REQUIRE(::chmod(path.c_str(), 0620) == 0);
  Run r = cached(s, root.path());
  CHECK_FALSE(r.outcome.hit);
  REQUIRE(r.warnings.size() == 1);
  CHECK_THAT(r.warnings[0], Catch::Contains("writable by group or others"));
  CHECK(same_program(r.program, good.program));
  CHECK((mode_of(path) & 077) == 0);  // replaced by a fresh entry
  CHECK(cached(s, root.path()).outcome.hit);

  // A directory others can write to: the cache is not used at all.
  const std::string dir = seccomp::cache_dir(root.path());
  REQUIRE(::chmod(dir.c_str(), 0777) == 0);
  r = cached(s, root.path());
  CHECK_FALSE(r.outcome.hit);
  CHECK_FALSE(r.outcome.stored);
  REQUIRE(r.warnings.size() == 1);
  CHECK_THAT(r.warnings[0], Catch::Contains("seccomp cache not used"));
  CHECK(same_program(r.program, good.program));

  // Owned by another user (needs root to arrange).
  REQUIRE(::chmod(dir.c_str(), 0700) == 0);
  if (::geteuid() == 0) {
    REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);
    r = cached(s, root.path());
    CHECK_FALSE(r.outcome.hit);
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0], Catch::Contains("owned by uid 65534"));
  }
}

TEST_CASE("seccomp cache: no state root, no cache, same program", "[seccomp]") {
  test::TempDir tmp;
  const auto s =
      seccomp_profile(SeccompAction::kErrno, {seccomp_rule({"getpid"}, SeccompAction::kAllow)});
  const Run r = cached(s, tmp.path() + "/missing");
  CHECK_FALSE(r.outcome.hit);
  CHECK_FALSE(r.outcome.stored);
  CHECK_THAT(r.outcome.note, Catch::Contains("seccomp cache not used"));
  CHECK(same_program(r.program, test::seccomp_compiled(s)));
  CHECK_FALSE(std::filesystem::exists(tmp.path() + "/missing"));
  // Errors are compile()'s, cache or not.
  auto bad = s;
  bad.default_errno_ret = 70000;
  std::vector<std::string> w;
  auto e = seccomp::compile_cached(bad, tmp.path(), kGeneration, w);
  REQUIRE_FALSE(e);
  CHECK_THAT(e.error().message(), Catch::Contains("linux.seccomp.defaultErrnoRet"));
}
