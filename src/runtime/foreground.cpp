#include "src/runtime/foreground.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "src/runtime/base/fileio.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::runtime {

namespace {

// Exit status of the init if `p` is it (reaping adopted orphans on the way).
bool reap(pid_t init, int& rc) {
  for (;;) {
    int status = 0;
    pid_t p = ::waitpid(-1, &status, WNOHANG);
    if (p <= 0) return false;
    if (p != init) continue;
    rc = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    return true;
  }
}

void copy_winsize(int from, int to) {
  winsize ws{};
  if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

// Copies whatever is readable from `from` to `to`; false on EOF or error.
bool pump(int from, int to) {
  char buf[8192];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) return n < 0 && errno == EINTR;
  return write_all(to, std::string_view(buf, static_cast<size_t>(n)), "terminal").has_value();
}

}  // namespace

int wait_forwarding(pid_t init, const sigset_t& set) {
  for (;;) {
    siginfo_t si{};
    int sig = ::sigwaitinfo(&set, &si);
    if (sig < 0) continue;  // EINTR
    if (sig != SIGCHLD) {
      ::kill(init, sig);
      continue;
    }
    int rc = 0;
    if (reap(init, rc)) return rc;
  }
}

int relay_and_wait(pid_t init, int master, const sigset_t& set) {
  termios saved{};
  bool raw = ::isatty(0) && ::tcgetattr(0, &saved) == 0;
  if (raw) {
    termios t = saved;
    ::cfmakeraw(&t);
    ::tcsetattr(0, TCSANOW, &t);
    copy_winsize(0, master);
  }
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  bool stdin_open = true, master_open = true;
  int rc = 0;
  bool exited = false;
  while (!exited) {
    pollfd fds[3] = {{sfd.get(), POLLIN, 0}, {master_open ? master : -1, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) continue;
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) master_open = pump(master, 1);
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) stdin_open = pump(0, master);
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si{};
      if (::read(sfd.get(), &si, sizeof si) != sizeof si) continue;
      int sig = static_cast<int>(si.ssi_signo);
      if (sig == SIGCHLD) exited = reap(init, rc);
      else if (sig == SIGWINCH) copy_winsize(0, master);
      else ::kill(init, sig);
    }
  }
  // What the container wrote just before exiting.
  while (master_open) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 0) != 1) break;
    master_open = pump(master, 1);
  }
  if (raw) ::tcsetattr(0, TCSANOW, &saved);
  return rc;
}

}  // namespace berth::runtime
