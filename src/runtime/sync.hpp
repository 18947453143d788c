// The parent/child protocol of container creation.
//
// One SOCK_SEQPACKET socketpair carries typed frames; each frame is one
// datagram (the kernel keeps boundaries), optionally with file descriptors
// attached (SCM_RIGHTS).  Either side calls expect(type) for the step it is
// at; anything else is a protocol error, except two frames that may arrive
// at any time from the child: kLog (re-emitted by the parent's logger) and
// kError (the child failed; the frame carries errno and message).
//
//   parent (berth create)                 child (container init)
//   ---------------------                 ----------------------
//   clone3(namespaces) ------------------> starts, blocks on expect()
//   cgroup.procs       kCgroupPlaced -->   (only without CLONE_INTO_CGROUP)
//                      <-- kIdMapRequest   (only with a new user namespace)
//   write uid_map, gid_map
//                          kIdMapDone -->
//   id-mapped mount trees  kMountFds + fds --> (only with id-mapped mounts;
//                                          payload: their mounts[] indices)
//                                          mounts, devices (pre-pivot)
//                      <-- kRunHooks       (createRuntime point)
//   prestart + createRuntime hooks
//                          kHooksDone -->  (hook states: creating\0created)
//                                          createContainer hooks, pivot_root,
//                                          sysctl, masks, hostname, rlimits,
//                                          user, caps, seccomp, exec lookup
//                      <-- kConsole + fd   (only when process.terminal)
//                      <-- kSeccompListener + fd (only with SCMP_ACT_NOTIFY)
//                      <-- kReady
//   state.json, pid file; create returns   blocks on the exec fifo; execve
//
// A child failure at any point sends kError and exits; the parent reports
// it as the create error and rolls back (kills the child, removes state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/runtime/base/result.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::runtime {

enum class SyncType : uint32_t {
  kIdMapRequest = 1,
  kCgroupPlaced,
  kIdMapDone,
  kRunHooks,
  kHooksDone,
  kConsole,
  kReady,
  kSeccompListener,
  kMountFds,
  kLog,
  kError,
};

std::string_view sync_type_name(SyncType t);

struct SyncFrame {
  SyncType type = SyncType::kError;
  int32_t errnum = 0;    // kError: the child's errno, kLog: the LogLevel
  std::string payload;   // kError/kLog: the message
  std::vector<UniqueFd> fds;
};

class SyncSocket {
 public:
  SyncSocket() = default;
  explicit SyncSocket(UniqueFd fd) : fd_(std::move(fd)) {}

  // A connected SOCK_SEQPACKET pair, both ends close-on-exec.
  static Result<std::pair<SyncSocket, SyncSocket>> make_pair();

  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

  Result<void> send(SyncType type, std::string_view payload = {}, int32_t errnum = 0,
                    const std::vector<int>& fds = {}) const;
  // Next frame, whatever its type.  EOF (peer closed) is an error "... closed".
  Result<SyncFrame> recv() const;
  // Next frame of `type`.  kError frames become the Error they carry; kLog
  // frames are passed to `on_log` (if set) and skipped.
  Result<SyncFrame> expect(SyncType type, void (*on_log)(void*, int, std::string_view) = nullptr,
                           void* log_ctx = nullptr) const;

  // Child side: report a failure (best effort; the child exits next).
  void send_error(const Error& e) const;

 private:
  UniqueFd fd_;
};

// Frame layout on the wire (host byte order; both ends are the same binary):
//   uint32 type | int32 errnum | payload bytes...
inline constexpr size_t kSyncHeader = 8;
inline constexpr size_t kSyncMaxFrame = 64 * 1024;
inline constexpr size_t kSyncMaxFds = 8;

}  // namespace berth::runtime
