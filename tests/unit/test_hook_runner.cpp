// The hook runner: real processes (/bin/sh, /bin/sleep) in a temp dir.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "fixture_util.hpp"
#include "src/runtime/hooks.hpp"

using namespace berth;
using berth::test::TempDir;
using namespace berth::runtime;

namespace {

spec::Hook sh_hook(const std::string& script) {
  spec::Hook h;
  h.path = "/bin/sh";
  h.args = {"sh", "-c", script};
  return h;
}

std::string error_of(const Result<void>& r) { return r ? "no error" : r.error().message(); }

bool exists(const std::string& p) { return std::filesystem::exists(p); }

}  // namespace

TEST_CASE("hook gets the state on stdin and exactly its args and env", "[hook-runner]") {
  TempDir t;
  const std::string d = t.path();
  spec::Hook h;
  h.path = "/bin/sh";
  // /proc/$$/cmdline and environ show what execve received, untouched by
  // the shell's own variables.
  h.args = {"my-hook", "-c",
            "/bin/cat /proc/$$/cmdline > " + d + "/argv; /bin/cat /proc/$$/environ > " + d +
                "/env; /bin/cat > " + d + "/state",
            "extra arg"};
  h.env = {"A=1", "B=two words"};
  const std::string state = R"({"ociVersion":"1.2.1","id":"c1","status":"creating","pid":42})";
  REQUIRE(error_of(run_hook(h, "createRuntime", 0, state)) == "no error");
  CHECK(test::slurp(d + "/state") == state);
  std::string argv;
  for (const auto& a : h.args) argv += a + '\0';
  CHECK(test::slurp(d + "/argv") == argv);
  CHECK(test::slurp(d + "/env") == std::string("A=1\0B=two words\0", 16));
}

TEST_CASE("hook without args gets its path as argv[0] and an empty env", "[hook-runner]") {
  TempDir t;
  spec::Hook h;
  h.path = "/bin/sh";
  // With no arguments sh runs its stdin: the "state" is the script here.
  const std::string script = "echo \"$0\" > " + t.path() + "/zero; env > " + t.path() + "/env\n";
  REQUIRE(error_of(run_hook(h, "prestart", 0, script)) == "no error");
  CHECK(test::slurp(t.path() + "/zero") == "/bin/sh\n");
  // dash exports only PWD (and OLDPWD) on its own: nothing came from the runtime.
  std::string env = test::slurp(t.path() + "/env");
  CHECK(env.find("PATH=") == std::string::npos);
  CHECK(env.find("HOME=") == std::string::npos);
}

TEST_CASE("hook failure names kind, index, path, status and first stderr line", "[hook-runner]") {
  std::vector<spec::Hook> hooks = {sh_hook("exit 0"),
                                   sh_hook("echo 'first line' >&2; echo second >&2; echo out; exit 3")};
  CHECK(error_of(run_hooks(hooks, "createRuntime", "{}")) ==
        "createRuntime hook #1 \"/bin/sh\": exited with status 3: first line");
  // stdout stands in when stderr is silent.
  CHECK(error_of(run_hook(sh_hook("echo 'only stdout'; exit 1"), "poststart", 2, "{}")) ==
        "poststart hook #2 \"/bin/sh\": exited with status 1: only stdout");
  CHECK(error_of(run_hook(sh_hook("exit 7"), "poststart", 0, "{}")) ==
        "poststart hook #0 \"/bin/sh\": exited with status 7");
  CHECK(error_of(run_hook(sh_hook("kill -9 $$"), "poststop", 0, "{}")) ==
        "poststop hook #0 \"/bin/sh\": killed by signal 9");
}

TEST_CASE("hook timeout kills the hook and reaps it", "[hook-runner]") {
  spec::Hook h;
  h.path = "/bin/sleep";
  h.args = {"sleep", "30"};
  h.timeout = 1;
  auto start = std::chrono::steady_clock::now();
  auto r = run_hook(h, "poststart", 0, "{}");
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(error_of(r) == "poststart hook #0 \"/bin/sleep\": timed out after 1 s");
  CHECK(elapsed >= std::chrono::milliseconds(900));
  CHECK(elapsed < std::chrono::seconds(3));
  // Reaped: no child is left behind.
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

TEST_CASE("a hook that does not read stdin does not kill the runtime with SIGPIPE",
          "[hook-runner]") {
  // Larger than any pipe buffer, so the write must hit EPIPE.
  const std::string state(4 << 20, 'x');
  spec::Hook h;
  h.path = "/bin/true";
  CHECK(error_of(run_hook(h, "createContainer", 0, state)) == "no error");
  CHECK(error_of(run_hook(sh_hook("exec 0<&-; exit 0"), "createContainer", 1, state)) == "no error");
  sigset_t pending, mask;
  ::sigpending(&pending);
  ::sigprocmask(SIG_BLOCK, nullptr, &mask);
  CHECK(::sigismember(&pending, SIGPIPE) == 0);
  CHECK(::sigismember(&mask, SIGPIPE) == 0);
}

TEST_CASE("a hook that cannot be executed fails clearly", "[hook-runner]") {
  TempDir t;
  spec::Hook missing;
  missing.path = "/nonexistent/hook";
  CHECK(error_of(run_hook(missing, "prestart", 0, "{}")) ==
        "prestart hook #0 \"/nonexistent/hook\": exec: no such file or directory");
  spec::Hook noexec;
  noexec.path = t.path() + "/noexec";
  std::ofstream(noexec.path) << "#!/bin/sh\n";
  ::chmod(noexec.path.c_str(), 0644);
  CHECK(error_of(run_hook(noexec, "prestart", 1, "{}")) ==
        "prestart hook #1 \"" + noexec.path + "\": exec: permission denied");
}

TEST_CASE("run_hooks stops at the first failure, run_hooks_all does not", "[hook-runner]") {
  TempDir t;
  const std::string a = t.path() + "/a", b = t.path() + "/b", c = t.path() + "/c";
  std::vector<spec::Hook> hooks = {sh_hook(": > " + a), sh_hook("exit 4"), sh_hook(": > " + b)};
  CHECK(error_of(run_hooks(hooks, "poststop", "{}")) == "poststop hook #1 \"/bin/sh\": exited with status 4");
  CHECK(exists(a));
  CHECK_FALSE(exists(b));

  std::vector<spec::Hook> all = {sh_hook("exit 4"), sh_hook(": > " + c), sh_hook("exit 5")};
  CHECK(error_of(run_hooks_all(all, "poststop", "{}")) == "poststop hook #0 \"/bin/sh\": exited with status 4");
  CHECK(exists(c));
  CHECK(error_of(run_hooks({}, "poststop", "{}")) == "no error");
}

TEST_CASE("a hook's background child holding stdout does not block the runtime", "[hook-runner]") {
  auto start = std::chrono::steady_clock::now();
  CHECK(error_of(run_hook(sh_hook("/bin/sleep 3 & exit 0"), "poststart", 0, "{}")) == "no error");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}
