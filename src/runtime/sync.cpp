#include "src/runtime/sync.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace berth::runtime {

std::string_view sync_type_name(SyncType t) {
  switch (t) {
    case SyncType::kIdMapRequest: return "id-map-request";
    case SyncType::kCgroupPlaced: return "cgroup-placed";
    case SyncType::kIdMapDone: return "id-map-done";
    case SyncType::kRunHooks: return "run-hooks";
    case SyncType::kHooksDone: return "hooks-done";
    case SyncType::kConsole: return "console";
    case SyncType::kReady: return "ready";
    case SyncType::kSeccompListener: return "seccomp-listener";
    case SyncType::kMountFds: return "mount-fds";
    case SyncType::kLog: return "log";
    case SyncType::kError: return "error";
  }
  return "unknown";
}

Result<std::pair<SyncSocket, SyncSocket>> SyncSocket::make_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_errno("socketpair for the sync socket");
  return std::pair<SyncSocket, SyncSocket>{SyncSocket(UniqueFd(sv[0])), SyncSocket(UniqueFd(sv[1]))};
}

Result<void> SyncSocket::send(SyncType type, std::string_view payload, int32_t errnum,
                              const std::vector<int>& fds) const {
  if (payload.size() > kSyncMaxFrame - kSyncHeader) payload = payload.substr(0, kSyncMaxFrame - kSyncHeader);
  if (fds.size() > kSyncMaxFds) return fail("sync: too many fds in one frame");
  uint32_t t = static_cast<uint32_t>(type);
  char header[kSyncHeader];
  std::memcpy(header, &t, 4);
  std::memcpy(header + 4, &errnum, 4);
  iovec iov[2] = {{header, sizeof header}, {const_cast<char*>(payload.data()), payload.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = payload.empty() ? 1 : 2;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kSyncMaxFds)];
  if (!fds.empty()) {
    msg.msg_control = cbuf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL) >= 0) return {};
    if (errno != EINTR) return fail_errno("sync: send " + std::string(sync_type_name(type)));
  }
}

Result<SyncFrame> SyncSocket::recv() const {
  std::string buf(kSyncMaxFrame, '\0');
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kSyncMaxFds)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  ssize_t n;
  do {
    n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fail_errno("sync: receive");
  SyncFrame f;
  // Take ownership of any fds first so nothing leaks on a malformed frame.
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      f.fds.emplace_back(fd);
    }
  }
  if (n == 0) return fail("sync: the other side closed the socket");
  if (static_cast<size_t>(n) < kSyncHeader) return fail("sync: short frame");
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return fail("sync: truncated frame");
  uint32_t t;
  std::memcpy(&t, buf.data(), 4);
  std::memcpy(&f.errnum, buf.data() + 4, 4);
  if (t < static_cast<uint32_t>(SyncType::kIdMapRequest) || t > static_cast<uint32_t>(SyncType::kError))
    return fail("sync: unknown frame type " + std::to_string(t));
  f.type = static_cast<SyncType>(t);
  f.payload.assign(buf.data() + kSyncHeader, static_cast<size_t>(n) - kSyncHeader);
  return f;
}

Result<SyncFrame> SyncSocket::expect(SyncType type, void (*on_log)(void*, int, std::string_view),
                                     void* log_ctx) const {
  for (;;) {
    auto f = recv();
    if (!f) return f;
    if (f->type == SyncType::kLog) {
      if (on_log != nullptr) on_log(log_ctx, f->errnum, f->payload);
      continue;
    }
    if (f->type == SyncType::kError) {
      if (type == SyncType::kError) return f;
      return fail(Error(std::move(f->payload), f->errnum));
    }
    if (f->type != type)
      return fail("sync: expected " + std::string(sync_type_name(type)) + ", got " +
                  std::string(sync_type_name(f->type)));
    return f;
  }
}

void SyncSocket::send_error(const Error& e) const {
  (void)send(SyncType::kError, e.what(), e.errnum());
}

}  // namespace berth::runtime
