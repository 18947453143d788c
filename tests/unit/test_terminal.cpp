// Pseudo-terminals on the host's /dev/ptmx and the --console-socket handoff.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "fixture_util.hpp"
#include <cstring>
#include <filesystem>
#include <functional>

#include "src/runtime/terminal.hpp"

using namespace berth;
using berth::test::TempDir;
using namespace berth::runtime;

namespace {

// Reads what arrives on fd within a second.
std::string read_some(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  if (::poll(&p, 1, 1000) != 1) return "<nothing>";
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "<read failed>";
}

bool same_device(int a, int b) {
  struct stat sa {}, sb {};
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_rdev == sb.st_rdev;
}

std::string in_child(const std::function<std::string()>& fn) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string r = fn();
    (void)!::write(fds[1], r.data(), r.size());
    ::_exit(0);
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
    return "child died, wait status " + std::to_string(status) + ": " + out;
  return out;
}

}  // namespace

TEST_CASE("open_pty opens an unlocked pair with the console size", "[terminal]") {
  auto pty = open_pty("/dev/ptmx", spec::ConsoleSize{24, 80});
  REQUIRE(pty);
  CHECK(pty->slave_path.rfind("/dev/pts/", 0) == 0);
  CHECK(::isatty(pty->slave.get()) == 1);
  CHECK((::fcntl(pty->master.get(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((::fcntl(pty->slave.get(), F_GETFD) & FD_CLOEXEC) != 0);
  struct winsize ws {};
  REQUIRE(::ioctl(pty->slave.get(), TIOCGWINSZ, &ws) == 0);
  CHECK(ws.ws_row == 24);
  CHECK(ws.ws_col == 80);
  // The name is the slave's: same device as the fd from TIOCGPTPEER.
  int by_name = ::open(pty->slave_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(by_name >= 0);
  CHECK(same_device(by_name, pty->slave.get()));
  ::close(by_name);
  // Data flows both ways.
  REQUIRE(::write(pty->slave.get(), "ping", 4) == 4);
  CHECK(read_some(pty->master.get()) == "ping");
  REQUIRE(::write(pty->master.get(), "pong\n", 5) == 5);
  CHECK(read_some(pty->slave.get()) == "pong\n");
}

TEST_CASE("open_pty without a size and with a bad path", "[terminal]") {
  auto pty = open_pty("/dev/ptmx", std::nullopt);
  REQUIRE(pty);
  CHECK(pty->master.valid());
  auto bad = open_pty("/nonexistent/ptmx", std::nullopt);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() == "open \"/nonexistent/ptmx\": no such file or directory");
}

TEST_CASE("send_fd passes the master fd and the name", "[terminal]") {
  TempDir t;
  const std::string sock_path = t.path() + "/console.sock";
  int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 1) == 0);

  auto pty = open_pty("/dev/ptmx", std::nullopt);
  REQUIRE(pty);
  // connect completes against the backlog, so one thread is enough.
  auto sent = send_fd(sock_path, pty->master.get(), pty->slave_path);
  REQUIRE(sent);
  int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(conn >= 0);

  char name[256] = {};
  struct iovec iov = {name, sizeof name - 1};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  REQUIRE(n > 0);
  CHECK(std::string(name, static_cast<size_t>(n)) == pty->slave_path);
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  REQUIRE(cmsg != nullptr);
  REQUIRE(cmsg->cmsg_type == SCM_RIGHTS);
  int received = -1;
  std::memcpy(&received, CMSG_DATA(cmsg), sizeof received);
  REQUIRE(received >= 0);
  // The received fd is the master: what the slave writes arrives there.
  REQUIRE(::write(pty->slave.get(), "hello", 5) == 5);
  CHECK(read_some(received) == "hello");
  ::close(received);
  ::close(conn);
  ::close(listener);
}

TEST_CASE("send_fd to a missing socket names it", "[terminal]") {
  TempDir t;
  auto pty = open_pty("/dev/ptmx", std::nullopt);
  REQUIRE(pty);
  auto r = send_fd(t.path() + "/none.sock", pty->master.get(), pty->slave_path);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "connect to console socket \"" + t.path() + "/none.sock\": no such file or directory");
}

TEST_CASE("make_controlling_terminal gives a new session the slave as stdio", "[terminal]") {
  CHECK(in_child([] {
          auto pty = open_pty("/dev/ptmx", std::nullopt);
          if (!pty) return pty.error().message();
          int slave = pty->slave.get();
          // Closing the master would hang up the terminal and SIGHUP this
          // child, its controlling process: keep it open until _exit.
          (void)pty->master.release();
          auto r = make_controlling_terminal(slave);
          if (!r) return r.error().message();
          if (::getsid(0) != ::getpid()) return std::string("not a session leader");
          if (::tcgetsid(0) != ::getpid()) return std::string("not the controlling terminal");
          for (int fd = 0; fd <= 2; ++fd) {
            if (!same_device(fd, slave)) return "fd " + std::to_string(fd) + " is not the slave";
            if ((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0) return "fd " + std::to_string(fd) + " is cloexec";
          }
          return std::string("ok");
        }) == "ok");
}
