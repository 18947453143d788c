#include "src/runtime/notify.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace berth::runtime {

namespace {

// sockaddr_un for a path, or an abstract name written "@name".
Result<std::pair<sockaddr_un, socklen_t>> unix_addr(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) return fail("invalid socket path " + quote(path));
  std::memcpy(a.sun_path, path.data(), path.size());
  if (path[0] == '@') a.sun_path[0] = '\0';
  return std::pair{a, static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size())};
}

}  // namespace

std::string host_notify_socket() {
  const char* s = std::getenv("NOTIFY_SOCKET");
  return s == nullptr ? "" : s;
}

Result<void> setup_notify(spec::Config& cfg, const ContainerDir& dir) {
  if (host_notify_socket().empty()) return {};
  if (::mkdirat(dir.fd(), kNotifyDir, 0755) != 0) return fail_errno("create " + quote(dir.path() + "/notify"));
  spec::Mount m;
  m.destination = "/run/notify";
  m.type = "bind";
  m.source = dir.path() + "/" + kNotifyDir;
  m.options = {"bind", "nosuid", "noexec", "nodev", "ro"};
  std::string err;
  for (const auto& o : m.options)
    if (!spec::classify_mount_option(o, "bind", m.parsed, err)) return fail("notify mount: " + err);
  cfg.mounts.push_back(std::move(m));
  auto& env = cfg.process->env;
  std::erase_if(env, [](const std::string& e) { return e.rfind("NOTIFY_SOCKET=", 0) == 0; });
  env.push_back(std::string("NOTIFY_SOCKET=") + kNotifyInContainer);
  return {};
}

Result<UniqueFd> bind_notify(const ContainerDir& dir) {
  struct stat st {};
  if (::fstatat(dir.fd(), kNotifyDir, &st, 0) != 0) return UniqueFd();
  std::string path = dir.path() + "/" + kNotifyDir + "/notify.sock";
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("notify socket");
  ::unlink(path.c_str());
  auto addr = unix_addr(path);
  if (!addr) return fail(std::move(addr).error());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr->first), addr->second) != 0)
    return fail_errno("bind notify socket " + quote(path));
  ::chmod(path.c_str(), 0777);
  return fd;
}

Result<void> forward_ready(int sock, const std::string& host, pid_t pid, int pidfd) {
  char buf[4096];
  for (;;) {
    pollfd fds[2] = {{sock, POLLIN, 0}, {pidfd, POLLIN, 0}};
    if (::poll(fds, pidfd >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return fail_errno("wait for the container's READY=1");
    }
    if ((fds[0].revents & POLLIN) == 0) return {};  // the program exited without READY=1
    ssize_t n = ::recv(sock, buf, sizeof buf, 0);
    if (n <= 0) continue;
    std::string msg(buf, static_cast<size_t>(n));
    bool ready = ("\n" + msg + "\n").find("\nREADY=1\n") != std::string::npos;
    if (!ready) continue;
    msg += "\nMAINPID=" + std::to_string(pid);
    UniqueFd out(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    auto addr = unix_addr(host);
    if (!out || !addr) return fail("NOTIFY_SOCKET " + quote(host) + ": cannot make a socket");
    if (::sendto(out.get(), msg.data(), msg.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr->first),
                 addr->second) < 0)
      return fail_errno("forward READY=1 to NOTIFY_SOCKET " + quote(host));
    return {};
  }
}

}  // namespace berth::runtime
