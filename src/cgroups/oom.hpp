// Out-of-memory notifications of a cgroup, for a single-threaded poll loop
// (`events`): poll fd() for POLLIN, then consume().
//
//   v1       an eventfd registered for memory.oom_control through
//            cgroup.event_control; the kernel signals it on each OOM in the
//            cgroup, and once more when the cgroup is removed (runc's
//            notify_linux.go).
//   cgroup2  inotify IN_MODIFY on memory.events, whose "oom_kill" counter
//            is compared with the last value seen (runc's notify_v2_linux.go
//            reports any modification once the counter is non-zero).
//            The kernel rate-limits these notifications, so a caller about
//            to stop should consume() once more: the counter is exact.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "src/runtime/base/result.hpp"

namespace berth::cgroups {

class OomWatch {
 public:
  virtual ~OomWatch() = default;

  struct Seen {
    uint64_t ooms = 0;  // OOM events since the last consume(); 0: a wake-up without one
    bool gone = false;  // the cgroup was removed: nothing more will come
  };

  // Readable (POLLIN) when consume() may have something to report.
  virtual int fd() const = 0;
  // Never blocks; drains the fd.
  virtual Result<Seen> consume() = 0;
};

// `dir`: the cgroup's directory in the v1 memory hierarchy.
Result<std::unique_ptr<OomWatch>> watch_oom_v1(const std::string& dir);
// `dir`: the cgroup2 directory (memory.events must exist).
Result<std::unique_ptr<OomWatch>> watch_oom_v2(const std::string& dir);

}  // namespace berth::cgroups
