#include "src/cgroups/oom.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

#include "src/cgroups/fs_common.hpp"
#include "src/cgroups/stats.hpp"
#include "src/runtime/base/error.hpp"
#include "src/runtime/base/unique_fd.hpp"

namespace berth::cgroups {

namespace {

class EventfdOomWatch final : public OomWatch {
 public:
  EventfdOomWatch(std::string dir, UniqueFd event, UniqueFd control)
      : dir_(std::move(dir)), event_(std::move(event)), control_(std::move(control)) {}

  int fd() const override { return event_.get(); }

  Result<Seen> consume() override {
    Seen seen;
    uint64_t count = 0;
    ssize_t n;
    while ((n = ::read(event_.get(), &count, sizeof count)) < 0 && errno == EINTR) {
    }
    if (n < 0) {
      if (errno == EAGAIN) return seen;
      return fail_errno("read OOM eventfd of cgroup " + quote(dir_));
    }
    // rmdir of the cgroup signals every registered eventfd too; only the
    // cgroup's files being gone tells the two apart.
    if (!fs::exists_in(dir_, "cgroup.event_control")) {
      seen.gone = true;
      return seen;
    }
    seen.ooms = count;
    return seen;
  }

 private:
  std::string dir_;
  UniqueFd event_;
  UniqueFd control_;  // memory.oom_control, open for as long as the registration
};

// memory.events "oom_kill", or nullopt when the cgroup is gone.
Result<std::optional<uint64_t>> oom_kills(const std::string& dir) {
  auto text = fs::read_in(dir, "memory.events");
  if (!text) {
    if (text.error().errnum() == ENOENT || text.error().errnum() == ENODEV)
      return std::optional<uint64_t>();
    return fail(std::move(text).error());
  }
  auto kv = parse_key_values(*text);
  if (!kv) return fail(std::move(kv).error().context("read \"memory.events\" in " + quote(dir)));
  auto it = kv->find("oom_kill");
  return std::optional<uint64_t>(it == kv->end() ? 0 : it->second);
}

class InotifyOomWatch final : public OomWatch {
 public:
  InotifyOomWatch(std::string dir, UniqueFd inotify, uint64_t seen)
      : dir_(std::move(dir)), inotify_(std::move(inotify)), last_(seen) {}

  int fd() const override { return inotify_.get(); }

  Result<Seen> consume() override {
    alignas(inotify_event) char buf[4096];
    for (;;) {
      ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) return fail_errno("read inotify of cgroup " + quote(dir_));
      break;
    }
    Seen seen;
    auto now = oom_kills(dir_);
    if (!now) return fail(std::move(now).error());
    if (!*now) {
      seen.gone = true;
      return seen;
    }
    if (**now > last_) seen.ooms = **now - last_;
    last_ = **now;
    return seen;
  }

 private:
  std::string dir_;
  UniqueFd inotify_;
  uint64_t last_;
};

}  // namespace

Result<std::unique_ptr<OomWatch>> watch_oom_v1(const std::string& dir) {
  const std::string what = "watch OOM events of cgroup " + quote(dir);
  std::string path = dir + "/memory.oom_control";
  UniqueFd control(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!control) return fail_errno(what + ": open \"memory.oom_control\"");
  UniqueFd event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!event) return fail_errno(what + ": eventfd");
  std::string line = std::to_string(event.get()) + " " + std::to_string(control.get());
  auto r = fs::write_in(dir, "cgroup.event_control", line);
  if (!r) return fail(std::move(r).error().context(what));
  return std::unique_ptr<OomWatch>(
      std::make_unique<EventfdOomWatch>(dir, std::move(event), std::move(control)));
}

Result<std::unique_ptr<OomWatch>> watch_oom_v2(const std::string& dir) {
  const std::string what = "watch OOM events of cgroup " + quote(dir);
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!in) return fail_errno(what + ": inotify_init1");
  std::string path = dir + "/memory.events";
  if (::inotify_add_watch(in.get(), path.c_str(), IN_MODIFY) < 0)
    return fail_errno(what + ": watch \"memory.events\"");
  // The baseline: kills before the watch started are not reported.
  auto now = oom_kills(dir);
  if (!now) return fail(std::move(now).error().context(what));
  if (!*now) return fail(what + ": the cgroup is gone");
  return std::unique_ptr<OomWatch>(std::make_unique<InotifyOomWatch>(dir, std::move(in), **now));
}

}  // namespace berth::cgroups
