// The cgroup2 (unified hierarchy) manager.
#include <fcntl.h>
#include <signal.h>

#include <cerrno>
#include <cstdlib>

#include "src/cgroups/device_bpf.hpp"
#include "src/cgroups/fs_common.hpp"
#include "src/cgroups/stats_fs.hpp"

namespace berth::cgroups {

namespace {

// "frozen 1" in cgroup.events: the kernel's word that every task stopped.
Result<bool> events_frozen(const std::string& dir) {
  auto ev = fs::read_in(dir, "cgroup.events");
  if (!ev) return fail(std::move(ev).error());
  return ev->find("frozen 1") != std::string::npos;
}

// linux.resources.memory.checkBeforeUpdate (runtime-spec 1.1): a limit
// below what the cgroup already uses is refused rather than written.  A v1
// kernel refuses such a write itself (EBUSY after failing to reclaim); a
// cgroup2 kernel takes it, reclaims, then OOM-kills the container.  swap is
// memory+swap, as everywhere in the spec.
Result<void> check_memory_usage(const std::string& dir, const spec::Memory& m) {
  if (!m.check_before_update.value_or(false)) return {};
  int64_t limit = m.limit.value_or(0), swap = m.swap.value_or(0);
  if (limit <= 0 && swap <= 0) return {};
  auto usage_of = [&](const char* file) -> uint64_t {
    auto text = fs::read_in(dir, file);  // memory.swap.current: absent without swap accounting
    return text ? std::strtoull(text->c_str(), nullptr, 10) : 0;
  };
  uint64_t mem = usage_of("memory.current");
  if (limit > 0 && mem > static_cast<uint64_t>(limit))
    return fail("linux.resources.memory.limit: rejecting " + std::to_string(limit) +
                " below the cgroup's usage " + std::to_string(mem) + " (checkBeforeUpdate)");
  uint64_t both = mem + usage_of("memory.swap.current");
  if (swap > 0 && both > static_cast<uint64_t>(swap))
    return fail("linux.resources.memory.swap: rejecting memory+swap " + std::to_string(swap) +
                " below the cgroup's usage " + std::to_string(both) + " (checkBeforeUpdate)");
  return {};
}

class Fs2Manager final : public Manager {
 public:
  Fs2Manager(CgroupDir d, bool clone_into_cgroup) : d_(std::move(d)), clone_into_cgroup_(clone_into_cgroup) {}

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

  // Born in the directory (CLONE_INTO_CGROUP) on Linux 5.7 and later;
  // before, the child writes "0" to its cgroup.procs (Placement).
  Result<Placement> open_placement(const SubCgroups& sub) const override {
    auto it = sub.find("");
    std::string_view s = it == sub.end() ? std::string_view{} : std::string_view(it->second);
    Placement p;
    if (clone_into_cgroup_) {
      auto fd = open_v2_dir(s);
      if (!fd) return fail(std::move(fd).error());
      p.v2_dir = std::move(*fd);
      return p;
    }
    auto dir = sub_cgroup_dir(d_.dir(), s);
    if (!dir) return fail(std::move(dir).error());
    std::string procs = *dir + "/cgroup.procs";
    UniqueFd fd(::open(procs.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return fail_errno("open " + quote(procs));
    p.join_files.push_back(std::move(fd));
    return p;
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
    // One of quota/period alone (update): the plan keeps the other one.
    if (r.cpu && (r.cpu->quota.value_or(0) != 0) != (r.cpu->period.value_or(0) != 0)) {
      if (auto cur = fs::read_in(d_.dir(), "cpu.max")) host.cpu_max = *cur;
    }
    auto plan = plan_v2(r, host);
    if (!plan) return fail(std::move(plan).error());
    if (r.memory) BERTH_TRY(check_memory_usage(d_.dir(), *r.memory));
    // Devices: an eBPF program (kernel 4.15), generated before anything is
    // written so a bad rule changes nothing.  No rules: leave the attached
    // program alone (update without devices).
    std::vector<bpf_insn> devices;
    if (!r.devices.empty()) {
      auto prog = device_program(r.devices);
      if (!prog) return fail(std::move(prog).error().context("linux.resources.devices"));
      devices = std::move(*prog);
    }
    std::vector<fs::Step> steps;
    for (auto& w : *plan) steps.push_back({d_.dir(), std::move(w)});
    BERTH_TRY(fs::execute(steps));
    if (!devices.empty()) BERTH_TRY(install_device_program(d_.dir(), devices));
    return {};
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

  Result<Stats> stats() const override {
    Stats s;
    for (const char* c : {"pids", "memory", "io", "cpu", "hugetlb"})
      BERTH_TRY(fs::stat_v2(c, d_.dir(), s));
    return s;
  }

  Result<std::unique_ptr<OomWatch>> watch_oom() const override { return watch_oom_v2(d_.dir()); }

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
  bool clone_into_cgroup_;
};

}  // namespace

std::unique_ptr<Manager> make_fs2_manager(CgroupDir unified, bool clone_into_cgroup) {
  return std::make_unique<Fs2Manager>(std::move(unified), clone_into_cgroup);
}

}  // namespace berth::cgroups
