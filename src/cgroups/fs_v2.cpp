// The cgroup2 (unified hierarchy) manager.
#include <fcntl.h>
#include <signal.h>

#include <cerrno>

#include "src/cgroups/fs_common.hpp"

namespace berth::cgroups {

namespace {

// "frozen 1" in cgroup.events: the kernel's word that every task stopped.
Result<bool> events_frozen(const std::string& dir) {
  auto ev = fs::read_in(dir, "cgroup.events");
  if (!ev) return fail(std::move(ev).error());
  return ev->find("frozen 1") != std::string::npos;
}

class Fs2Manager final : public Manager {
 public:
  explicit Fs2Manager(CgroupDir d) : d_(std::move(d)) {}

  Result<void> create() override {
    auto made = fs::make_dirs(d_);
    if (!made) return fail(std::move(made).error());
    // After mkdir: controllers enabled in a parent appear in its existing
    // children too, and the new intermediate directories must exist first.
    fs::enable_controllers(d_);
    return {};
  }

  Result<UniqueFd> open_v2_dir(std::string_view sub) const override {
    auto dir = sub_cgroup_dir(d_.dir(), sub);
    if (!dir) return fail(std::move(dir).error());
    // Not O_PATH: CLONE_INTO_CGROUP resolves the fd with fdget(), which
    // refuses O_PATH files.
    UniqueFd fd(::open(dir->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return fail_errno("open cgroup " + quote(*dir));
    return fd;
  }

  Result<void> add_process(pid_t pid, const SubCgroups& sub) override {
    auto it = sub.find("");
    auto dir = sub_cgroup_dir(d_.dir(), it == sub.end() ? std::string_view{} : it->second);
    if (!dir) return fail(std::move(dir).error());
    return fs::write_in(*dir, "cgroup.procs", std::to_string(pid));
  }

  Result<void> apply(const spec::Resources& r) override {
    HostFacts host;
    host.bfq = fs::exists_in(d_.dir(), "io.bfq.weight");
    if (!r.hugepage_limits.empty())
      host.hugetlb_rsvd =
          fs::exists_in(d_.dir(), "hugetlb." + r.hugepage_limits.front().page_size + ".rsvd.max");
    auto plan = plan_v2(r, host);
    if (!plan) return fail(std::move(plan).error());
    std::vector<fs::Step> steps;
    for (auto& w : *plan) steps.push_back({d_.dir(), std::move(w)});
    return fs::execute(steps);
  }

  Result<void> set_frozen(bool frozen) override {
    // cgroup.freeze (kernel 5.2) is asynchronous: the write returns at once
    // and cgroup.events reports "frozen 1" when every task has stopped.
    BERTH_TRY(fs::write_in(d_.dir(), "cgroup.freeze", frozen ? "1" : "0"));
    for (int i = 0; i < 200; ++i) {
      auto now = events_frozen(d_.dir());
      if (!now) return fail(std::move(now).error());
      if (*now == frozen) return {};
      fs::sleep_ms(5);
    }
    return fail(std::string(frozen ? "freeze" : "thaw") + " cgroup " + quote(d_.dir()) +
                ": timed out waiting for cgroup.events");
  }

  Result<bool> frozen() const override {
    auto want = fs::read_in(d_.dir(), "cgroup.freeze");
    if (!want) return fail(std::move(want).error());
    if (want->empty() || (*want)[0] != '1') return false;
    return events_frozen(d_.dir());
  }

  Result<std::vector<pid_t>> pids() const override { return fs::procs_tree(d_.dir()); }

  Result<void> kill_all(int sig) override {
    // cgroup.kill (kernel 5.14) kills the whole subtree atomically, forks in
    // flight included; it only sends SIGKILL.
    if (sig == SIGKILL && fs::exists_in(d_.dir(), "cgroup.kill"))
      return fs::write_in(d_.dir(), "cgroup.kill", "1");
    auto p = pids();
    if (!p) return fail(std::move(p).error());
    return fs::signal_each(*p, sig);
  }

  Result<void> destroy() override { return fs::remove_tree(d_.dir()); }

  std::string persist() const override {
    nlohmann::json j = {{"driver", "fs2"}, {"unified", fs::to_json(d_)}};
    // Paths come from the config (valid UTF-8) or /proc; replace rather than
    // throw on anything else.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  std::string path() const override { return d_.path; }

 private:
  CgroupDir d_;
};

}  // namespace

std::unique_ptr<Manager> make_fs2_manager(CgroupDir unified) {
  return std::make_unique<Fs2Manager>(std::move(unified));
}

}  // namespace berth::cgroups
