// The cgroup2 device program: what it decides (run in tests/unit/ebpf_eval.hpp
// against a table and a reference model), and one real program attached to
// a cgroup2 directory beneath our own.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <fstream>
#include <random>

#include "src/cgroups/device_bpf.hpp"
#include "src/cgroups/layout.hpp"
#include "src/cgroups/manager.hpp"
#include "src/cgroups/plan.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/base/scope_exit.hpp"
#include "tests/unit/ebpf_eval.hpp"
#include "tests/unit/fixture_util.hpp"

using namespace berth;
using namespace berth::cgroups;
using Rule = berth::spec::DeviceCgroupRule;

namespace {

std::optional<int64_t> any() {
  return std::nullopt;
}

Rule rule(bool allow, char type, std::optional<int64_t> major, std::optional<int64_t> minor,
          std::string access = "rwm") {
  return Rule{allow, type, major, minor, std::move(access)};
}
Rule allow(char type, std::optional<int64_t> major, std::optional<int64_t> minor,
           std::string access = "rwm") {
  return rule(true, type, major, minor, std::move(access));
}
Rule deny(char type, std::optional<int64_t> major, std::optional<int64_t> minor,
          std::string access = "rwm") {
  return rule(false, type, major, minor, std::move(access));
}
const Rule kDenyAll = deny('a', std::nullopt, std::nullopt);

uint32_t access_bits(std::string_view access) {
  uint32_t bits = 0;
  for (char c : access)
    bits |= c == 'r' ? BPF_DEVCG_ACC_READ : c == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  return bits;
}

uint32_t type_code(char type) {
  return type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

// What the program decides for one access ('c'/'b', numbers, "rw"...).
bool decides(const std::vector<bpf_insn>& prog, char type, uint32_t major, uint32_t minor,
             std::string_view access) {
  auto r = test::run_device_program(
      prog, test::device_ctx(type_code(type), access_bits(access), major, minor));
  INFO((r ? std::string() : r.error().message()));
  REQUIRE(r);
  return *r == 1;
}

bool allowed(const std::vector<Rule>& rules, char type, uint32_t major, uint32_t minor,
             std::string_view access) {
  auto prog = device_program(rules);
  INFO((prog ? std::string() : prog.error().message()));
  REQUIRE(prog);
  return decides(*prog, type, major, minor, access);
}

// The semantics of device_bpf.hpp, written plainly: each requested bit is
// decided by the last rule that matches the device and names the bit.
bool reference(const std::vector<Rule>& rules, char type, uint32_t major, uint32_t minor,
               std::string_view access) {
  for (char bit : access) {
    bool granted = false;
    for (const auto& r : rules) {
      auto number = [](std::optional<int64_t> want, uint32_t got) {
        return !want || *want == -1 || *want == got;
      };
      bool matches = (r.type == 'a' || r.type == type) && number(r.major, major) &&
                     number(r.minor, minor) &&
                     (r.access.empty() || r.access.find(bit) != std::string::npos);
      if (matches) granted = r.allow;
    }
    if (!granted) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("device program: decisions by rule list", "[device-bpf]") {
  struct Case {
    std::vector<Rule> rules;
    char type;
    uint32_t major, minor;
    const char* access;
    bool want;
  };
  const Case table[] = {
      // No rules, or only "deny all": nothing.
      {{}, 'c', 1, 3, "r", false},
      {{kDenyAll}, 'c', 1, 3, "r", false},
      {{kDenyAll}, 'b', 8, 0, "m", false},
      // One exact device.
      {{kDenyAll, allow('c', 1, 3)}, 'c', 1, 3, "r", true},
      {{kDenyAll, allow('c', 1, 3)}, 'c', 1, 3, "rwm", true},
      {{kDenyAll, allow('c', 1, 3)}, 'c', 1, 5, "r", false},
      {{kDenyAll, allow('c', 1, 3)}, 'c', 2, 3, "r", false},
      {{kDenyAll, allow('c', 1, 3)}, 'b', 1, 3, "r", false},
      // Wildcards.
      {{kDenyAll, allow('c', any(), 3, "r")}, 'c', 7, 3, "r", true},
      {{kDenyAll, allow('c', any(), 3, "r")}, 'c', 7, 3, "w", false},
      {{kDenyAll, allow('c', any(), 3, "r")}, 'c', 7, 4, "r", false},
      {{kDenyAll, allow('c', any(), 3, "r")}, 'b', 7, 3, "r", false},
      {{kDenyAll, allow('c', 136, any(), "rw")}, 'c', 136, 5, "rw", true},
      {{kDenyAll, allow('c', 136, any(), "rw")}, 'c', 136, 5, "m", false},
      {{kDenyAll, allow('c', 136, -1, "rw")}, 'c', 136, 9, "w", true},  // -1: any
      // Type 'a' matches both types, and keeps its numbers and access.
      {{kDenyAll, allow('a', any(), any(), "r")}, 'c', 1, 1, "r", true},
      {{kDenyAll, allow('a', any(), any(), "r")}, 'b', 8, 0, "r", true},
      {{kDenyAll, allow('a', any(), any(), "r")}, 'b', 8, 0, "rw", false},
      {{kDenyAll, allow('a', 4, any())}, 'b', 4, 0, "w", true},
      {{kDenyAll, allow('a', 4, any())}, 'b', 5, 0, "w", false},
      {{kDenyAll, allow('a', any(), any())}, 'b', 259, 1, "rwm", true},
      // The last matching rule wins, including against wildcards.
      {{kDenyAll, allow('c', any(), any()), deny('c', 1, 3)}, 'c', 1, 3, "r", false},
      {{kDenyAll, allow('c', any(), any()), deny('c', 1, 3)}, 'c', 1, 5, "r", true},
      {{kDenyAll, deny('c', 1, 3), allow('c', any(), any())}, 'c', 1, 3, "r", true},
      {{kDenyAll, allow('c', 1, 3), kDenyAll}, 'c', 1, 3, "r", false},
      {{allow('a', any(), any()), deny('b', any(), any())}, 'c', 4, 1, "rw", true},
      {{allow('a', any(), any()), deny('b', any(), any())}, 'b', 8, 0, "r", false},
      // Access subsets: each bit by the last rule naming it.
      {{kDenyAll, allow('c', 1, 3), deny('c', 1, 3, "w")}, 'c', 1, 3, "r", true},
      {{kDenyAll, allow('c', 1, 3), deny('c', 1, 3, "w")}, 'c', 1, 3, "w", false},
      {{kDenyAll, allow('c', 1, 3), deny('c', 1, 3, "w")}, 'c', 1, 3, "rw", false},
      {{kDenyAll, allow('c', 1, 3), deny('c', 1, 3, "w")}, 'c', 1, 3, "m", true},
      {{kDenyAll, deny('c', 1, 3, "w"), allow('c', 1, 3)}, 'c', 1, 3, "rw", true},
      {{kDenyAll, allow('c', 1, 3, "r"), allow('c', 1, 3, "w")}, 'c', 1, 3, "rw", true},
      {{kDenyAll, allow('c', 1, 3, "r"), allow('c', 1, 3, "w")}, 'c', 1, 3, "rwm", false},
      {{kDenyAll, allow('c', 1, any(), "r"), allow('c', any(), 3, "w")}, 'c', 1, 3, "rw", true},
      {{kDenyAll, allow('c', 1, any(), "r"), allow('c', any(), 3, "w")}, 'c', 1, 4, "rw", false},
      {{kDenyAll, allow('c', 1, 3, "m")}, 'c', 1, 3, "m", true},
      {{kDenyAll, allow('c', 1, 3, "m")}, 'c', 1, 3, "r", false},
      {{kDenyAll, allow('c', 1, 3, "")}, 'c', 1, 3, "rwm", true},  // "": rwm
      // Numbers above INT32_MAX compare as u32 (no sign extension).
      {{kDenyAll, allow('c', 4294967295, 2147483648)}, 'c', 4294967295u, 2147483648u, "r", true},
      {{kDenyAll, allow('c', 4294967295, 2147483648)}, 'c', 4294967295u, 0, "r", false},
      {{kDenyAll, allow('c', 2147483647, any())}, 'c', 2147483647u, 1, "r", true},
  };
  for (size_t i = 0; i < std::size(table); ++i) {
    const auto& c = table[i];
    INFO("case " << i << ": " << c.type << " " << c.major << ":" << c.minor << " " << c.access);
    CHECK(allowed(c.rules, c.type, c.major, c.minor, c.access) == c.want);
    CHECK(reference(c.rules, c.type, c.major, c.minor, c.access) == c.want);
  }
}

TEST_CASE("device program: runc's default device list", "[device-bpf]") {
  spec::Resources r;
  auto prog = device_program(with_default_devices(r).devices);
  REQUIRE(prog);
  struct Case {
    char type;
    uint32_t major, minor;
    const char* access;
    bool want;
  };
  const Case table[] = {
      {'c', 1, 3, "rw", true},     {'c', 1, 5, "rw", true},    {'c', 1, 7, "rw", true},
      {'c', 1, 8, "r", true},      {'c', 1, 9, "r", true},     {'c', 5, 0, "rw", true},
      {'c', 5, 1, "rw", true},     {'c', 5, 2, "rw", true},    {'c', 136, 0, "rw", true},
      {'c', 136, 42, "rw", true},  {'c', 1, 3, "m", true},     {'c', 10, 200, "m", true},
      {'b', 8, 0, "m", true},      {'c', 1, 11, "r", false},   {'c', 1, 1, "r", false},
      {'c', 10, 200, "rw", false}, {'b', 8, 0, "r", false},    {'b', 8, 0, "rm", false},
      {'c', 4, 0, "w", false},     {'c', 136, 0, "rwm", true}, {'c', 1, 11, "rm", false},
  };
  for (const auto& c : table) {
    INFO(c.type << " " << c.major << ":" << c.minor << " " << c.access);
    CHECK(decides(*prog, c.type, c.major, c.minor, c.access) == c.want);
  }

  // The config's rules come before the defaults, which a config cannot take
  // away (runc appends them too), but can add to.
  r.devices = {deny('c', 1, 3), allow('b', 8, 0, "r")};
  prog = device_program(with_default_devices(r).devices);
  REQUIRE(prog);
  CHECK(decides(*prog, 'c', 1, 3, "rw"));
  CHECK(decides(*prog, 'b', 8, 0, "r"));
  CHECK_FALSE(decides(*prog, 'b', 8, 0, "w"));
  CHECK(decides(*prog, 'b', 8, 0, "rm"));  // m from the defaults, r from the config
}

TEST_CASE("device program: shape", "[device-bpf]") {
  // Prologue (6), one exact rule (3 tests + r0 + exit), "deny all" (2) and
  // nothing after it: the verifier refuses unreachable instructions.
  auto p = device_program({kDenyAll, allow('c', 1, 3)});
  REQUIRE(p);
  CHECK(p->size() == 6 + 5 + 2);
  CHECK(p->back().code == (BPF_JMP | BPF_EXIT));
  // An unconditional rule ends the program wherever it is.
  auto q = device_program({allow('c', 1, 3), kDenyAll, allow('c', 1, 5)});
  REQUIRE(q);
  CHECK(q->size() == 6 + 5 + 2);
  // Without one, the default deny closes it.
  auto d = device_program({allow('c', 1, 3)});
  REQUIRE(d);
  CHECK(d->size() == 6 + 5 + 2);
  CHECK(d->back().code == (BPF_JMP | BPF_EXIT));
  CHECK((*d)[d->size() - 2].imm == 0);
  auto all = device_program(with_default_devices({}).devices);
  REQUIRE(all);
  CHECK(test::ebpf_detail::check_cfg(*all));
}

TEST_CASE("device program: invalid rules", "[device-bpf]") {
  auto msg = [](const Rule& r) {
    auto p = device_program({kDenyAll, r});
    REQUIRE_FALSE(p);
    return p.error().message();
  };
  CHECK(msg(allow('c', 4294967296, 1)) ==
        "device rule \"c 4294967296:1 rwm\": major 4294967296 out of range");
  CHECK(msg(allow('b', 8, -2, "r")) == "device rule \"b 8:-2 r\": minor -2 out of range");
  CHECK(msg(allow('u', 1, 1)) == "device rule \"u 1:1 rwm\": unknown device type");
  CHECK(msg(allow('c', 1, 1, "rx")) == "device rule \"c 1:1 rx\": invalid access");
}

TEST_CASE("device program: errors name the cgroup", "[device-bpf]") {
  // Not a cgroup (or no privilege, or no bpf(2)): the first step that
  // touches the kernel says which directory it was for.
  test::TempDir tmp;
  auto p = device_program({kDenyAll});
  REQUIRE(p);
  auto r = install_device_program(tmp.path(), *p);
  REQUIRE_FALSE(r);
  CHECK(
      r.error().message().starts_with("query device programs of cgroup \"" + tmp.path() + "\": "));
  r = install_device_program(tmp.path() + "/missing", *p);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "open cgroup \"" + tmp.path() + "/missing\": no such file or directory");
}

TEST_CASE("device program agrees with the reference model on random lists", "[device-bpf]") {
  std::mt19937 rng(20261124);
  const char types[] = {'a', 'b', 'c'};
  const std::optional<int64_t> majors[] = {std::nullopt, 1, 2};
  const std::optional<int64_t> minors[] = {std::nullopt, 3, 4};
  const char* accesses[] = {"", "r", "w", "m", "rw", "rm", "wm", "rwm"};
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  for (int round = 0; round < 300; ++round) {
    std::vector<Rule> rules;
    size_t n = pick(7);
    for (size_t i = 0; i < n; ++i)
      rules.push_back(
          rule(pick(2) == 0, types[pick(3)], majors[pick(3)], minors[pick(3)], accesses[pick(8)]));
    auto prog = device_program(rules);
    REQUIRE(prog);
    for (char type : {'b', 'c'})
      for (uint32_t major : {1u, 2u, 5u})
        for (uint32_t minor : {3u, 4u, 9u})
          for (const char* access : {"r", "w", "m", "rw", "rm", "wm", "rwm"}) {
            INFO("round " << round << ": " << type << " " << major << ":" << minor << " "
                          << access);
            REQUIRE(decides(*prog, type, major, minor, access) ==
                    reference(rules, type, major, minor, access));
          }
  }
}

// --- the real kernel ------------------------------------------------------------

namespace {

enum class Open { kOk, kEperm, kOther };

// A scratch cgroup2 directory beneath our own cgroup, removed at scope end.
struct ScratchCgroup {
  std::string dir;
  std::string skip;  // why not, when dir is empty
  explicit ScratchCgroup(const std::string& tag) {
    auto layout = detect_layout();
    auto self = read_file("/proc/self/cgroup");
    if (!layout || !self || layout->unified_mount.empty()) {
      skip = "this host has no cgroup2 mount";
      return;
    }
    std::string own = parse_proc_cgroup(*self)[""];
    if (own.empty() || own == "/") own.clear();
    std::string d =
        layout->unified_mount + own + "/berth-unit-" + tag + "-" + std::to_string(::getpid());
    if (::mkdir(d.c_str(), 0755) != 0) {
      skip = "cannot create a cgroup2 directory " + quote(d) + ": " + errno_text(errno);
      return;
    }
    dir = d;
  }
  ~ScratchCgroup() {
    if (dir.empty()) return;
    // A child that just exited may keep the cgroup busy for a moment.
    for (int i = 0; i < 50 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) ::usleep(20000);
  }
};

// Forks a child, moves it into `dir`, lets it open each path with its flags
// and returns what each open did.  The child is killed and reaped whatever
// happens.
std::vector<Open> opens_in(const std::string& dir,
                           const std::vector<std::pair<const char*, int>>& probes) {
  int go[2];
  REQUIRE(::pipe2(go, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    ::close(go[1]);
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(127);
    int code = 0;
    for (size_t i = 0; i < probes.size(); ++i) {
      int fd = ::open(probes[i].first, probes[i].second | O_CLOEXEC);
      int outcome = fd >= 0 ? 0 : errno == EPERM ? 1 : 2;
      if (fd >= 0) ::close(fd);
      code |= outcome << (2 * i);
    }
    ::_exit(code);
  }
  ::close(go[0]);
  bool reaped = false;
  ScopeExit cleanup([&] {
    ::close(go[1]);
    if (!reaped) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  });
  {
    std::ofstream procs(dir + "/cgroup.procs");
    procs << pid << std::flush;
    REQUIRE(procs.good());
  }
  REQUIRE(::write(go[1], "x", 1) == 1);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  reaped = true;
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) != 127);
  std::vector<Open> out;
  for (size_t i = 0; i < probes.size(); ++i)
    out.push_back(static_cast<Open>((WEXITSTATUS(status) >> (2 * i)) & 3));
  return out;
}

// Whether this host lets us attach a device program at all (root, a kernel
// with CONFIG_CGROUP_BPF): an allow-all program, whose failure is no bug of
// the generator.
std::string cannot_attach(const std::string& dir) {
  auto p = device_program({allow('a', std::nullopt, std::nullopt)});
  if (!p) return p.error().message();
  auto r = install_device_program(dir, *p);
  return r ? std::string() : r.error().message();
}

}  // namespace

TEST_CASE("real device program on a cgroup2 directory", "[device-bpf]") {
  ScratchCgroup cg("devbpf");
  if (cg.dir.empty()) {
    WARN("skipped: " + cg.skip);
    return;
  }
  if (auto why = cannot_attach(cg.dir); !why.empty()) {
    WARN("skipped: " + why);
    return;
  }
  auto ours = attached_device_programs(cg.dir);
  REQUIRE(ours);
  CHECK(ours->size() == 1);

  // A program the verifier refuses (r0 = 2 is no verdict): its log is in
  // the error, and the attached program stays.
  bpf_insn verdict{}, leave{};
  verdict.code = BPF_ALU | BPF_MOV | BPF_K;
  verdict.imm = 2;
  leave.code = BPF_JMP | BPF_EXIT;
  auto refused = install_device_program(cg.dir, {verdict, leave});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().starts_with("load device program for cgroup \"" + cg.dir +
                                              "\": verifier: "));
  CHECK(refused.error().errnum() == EINVAL);
  CHECK(*attached_device_programs(cg.dir) == *ours);

  // Only /dev/null.
  auto p = device_program({kDenyAll, allow('c', 1, 3)});
  REQUIRE(p);
  auto installed = install_device_program(cg.dir, *p);
  INFO((installed ? std::string() : installed.error().message()));
  REQUIRE(installed);
  auto ids = attached_device_programs(cg.dir);
  REQUIRE(ids);
  CHECK(ids->size() == 1);  // the allow-all one was replaced
  CHECK(*ids != *ours);
  CHECK(opens_in(cg.dir, {{"/dev/null", O_RDWR}, {"/dev/zero", O_RDONLY}}) ==
        std::vector<Open>{Open::kOk, Open::kEperm});

  // Replaced (update): /dev/zero read-only, /dev/null no more.
  p = device_program({kDenyAll, allow('c', 1, 5, "r")});
  REQUIRE(p);
  REQUIRE(install_device_program(cg.dir, *p));
  ids = attached_device_programs(cg.dir);
  REQUIRE(ids);
  CHECK(ids->size() == 1);
  CHECK(opens_in(cg.dir,
                 {{"/dev/null", O_RDONLY}, {"/dev/zero", O_RDONLY}, {"/dev/zero", O_WRONLY}}) ==
        std::vector<Open>{Open::kEperm, Open::kOk, Open::kEperm});
}

TEST_CASE("real fs2 manager applies device rules as a program", "[device-bpf]") {
  ScratchCgroup cg("devmgr");
  if (cg.dir.empty()) {
    WARN("skipped: " + cg.skip);
    return;
  }
  if (auto why = cannot_attach(cg.dir); !why.empty()) {
    WARN("skipped: " + why);
    return;
  }
  // No create(): it would enable controllers in our own cgroup's
  // subtree_control, which is not this test's to change.
  auto layout = detect_layout();
  REQUIRE(layout);
  auto m =
      make_fs2_manager({layout->unified_mount, cg.dir.substr(layout->unified_mount.size()), {}});

  // The whole list create() applies, defaults included (the kernel's
  // verifier takes the longest program berth makes for an empty config).
  spec::Resources r;
  r.devices = {allow('c', 1, 11, "r")};
  auto applied = m->apply(with_default_devices(r));
  INFO((applied ? std::string() : applied.error().message()));
  REQUIRE(applied);
  CHECK(opens_in(cg.dir, {{"/dev/null", O_RDWR}, {"/dev/zero", O_RDONLY}}) ==
        std::vector<Open>{Open::kOk, Open::kOk});

  // update with other rules replaces them; update without rules keeps them.
  r.devices = {kDenyAll, allow('c', 1, 3, "r")};
  REQUIRE(m->apply(r));
  spec::Resources none;
  REQUIRE(m->apply(none));
  CHECK(opens_in(cg.dir,
                 {{"/dev/null", O_RDONLY}, {"/dev/null", O_WRONLY}, {"/dev/zero", O_RDONLY}}) ==
        std::vector<Open>{Open::kOk, Open::kEperm, Open::kEperm});
  auto ids = attached_device_programs(cg.dir);
  REQUIRE(ids);
  CHECK(ids->size() == 1);

  // A bad rule changes nothing.
  r.devices = {allow('c', 4294967296, 1)};
  auto bad = m->apply(r);
  REQUIRE_FALSE(bad);
  CHECK(
      bad.error().message() ==
      "linux.resources.devices: device rule \"c 4294967296:1 rwm\": major 4294967296 out of range");
  REQUIRE(m->destroy());
  cg.dir.clear();  // gone
}
