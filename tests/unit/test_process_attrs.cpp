// Process attributes.  Anything that changes credentials, limits or
// capabilities runs in a forked child that reports back through a pipe, so
// the test process itself is never changed.
#include <fcntl.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "fixture_util.hpp"
#include "src/runtime/process_attrs.hpp"

using namespace berth;
using berth::test::TempDir;
using namespace berth::runtime;

namespace {

void make_file(const std::string& path, mode_t mode) {
  std::ofstream(path) << "#!/bin/sh\nexit 0\n";
  ::chmod(path.c_str(), mode);
}

// Runs `fn` in a forked child and returns what it reported: "ok", or a
// description of the first check that failed.
std::string in_child(const std::function<std::string()>& fn) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string r = fn();
    (void)!::write(fds[1], r.data(), r.size());
    ::_exit(0);  // no atexit handlers, no Catch2 teardown in the child
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return "child died, wait status " + std::to_string(status) + ", said: " + out;
  return out;
}

bool has_effective(cap_value_t cap) {
  cap_t c = cap_get_proc();
  cap_flag_value_t v = CAP_CLEAR;
  cap_get_flag(c, cap, CAP_EFFECTIVE, &v);
  cap_free(c);
  return v == CAP_SET;
}

// "CapEff" etc. from /proc/self/status, as a number.
unsigned long long status_caps(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1), nullptr, 16);
  }
  return ~0ULL;
}

std::string error_of(const Result<void>& r) { return r ? "no error" : r.error().message(); }

}  // namespace

TEST_CASE("find_executable searches PATH like execvp", "[process-attrs]") {
  TempDir t;
  const std::string bin1 = t.path() + "/bin1", bin2 = t.path() + "/bin2";
  std::filesystem::create_directories(bin1 + "/adir");
  std::filesystem::create_directories(bin2);
  make_file(bin1 + "/tool", 0755);
  make_file(bin2 + "/tool", 0644);  // earlier in PATH, not executable: skipped
  make_file(bin2 + "/plain", 0644);
  const std::vector<std::string> env = {"HOME=/", "PATH=" + bin2 + ":" + bin1};

  auto found = find_executable("tool", env);
  REQUIRE(found);
  CHECK(*found == bin1 + "/tool");

  auto plain = find_executable("plain", env);
  REQUIRE_FALSE(plain);
  CHECK(plain.error().message() == "exec \"plain\": executable file not found in $PATH");
  auto dir = find_executable("adir", env);
  REQUIRE_FALSE(dir);
  CHECK(dir.error().message() == "exec \"adir\": executable file not found in $PATH");
  auto nope = find_executable("nope", env);
  REQUIRE_FALSE(nope);
  CHECK(nope.error().message() == "exec \"nope\": executable file not found in $PATH");
}

TEST_CASE("find_executable uses a path with a slash as is", "[process-attrs]") {
  TempDir t;
  make_file(t.path() + "/tool", 0750);
  make_file(t.path() + "/plain", 0640);
  const std::vector<std::string> env = {"PATH=/nonexistent"};

  auto ok = find_executable(t.path() + "/tool", env);
  REQUIRE(ok);
  CHECK(*ok == t.path() + "/tool");

  auto missing = find_executable(t.path() + "/nope", env);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() == "exec \"" + t.path() + "/nope\": no such file or directory");
  CHECK(missing.error().errnum() == ENOENT);

  auto dir = find_executable(t.path(), env);
  REQUIRE_FALSE(dir);
  CHECK(dir.error().message() == "exec \"" + t.path() + "\": permission denied");

  auto plain = find_executable(t.path() + "/plain", env);
  REQUIRE_FALSE(plain);
  CHECK(plain.error().message() == "exec \"" + t.path() + "/plain\": permission denied");
  CHECK(plain.error().errnum() == EACCES);
}

TEST_CASE("find_executable PATH defaults and precedence", "[process-attrs]") {
  TempDir t;
  make_file(t.path() + "/tool", 0755);
  // No PATH at all: the default one, which has sh somewhere.
  auto sh = find_executable("sh", {"HOME=/"});
  REQUIRE(sh);
  CHECK(sh->front() == '/');
  CHECK(sh->substr(sh->size() - 3) == "/sh");
  // The last PATH entry wins, as in a process environment built in order.
  auto last = find_executable("tool", {"PATH=/nonexistent", "PATH=" + t.path()});
  REQUIRE(last);
  CHECK(*last == t.path() + "/tool");
  // A PATH that is set but empty searches nothing.
  auto empty = find_executable("sh", {"PATH="});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message() == "exec \"sh\": executable file not found in $PATH");
}

TEST_CASE("apply_rlimits sets and reports limits", "[process-attrs]") {
  CHECK(in_child([] {
          auto r = apply_rlimits({{RLIMIT_NOFILE, "RLIMIT_NOFILE", 128, 64}});
          if (!r) return r.error().message();
          struct rlimit lim {};
          ::getrlimit(RLIMIT_NOFILE, &lim);
          if (lim.rlim_cur != 64 || lim.rlim_max != 128)
            return "got " + std::to_string(lim.rlim_cur) + "/" + std::to_string(lim.rlim_max);
          return std::string("ok");
        }) == "ok");
  CHECK(in_child([] {
          return error_of(apply_rlimits({{RLIMIT_NOFILE, "RLIMIT_NOFILE", 512, 1024}}));
        }) == "setrlimit RLIMIT_NOFILE (soft 1024, hard 512): invalid argument");
  CHECK(in_child([] { return apply_rlimits({}) ? std::string("ok") : std::string("error"); }) == "ok");
}

TEST_CASE("apply_umask sets the given umask or runc's 0022", "[process-attrs]") {
  CHECK(in_child([] {
          apply_umask(027);
          return std::to_string(::umask(0));
        }) == std::to_string(027));
  CHECK(in_child([] {
          ::umask(0);
          apply_umask(std::nullopt);
          return std::to_string(::umask(0));
        }) == std::to_string(022));
}

TEST_CASE("apply_oom_score_adj writes /proc/self/oom_score_adj", "[process-attrs]") {
  // Raising the score never needs privileges.
  CHECK(in_child([] {
          auto r = apply_oom_score_adj(789);
          if (!r) return r.error().message();
          return berth::test::trim(berth::test::slurp("/proc/self/oom_score_adj"));
        }) == "789");
  CHECK(in_child([] {
          std::string before = berth::test::slurp("/proc/self/oom_score_adj");
          auto r = apply_oom_score_adj(std::nullopt);
          if (!r) return r.error().message();
          return std::string(berth::test::slurp("/proc/self/oom_score_adj") == before ? "ok" : "changed");
        }) == "ok");
}

TEST_CASE("apply_no_new_privs sets the flag only when asked", "[process-attrs]") {
  CHECK(in_child([] {
          auto r = apply_no_new_privs(false);
          if (!r) return r.error().message();
          if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0) return std::string("set without asking");
          r = apply_no_new_privs(true);
          if (!r) return r.error().message();
          return std::to_string(::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        }) == "1");
}

TEST_CASE("close_fds_from marks fds close-on-exec from the given one", "[process-attrs]") {
  CHECK(in_child([] {
          int a = ::open("/dev/null", O_RDONLY);
          int b = ::open("/dev/null", O_RDONLY);
          int c = ::open("/dev/null", O_RDONLY);
          if (!(a < b && b < c)) return std::string("fds out of order");
          auto r = close_fds_from(b);
          if (!r) return r.error().message();
          auto cloexec = [](int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; };
          if (cloexec(0) || cloexec(a)) return std::string("fd below first marked");
          if (!cloexec(b) || !cloexec(c)) return std::string("fd from first not marked");
          // Marked, not closed: they stay usable until execve.
          if (::fcntl(c, F_GETFD) < 0) return std::string("fd closed");
          return std::string("ok");
        }) == "ok");
}

TEST_CASE("apply_bounding_set drops what is not listed", "[process-attrs]") {
  CHECK(in_child([] {
          return error_of(apply_bounding_set(std::nullopt)) == "no error" &&
                         ::prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0) == 1
                     ? std::string("ok")
                     : std::string("changed without a capabilities object");
        }) == "ok");
  // Root with CAP_SETPCAP drops; anyone else gets the kernel's EPERM.
  const bool privileged = has_effective(CAP_SETPCAP);
  std::string r = in_child([] {
    spec::Capabilities caps;
    caps.bounding = std::vector<int>{CAP_CHOWN, CAP_KILL};
    auto res = apply_bounding_set(caps);
    if (!res) return res.error().message();
    if (::prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0) != 0) return std::string("NET_ADMIN kept");
    if (::prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) != 1) return std::string("KILL dropped");
    if (::prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0) != 1) return std::string("CHOWN dropped");
    return std::string("ok");
  });
  if (privileged) {
    CHECK(r == "ok");
  } else {
    CHECK(r.find("from the bounding set: operation not permitted") != std::string::npos);
  }
}

TEST_CASE("apply_user refuses additional gids when setgroups is denied", "[process-attrs]") {
  CHECK(in_child([] {
          spec::User u;
          u.uid = ::getuid();
          u.gid = ::getgid();
          u.additional_gids = {10, 20};
          return error_of(apply_user(u, false));
        }) ==
        "setgroups [10, 20]: additional gids cannot be set, setgroups is denied in this user namespace");
}

TEST_CASE("apply_user keeps permitted caps for apply_capabilities", "[process-attrs]") {
  const bool privileged = ::geteuid() == 0 && has_effective(CAP_SETUID) && has_effective(CAP_SETPCAP);
  std::string r = in_child([] {
    spec::Capabilities caps;
    caps.bounding = std::vector<int>{CAP_NET_BIND_SERVICE, CAP_KILL};
    caps.permitted = std::vector<int>{CAP_NET_BIND_SERVICE, CAP_KILL};
    caps.effective = std::vector<int>{CAP_NET_BIND_SERVICE};
    caps.inheritable = std::vector<int>{CAP_NET_BIND_SERVICE};
    caps.ambient = std::vector<int>{CAP_NET_BIND_SERVICE};
    spec::User u;
    u.uid = 1000;
    u.gid = 1001;
    u.additional_gids = {2000, 2001};
    auto res = apply_bounding_set(caps);
    if (res) res = apply_user(u, true);
    if (res) res = apply_capabilities(caps);
    if (!res) return res.error().message();
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    ::getresuid(&ru, &eu, &su);
    ::getresgid(&rg, &eg, &sg);
    if (ru != 1000 || eu != 1000 || su != 1000) return std::string("uids not 1000");
    if (rg != 1001 || eg != 1001 || sg != 1001) return std::string("gids not 1001");
    gid_t groups[8];
    int n = ::getgroups(8, groups);
    if (n != 2 || groups[0] != 2000 || groups[1] != 2001) return std::string("wrong groups");
    const unsigned long long bind = 1ULL << CAP_NET_BIND_SERVICE, kill = 1ULL << CAP_KILL;
    if (status_caps("CapPrm") != (bind | kill)) return std::string("wrong permitted");
    if (status_caps("CapEff") != bind) return std::string("wrong effective");
    if (status_caps("CapInh") != bind) return std::string("wrong inheritable");
    if (status_caps("CapAmb") != bind) return std::string("wrong ambient");
    if (status_caps("CapBnd") != (bind | kill)) return std::string("wrong bounding");
    if (::prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0) return std::string("keepcaps left set");
    return std::string("ok");
  });
  if (privileged) {
    CHECK(r == "ok");
  } else {
    CHECK(r.find("operation not permitted") != std::string::npos);
  }
}

TEST_CASE("apply_capabilities: absent sets are empty, no object is a no-op", "[process-attrs]") {
  CHECK(in_child([] {
          unsigned long long eff = status_caps("CapEff");
          auto r = apply_capabilities(std::nullopt);
          if (!r) return r.error().message();
          return std::string(status_caps("CapEff") == eff ? "ok" : "changed");
        }) == "ok");
  CHECK(in_child([] {
          auto r = apply_capabilities(spec::Capabilities{});
          if (!r) return r.error().message();
          if (status_caps("CapEff") != 0 || status_caps("CapPrm") != 0 || status_caps("CapInh") != 0 ||
              status_caps("CapAmb") != 0)
            return std::string("sets not empty");
          return std::string("ok");
        }) == "ok");
}

TEST_CASE("apply_capabilities skips an ambient cap that is not inheritable, as runc does", "[process-attrs]") {
  // `runc spec` lists ambient capabilities without inheritable ones; the
  // kernel refuses to raise those and runc 1.1 goes on without them.
  const bool privileged = has_effective(CAP_NET_BIND_SERVICE) && has_effective(CAP_SETPCAP);
  auto ambient_after = [](bool inheritable) {
    return in_child([inheritable] {
      spec::Capabilities caps;
      caps.permitted = std::vector<int>{CAP_NET_BIND_SERVICE};
      if (inheritable) caps.inheritable = std::vector<int>{CAP_NET_BIND_SERVICE};
      caps.ambient = std::vector<int>{CAP_NET_BIND_SERVICE};
      auto r = apply_capabilities(caps);
      if (!r) return r.error().message();
      return std::to_string(status_caps("CapAmb"));
    });
  };
  if (privileged) {
    CHECK(ambient_after(false) == "0");
    CHECK(ambient_after(true) == std::to_string(1ULL << CAP_NET_BIND_SERVICE));
  } else {
    // Without the capability, capset refuses to make it permitted first.
    CHECK(ambient_after(false) == "set process capabilities: operation not permitted");
  }
}

TEST_CASE("LSM labels: empty is a no-op, absent LSM is a clear error", "[process-attrs]") {
  CHECK(in_child([] { return error_of(apply_apparmor("")) + "|" + error_of(apply_selinux_label("")); }) ==
        "no error|no error");
  const bool apparmor = berth::test::slurp("/sys/module/apparmor/parameters/enabled").rfind('Y', 0) == 0;
  std::string aa = in_child([] { return error_of(apply_apparmor("berth-test-no-such-profile")); });
  if (apparmor) {
    // Enabled, but the profile is not loaded: the kernel refuses it.
    CHECK(aa.rfind("apply apparmor profile \"berth-test-no-such-profile\": write ", 0) == 0);
  } else {
    CHECK(aa == "apparmor profile \"berth-test-no-such-profile\" requested but AppArmor is not "
                "enabled on this host");
  }
  const bool selinux = ::access("/sys/fs/selinux/enforce", F_OK) == 0;
  std::string se = in_child([] { return error_of(apply_selinux_label("berth:invalid:label")); });
  if (selinux) {
    CHECK(se.rfind("apply selinux label \"berth:invalid:label\": write ", 0) == 0);
  } else {
    CHECK(se == "selinux label \"berth:invalid:label\" requested but SELinux is not enabled on this host");
  }
}

TEST_CASE("passwd_home finds the home directory of a uid") {
  const std::string passwd =
      "root:x:0:0:root:/root:/bin/sh\n"
      "# a comment line\n"
      "short:x:7\n"
      "app:x:1000:1000:App User,,,:/srv/app:/bin/sh\n"
      "nohome:x:1001:1001::\n"
      "last:x:65534:65534:nobody:/nonexistent";  // no final newline
  CHECK(passwd_home(passwd, 0) == "/root");
  CHECK(passwd_home(passwd, 1000) == "/srv/app");
  CHECK(passwd_home(passwd, 1001).empty());
  CHECK(passwd_home(passwd, 65534) == "/nonexistent");
  CHECK(passwd_home(passwd, 7).empty());
  CHECK(passwd_home(passwd, 4242).empty());
  CHECK(passwd_home("", 0).empty());
}

TEST_CASE("with_home keeps HOME and adds it when missing, as runc does") {
  using V = std::vector<std::string>;
  CHECK(with_home(V{"PATH=/bin", "HOME=/x"}, 0) == V{"PATH=/bin", "HOME=/x"});
  // A uid this host's /etc/passwd does not know: "/".
  CHECK(with_home(V{"PATH=/bin"}, 4000000001u) == V{"PATH=/bin", "HOME=/"});
  auto env = with_home(V{}, 0);
  REQUIRE(env.size() == 1);
  CHECK(env[0].rfind("HOME=/", 0) == 0);
}
