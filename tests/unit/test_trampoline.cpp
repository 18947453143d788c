// The exec trampoline (CVE-2019-5736): a sealed memfd that execs the
// program, and FinalExec's fallback when it cannot run.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "src/runtime/trampoline.hpp"

using namespace berth;
using namespace berth::runtime;

namespace {

struct Outcome {
  int status = -1;
  std::string out, err;
};

// Runs FinalExec(path, args, {}, trampoline fd or -1) in a child; collects
// its stdout, stderr and exit status.
Outcome final_exec(const std::string& path, std::vector<std::string> args, int trampoline) {
  int out[2], err[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  FinalExec fe(path, std::move(args), {"PATH=/usr/bin:/bin"}, trampoline);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    fe.exec();
  }
  ::close(out[1]);
  ::close(err[1]);
  Outcome o;
  char buf[512];
  for (auto [fd, s] : {std::pair{out[0], &o.out}, std::pair{err[0], &o.err}}) {
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) s->append(buf, static_cast<size_t>(n));
    ::close(fd);
  }
  ::waitpid(pid, &o.status, 0);
  return o;
}

}  // namespace

TEST_CASE("exec trampoline memfd: sealed, above the preserved fds", "[trampoline]") {
  auto t = open_exec_trampoline(spec::Process{}, 40);
  REQUIRE(t);
  CHECK(t->get() >= 40);
  int seals = ::fcntl(t->get(), F_GET_SEALS);
  CHECK((seals & F_SEAL_WRITE) != 0);
  CHECK((seals & F_SEAL_SEAL) != 0);
  CHECK(::write(t->get(), "x", 1) < 0);
  spec::Process confined;
  confined.apparmor_profile = "docker-default";
  auto none = open_exec_trampoline(confined, 3);
  REQUIRE(none);
  CHECK_FALSE(none->valid());
  CHECK((::fcntl(t->get(), F_GETFD) & FD_CLOEXEC) != 0);
  // What a container process could do with /proc/<pid>/exe: reopen it for
  // writing.  The open may succeed; no write gets through the seal.
  std::string self = "/proc/self/fd/" + std::to_string(t->get());
  int w = ::open(self.c_str(), O_WRONLY);
  if (w >= 0) {
    CHECK(::write(w, "x", 1) < 0);
    CHECK(::ftruncate(w, 0) != 0);
    ::close(w);
  }
}

TEST_CASE("FinalExec runs the program through the trampoline", "[trampoline]") {
  auto t = open_exec_trampoline(spec::Process{}, 3);
  REQUIRE(t);
  auto ok = final_exec("/bin/sh", {"sh", "-c", "echo \"$0\" ok"}, t->get());
  CHECK(WIFEXITED(ok.status));
  CHECK(WEXITSTATUS(ok.status) == 0);
  CHECK(ok.out == "sh ok\n");  // argv[0] is the program's, not the trampoline's

  // A missing program: the trampoline reports it (its own lowercase words)
  // with the shell's 127; a program that cannot run gets 126.
  auto missing = final_exec("/nonexistent/prog", {"prog"}, t->get());
  CHECK(WEXITSTATUS(missing.status) == 127);
  CHECK(missing.err == "berth: exec \"/nonexistent/prog\": no such file or directory\n");
  auto dir = final_exec("/", {"x"}, t->get());
  CHECK(WEXITSTATUS(dir.status) == 126);
  CHECK(dir.err == "berth: exec \"/\": permission denied\n");
}

TEST_CASE("FinalExec without a trampoline, or with one that cannot run", "[trampoline]") {
  auto direct = final_exec("/bin/sh", {"sh", "-c", "echo direct"}, -1);
  CHECK(WEXITSTATUS(direct.status) == 0);
  CHECK(direct.out == "direct\n");
  // An fd that is not executable (execveat fails): the direct exec follows.
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto fallback = final_exec("/bin/sh", {"sh", "-c", "echo fallback"}, fd);
  ::close(fd);
  CHECK(WEXITSTATUS(fallback.status) == 0);
  CHECK(fallback.out == "fallback\n");
  auto missing = final_exec("/nonexistent/prog", {"prog"}, -1);
  CHECK(WEXITSTATUS(missing.status) == 127);
  CHECK(missing.err == "berth: exec \"/nonexistent/prog\": No such file or directory\n");
}

TEST_CASE("binary_exposed: CAP_SYS_PTRACE kept and no user namespace", "[trampoline]") {
  spec::Config cfg;
  cfg.process.emplace();
  CHECK_FALSE(binary_exposed(cfg, nullptr));
  cfg.process->capabilities.emplace().bounding = std::vector<int>{0, 19};  // CAP_CHOWN, CAP_SYS_PTRACE
  CHECK(binary_exposed(cfg, nullptr));
  spec::Process exec_proc;
  exec_proc.capabilities.emplace().bounding = std::vector<int>{19};
  cfg.process->capabilities->bounding = std::vector<int>{0};
  CHECK_FALSE(binary_exposed(cfg, nullptr));
  CHECK(binary_exposed(cfg, &exec_proc));  // exec --cap CAP_SYS_PTRACE
  cfg.linux.emplace().namespaces.push_back({spec::NamespaceType::kUser, ""});
  CHECK_FALSE(binary_exposed(cfg, &exec_proc));  // its capabilities are not the host's
}
