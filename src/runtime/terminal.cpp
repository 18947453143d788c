#include "src/runtime/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/runtime/base/log.hpp"

namespace berth::runtime {

namespace {

// The slave of `master`.  TIOCGPTPEER (Linux 4.13) opens it from the master
// itself, so a process inside the container cannot swap /dev/pts/N for
// something else between ptsname and open (the reason the ioctl exists).
// Older kernels fall back to the path.
Result<UniqueFd> open_slave(int master, const std::string& path) {
  UniqueFd slave(::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (slave) return slave;
  if (errno != EINVAL && errno != ENOTTY) return fail_errno("open pty peer of " + quote(path));
  slave.reset(::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return fail_errno("open " + quote(path));
  return slave;
}

}  // namespace

Result<Pty> open_pty(const std::string& ptmx_path, const std::optional<spec::ConsoleSize>& size) {
  // O_NOCTTY: the runtime itself must not acquire the container's terminal.
  UniqueFd master(::open(ptmx_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return fail_errno("open " + quote(ptmx_path));
  int unlock = 0;
  if (::ioctl(master.get(), TIOCSPTLCK, &unlock) != 0)
    return fail_errno("unlock pty " + quote(ptmx_path));
  unsigned number = 0;
  if (::ioctl(master.get(), TIOCGPTN, &number) != 0)
    return fail_errno("get pty number from " + quote(ptmx_path));
  // What ptsname(3) would say; the name is only informational for the
  // console socket peer, the slave is opened through the master.
  std::string slave_path = "/dev/pts/" + std::to_string(number);
  auto slave = open_slave(master.get(), slave_path);
  if (!slave) return fail(std::move(slave).error());
  if (size && size->height > 0 && size->width > 0) {
    struct winsize ws {};
    ws.ws_row = static_cast<unsigned short>(size->height);
    ws.ws_col = static_cast<unsigned short>(size->width);
    if (::ioctl(master.get(), TIOCSWINSZ, &ws) != 0)
      return fail_errno("set console size " + std::to_string(size->width) + "x" +
                        std::to_string(size->height));
  }
  return Pty{std::move(master), std::move(*slave), std::move(slave_path)};
}

Result<void> make_controlling_terminal(int slave_fd) {
  // TIOCSCTTY needs a session leader without a controlling terminal.
  // setsid fails (EPERM) for a process that already leads its session, so
  // it is only called when needed.
  if (::getsid(0) != ::getpid() && ::setsid() < 0) return fail_errno("setsid");
  if (::ioctl(slave_fd, TIOCSCTTY, 0) != 0) return fail_errno("set controlling terminal");
  for (int target = 0; target <= 2; ++target) {
    if (slave_fd == target) {
      // dup2 onto itself is a no-op that would keep O_CLOEXEC.
      if (::fcntl(target, F_SETFD, 0) != 0) return fail_errno("clear close-on-exec on fd 0-2");
      continue;
    }
    if (::dup2(slave_fd, target) < 0)
      return fail_errno("dup terminal onto fd " + std::to_string(target));
  }
  return {};
}

Result<void> send_fd(const std::string& socket_path, int master, const std::string& name) {
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path)
    return fail("connect to console socket " + quote(socket_path), ENAMETOOLONG);
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return fail_errno("create console socket");
  int r;
  do {
    r = ::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (r < 0 && errno == EINTR);
  if (r != 0) return fail_errno("connect to console socket " + quote(socket_path));

  // SCM_RIGHTS needs at least one byte of data on a stream socket; the name
  // is that data (never empty in practice, a NUL stands in if it is).
  std::string data = name.empty() ? std::string(1, '\0') : name;
  struct iovec iov {};
  iov.iov_base = data.data();
  iov.iov_len = data.size();
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &master, sizeof master);
  ssize_t n;
  do {
    n = ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fail_errno("send console to " + quote(socket_path));
  if (static_cast<size_t>(n) != data.size())
    return fail("send console to " + quote(socket_path) + ": short write");
  return {};
}

}  // namespace berth::runtime
