// The `events` loop: one poll(2) over a timerfd (the stats interval), the
// cgroup's OOM watch and a pidfd of the container's init.  No threads
// (STYLE.md), where runc uses a goroutine per source.
#include "src/runtime/events.hpp"

#include <poll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

#include "src/runtime/base/error.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/container.hpp"

namespace berth::runtime {

namespace {

Result<void> print(const std::string& line) {
  return write_all(1, line, "stdout");
}

Result<void> print_stats(const cgroups::Manager& cg, const std::string& id) {
  auto s = cg.stats();
  if (!s) return fail(std::move(s).error());
  return print(event_line("stats", id, stats_json(*s)));
}

Result<UniqueFd> interval_timer(std::chrono::nanoseconds every) {
  UniqueFd fd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!fd) return fail_errno("timerfd_create");
  itimerspec its{};
  its.it_interval.tv_sec = static_cast<time_t>(every.count() / 1000000000);
  its.it_interval.tv_nsec = static_cast<long>(every.count() % 1000000000);
  its.it_value = its.it_interval;
  if (::timerfd_settime(fd.get(), 0, &its, nullptr) != 0) return fail_errno("timerfd_settime");
  return fd;
}

// The container as the loop needs it, read under the state lock, which is
// released before streaming: kill and delete must not wait for `events`.
struct Watched {
  std::unique_ptr<cgroups::Manager> cgroup;
  UniqueFd init;  // pidfd; readable once the init has exited
};

Result<Watched> open_watched(Context& ctx, const std::string& id) {
  auto dir = ContainerDir::open(ctx.global.root, id, LockMode::kShared);
  if (!dir) return fail(std::move(dir).error());
  auto st = dir->read_state();
  if (!st) return fail(std::move(st).error());
  // runc refuses a stopped container, for --stats too.
  if (container_status(*dir, *st) == Status::kStopped)
    return fail("container " + quote(id) + " is not running");
  Watched w{container_cgroup(*st), open_init_pidfd(*st)};
  if (!w.cgroup)
    return fail("container " + quote(id) +
                " has no cgroup (--cgroup-manager disabled, or rootless without one)");
  if (!w.init) return fail("container " + quote(id) + " is not running");
  return w;
}

class Loop {
 public:
  Loop(Context& ctx, const std::string& id, Watched w, UniqueFd timer,
       std::unique_ptr<cgroups::OomWatch> oom)
      : ctx_(ctx), id_(id), w_(std::move(w)), timer_(std::move(timer)), oom_(std::move(oom)) {}

  Result<void> run() {
    for (;;) {
      pollfd p[3] = {{timer_.get(), POLLIN, 0}, {w_.init.get(), POLLIN, 0}, {-1, POLLIN, 0}};
      if (oom_) p[2].fd = oom_->fd();
      if (::poll(p, 3, -1) < 0) {
        if (errno == EINTR) continue;
        return fail_errno("poll");
      }
      // OOM first: an OOM-killed init makes its pidfd readable too, and its
      // event belongs before the end of the stream.
      if (p[2].revents != 0 || p[1].revents != 0) {
        auto gone = check_oom();
        if (!gone) return fail(std::move(gone).error());
        if (*gone) return {};
      }
      if (p[1].revents != 0) return {};  // the container stopped
      if (p[0].revents != 0) BERTH_TRY(tick());
    }
  }

 private:
  // Reports OOM events; true when the cgroup is gone.
  Result<bool> check_oom() {
    if (!oom_) return false;
    auto seen = oom_->consume();
    if (!seen) return fail(std::move(seen).error());
    if (seen->ooms > 0) BERTH_TRY(print(event_line("oom", id_)));
    return seen->gone;
  }

  Result<void> tick() {
    uint64_t expirations = 0;
    // Missed ticks collapse into one event, as with Go's time.Tick.
    if (::read(timer_.get(), &expirations, sizeof expirations) < 0 && errno != EAGAIN)
      return fail_errno("read timerfd");
    auto s = w_.cgroup->stats();
    if (!s) {
      ctx_.log.report(std::move(s).error().context("events " + quote(id_) + ": stats"));
      return {};
    }
    return print(event_line("stats", id_, stats_json(*s)));
  }

  Context& ctx_;
  const std::string& id_;
  Watched w_;
  UniqueFd timer_;
  std::unique_ptr<cgroups::OomWatch> oom_;
};

}  // namespace

Result<void> container_events(Context& ctx, const EventsOptions& opt) {
  auto w = open_watched(ctx, opt.id);
  if (!w) return fail(std::move(w).error());
  if (opt.stats_only) return print_stats(*w->cgroup, opt.id);
  auto timer = interval_timer(opt.interval);
  if (!timer) return fail(std::move(timer).error());
  // Without a memory cgroup there are no OOM events to wait for, but the
  // stats still are (runc gives up instead).
  std::unique_ptr<cgroups::OomWatch> oom;
  if (auto o = w->cgroup->watch_oom())
    oom = std::move(*o);
  else
    ctx.log.warn("events " + quote(opt.id) + ": no OOM events: " + o.error().message());
  Loop loop(ctx, opt.id, std::move(*w), std::move(*timer), std::move(oom));
  return loop.run();
}

}  // namespace berth::runtime
