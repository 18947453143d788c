// NOTIFY_SOCKET (sd_notify) through a container, as runc does it.
//
// systemd or Podman (--sdnotify=container) give the runtime NOTIFY_SOCKET.
// The container cannot reach the host's socket, so berth proxies:
//   create  makes <state>/notify, bind-mounts it read-only at /run/notify in
//           the container and sets NOTIFY_SOCKET=/run/notify/notify.sock in
//           the process environment (in the launched copy of the config);
//   start   binds that datagram socket before releasing the program, then
//           waits for READY=1 and forwards it, with MAINPID=<host pid>, to
//           the host's NOTIFY_SOCKET.  If the program exits first, start
//           stops waiting.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "spec/config.hpp"
#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"
#include "src/runtime/state.hpp"

namespace berth::runtime {

inline constexpr const char* kNotifyDir = "notify";
inline constexpr const char* kNotifyInContainer = "/run/notify/notify.sock";

// The caller's NOTIFY_SOCKET, empty when unset.
std::string host_notify_socket();

Result<void> setup_notify(spec::Config& cfg, const ContainerDir& dir);

// Binds <state>/notify/notify.sock (mode 0777: the container's user may be
// anyone).  Empty fd when the container was created without a notify dir.
Result<UniqueFd> bind_notify(const ContainerDir& dir);

// Waits for READY=1 on `sock` (or for `pidfd` to turn readable: the program
// exited) and forwards the message to `host` with MAINPID appended.
Result<void> forward_ready(int sock, const std::string& host, pid_t pid, int pidfd);

}  // namespace berth::runtime
