// The v1 manager, hybrid hosts included.
//
// Each v1 hierarchy gets its own directory.  On a hybrid host the cgroup2
// mount gets one too (managed by an embedded fs2 manager): processes are
// added there, linux.resources.unified goes there, and so do resources of
// controllers that no v1 hierarchy has but cgroup2 offers (hugetlb on the
// development machine), planned with plan_v2's file names.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "src/cgroups/fs_common.hpp"
#include "src/cgroups/stats_fs.hpp"
#include "src/cgroups/text.hpp"

namespace berth::cgroups {

namespace {

// A fresh v1 cpuset cgroup has empty cpuset.cpus and cpuset.mems, and the
// kernel refuses to attach tasks to it (ENOSPC) until both are set; copy the
// parent's, as runc's cpuset ensureParent does (cgroup.clone_children would
// do it too but is a property of the parent, which may not be ours).
//
// The parent can itself still be empty: a concurrent create may have made a
// shared parent ("berth-test" for "berth-test/a" and "berth-test/b") and not
// filled it yet.  An empty cpuset holds no task and can hold none, so filling
// it from its own parent first is what its creator is about to do anyway.
Result<void> inherit_cpuset(const std::string& dir, int depth = 0) {
  std::string parent = dir.substr(0, dir.rfind('/'));
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    auto mine = fs::read_in(dir, file);
    if (!mine) {
      if (mine.error().errnum() == ENOENT) continue;  // not a cpuset directory
      return fail(std::move(mine).error());
    }
    if (!trim(*mine).empty()) continue;
    auto theirs = fs::read_in(parent, file);
    if (!theirs) return fail(std::move(theirs).error());
    if (trim(*theirs).empty()) {
      if (depth > 64) return fail("cgroup " + quote(parent) + ": " + file + " is empty");
      BERTH_TRY(inherit_cpuset(parent, depth + 1));
      theirs = fs::read_in(parent, file);
      if (!theirs) return fail(std::move(theirs).error());
    }
    BERTH_TRY(fs::write_in(dir, file, trim(*theirs)));
  }
  return {};
}

// plan_v1 names the block controller after v1's "blkio"; cgroup2 calls it "io".
std::string cgroup2_name(const std::string& v1_controller) {
  return v1_controller == "blkio" ? std::string("io") : v1_controller;
}

class Fs1Manager final : public Manager {
 public:
  Fs1Manager(std::vector<CgroupDir> v1, std::optional<CgroupDir> unified)
      : v1_(std::move(v1)), unified_(std::move(unified)) {
    if (unified_) unified_mgr_ = make_fs2_manager(*unified_);
  }

  Result<void> create() override {
    for (const auto& d : v1_) {
      auto made = fs::make_dirs(d);
      if (!made) return fail(std::move(made).error());
      if (std::find(d.controllers.begin(), d.controllers.end(), "cpuset") != d.controllers.end())
        for (const auto& dir : *made) BERTH_TRY(inherit_cpuset(dir));
    }
    // The cgroup2 side only gets its directory here.  Its controllers are
    // enabled by apply(), and only those a resource needs: a hybrid host's
    // cgroup2 root is usually left alone by everything else (runc included).
    if (unified_) {
      auto made = fs::make_dirs(*unified_);
      if (!made) return fail(std::move(made).error());
    }
    return {};
  }

  Result<UniqueFd> open_v2_dir(std::string_view) const override { return UniqueFd(); }

  Result<void> add_process(pid_t pid, const SubCgroups& sub) override {
    for (const auto& d : v1_) {
      auto dir = v1_dir(d, sub);
      if (!dir) return fail(std::move(dir).error());
      BERTH_TRY(fs::write_in(*dir, "cgroup.procs", std::to_string(pid)));
    }
    if (unified_mgr_) BERTH_TRY(unified_mgr_->add_process(pid, unified_sub(sub)));
    return {};
  }

  Result<Placement> open_placement(const SubCgroups& sub) const override {
    Placement p;
    for (const auto& d : v1_) {
      auto dir = v1_dir(d, sub);
      if (!dir) return fail(std::move(dir).error());
      std::string tasks = *dir + "/tasks";
      UniqueFd fd(::open(tasks.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) return fail_errno("open " + quote(tasks));
      p.join_files.push_back(std::move(fd));
    }
    if (unified_mgr_) {
      auto v2 = unified_mgr_->open_placement(unified_sub(sub));
      if (!v2) return fail(std::move(v2).error());
      p.v2_dir = std::move(v2->v2_dir);
      for (auto& fd : v2->join_files) p.join_files.push_back(std::move(fd));
    }
    return p;
  }

  Result<void> apply(const spec::Resources& r) override;

  Result<void> set_frozen(bool frozen) override {
    const CgroupDir* f = find("freezer");
    if (f == nullptr) {
      if (unified_mgr_) return unified_mgr_->set_frozen(frozen);  // cgroup.freeze, kernel 5.2
      return fail("freeze cgroup: no freezer hierarchy is mounted");
    }
    const char* want = frozen ? "FROZEN" : "THAWED";
    // The v1 freezer passes through FREEZING and can stall there when a task
    // is in an uninterruptible sleep; rewriting the state retries the freeze.
    for (int i = 0; i < 400; ++i) {
      if (i % 20 == 0) BERTH_TRY(fs::write_in(f->dir(), "freezer.state", want));
      auto now = fs::read_in(f->dir(), "freezer.state");
      if (!now) return fail(std::move(now).error());
      if (trim(*now) == want) return {};
      fs::sleep_ms(5);
    }
    if (frozen) (void)fs::write_in(f->dir(), "freezer.state", "THAWED");
    return fail(std::string(frozen ? "freeze" : "thaw") + " cgroup " + quote(f->dir()) +
                ": timed out waiting for freezer.state");
  }

  Result<bool> frozen() const override {
    const CgroupDir* f = find("freezer");
    if (f == nullptr) {
      if (unified_mgr_) return unified_mgr_->frozen();
      return false;
    }
    auto now = fs::read_in(f->dir(), "freezer.state");
    if (!now) return fail(std::move(now).error());
    return trim(*now) == "FROZEN";
  }

  Result<std::vector<pid_t>> pids() const override {
    // Every hierarchy holds every process; prefer ones nothing else moves
    // tasks in or out of.
    for (const char* c : {"pids", "freezer", "devices", "memory", "cpu"})
      if (const CgroupDir* d = find(c)) return fs::procs_tree(d->dir());
    if (!v1_.empty()) return fs::procs_tree(v1_.front().dir());
    if (unified_mgr_) return unified_mgr_->pids();
    return std::vector<pid_t>{};
  }

  Result<Stats> stats() const override;

  Result<std::unique_ptr<OomWatch>> watch_oom() const override {
    if (const CgroupDir* m = find("memory")) return watch_oom_v1(m->dir());
    if (unified_) return watch_oom_v2(unified_->dir());
    return fail("watch OOM events: no memory cgroup is mounted");
  }

  Result<void> kill_all(int sig) override {
    // On a hybrid host every process is also in the cgroup2 directory, whose
    // cgroup.kill (kernel 5.14) is race-free.  But a task the v1 freezer
    // holds (a paused container) takes its SIGKILL only once thawed, so
    // thaw after the kill, as the path below does; without it `delete
    // --force` of a paused container waited for tasks stuck in D state.
    if (sig == SIGKILL && unified_ && fs::exists_in(unified_->dir(), "cgroup.kill")) {
      BERTH_TRY(unified_mgr_->kill_all(sig));
      if (find("freezer") != nullptr) return set_frozen(false);
      return {};
    }
    bool freeze = sig == SIGKILL && find("freezer") != nullptr;
    // Frozen tasks cannot fork, so the pid list stays complete; SIGKILL is
    // delivered when they thaw.  A failed freeze still kills, just racily.
    if (freeze) freeze = set_frozen(true).has_value();
    auto p = pids();
    Result<void> r = p ? fs::signal_each(*p, sig) : Result<void>(fail(std::move(p).error()));
    if (freeze) {
      auto thawed = set_frozen(false);
      if (r && !thawed) return thawed;
    }
    return r;
  }

  Result<void> destroy() override {
    // Every hierarchy is attempted; the first error is returned.
    Result<void> first;
    for (const auto& d : v1_) {
      auto r = fs::remove_tree(d.dir());
      if (!r && first) first = std::move(r);
    }
    if (unified_mgr_) {
      auto r = unified_mgr_->destroy();
      if (!r && first) first = std::move(r);
    }
    return first;
  }

  std::string persist() const override {
    nlohmann::json j = {{"driver", "fs1"}, {"v1", nlohmann::json::array()}};
    for (const auto& d : v1_) j["v1"].push_back(fs::to_json(d));
    if (unified_) j["unified"] = fs::to_json(*unified_);
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  std::string path() const override {
    if (!v1_.empty()) return v1_.front().path;
    return unified_ ? unified_->path : std::string();
  }

 private:
  // exec --cgroup: a controller-specific entry wins over the "" default.
  static Result<std::string> v1_dir(const CgroupDir& d, const SubCgroups& sub) {
    std::string_view path;
    if (auto all = sub.find(""); all != sub.end()) path = all->second;
    for (const auto& c : d.controllers)
      if (auto it = sub.find(c); it != sub.end()) path = it->second;
    return sub_cgroup_dir(d.dir(), path);
  }
  static SubCgroups unified_sub(const SubCgroups& sub) {
    SubCgroups u;
    if (auto it = sub.find("unified"); it != sub.end()) u[""] = it->second;
    else if (auto all = sub.find(""); all != sub.end()) u[""] = all->second;
    return u;
  }

  const CgroupDir* find(std::string_view controller) const {
    for (const auto& d : v1_)
      if (std::find(d.controllers.begin(), d.controllers.end(), controller) != d.controllers.end())
        return &d;
    return nullptr;
  }

  Result<std::vector<fs::Step>> cgroup2_fallback(const spec::Resources& r,
                                                 const std::set<std::string>& controllers) const;

  std::vector<CgroupDir> v1_;
  std::optional<CgroupDir> unified_;
  std::unique_ptr<Manager> unified_mgr_;
};

// Writes for controllers only the cgroup2 mount has, with cgroup2's names.
Result<std::vector<fs::Step>> Fs1Manager::cgroup2_fallback(
    const spec::Resources& r, const std::set<std::string>& controllers) const {
  spec::Resources typed = r;
  typed.unified.clear();  // unified entries are routed by plan_v1 already
  const std::string dir = unified_->dir();
  HostFacts host;
  host.bfq = fs::exists_in(dir, "io.bfq.weight");
  if (!r.hugepage_limits.empty())
    host.hugetlb_rsvd =
        fs::exists_in(dir, "hugetlb." + r.hugepage_limits.front().page_size + ".rsvd.max");
  auto plan = plan_v2(typed, host);
  if (!plan) return fail(std::move(plan).error());
  std::vector<fs::Step> out;
  for (auto& w : *plan)
    if (controllers.count(w.controller) != 0) out.push_back({dir, std::move(w)});
  return out;
}

Result<Stats> Fs1Manager::stats() const {
  Stats s;
  for (const auto& d : v1_)
    for (const auto& c : d.controllers) BERTH_TRY(fs::stat_v1(c, d.dir(), s));
  if (!unified_) return s;
  // The cgroup2 side, for what no v1 hierarchy has: hugetlb on the
  // development machine.  Its files exist only where apply() enabled the
  // controller; cpu.stat (usage) always does.
  const std::pair<const char*, std::vector<const char*>> fallbacks[] = {
      {"cpu", {"cpu", "cpuacct"}}, {"memory", {"memory"}}, {"io", {"blkio"}},
      {"pids", {"pids"}},          {"hugetlb", {"hugetlb"}},
  };
  for (const auto& [v2, v1] : fallbacks) {
    bool covered = false;
    for (const char* c : v1) covered = covered || find(c) != nullptr;
    if (!covered) BERTH_TRY(fs::stat_v2(v2, unified_->dir(), s));
  }
  return s;
}

Result<void> Fs1Manager::apply(const spec::Resources& r) {
  HostFacts host;
  host.unified_mount = unified_.has_value();
  if (const CgroupDir* b = find("blkio")) host.bfq = fs::exists_in(b->dir(), "blkio.bfq.weight");
  if (const CgroupDir* h = find("hugetlb"); h != nullptr && !r.hugepage_limits.empty())
    host.hugetlb_rsvd = fs::exists_in(
        h->dir(), "hugetlb." + r.hugepage_limits.front().page_size + ".rsvd.limit_in_bytes");
  auto plan = plan_v1(r, host);
  if (!plan) return fail(std::move(plan).error());

  std::vector<std::string> offered;  // controllers the cgroup2 root has
  if (unified_) {
    auto text = fs::read_in(unified_->mount, "cgroup.controllers");
    if (text) offered = fs::words(*text);
  }
  std::vector<fs::Step> steps, unified_steps;
  std::set<std::string> fallback;
  for (auto& w : *plan) {
    if (w.unified) {
      unified_steps.push_back({unified_->dir(), std::move(w)});
    } else if (const CgroupDir* d = find(w.controller)) {
      steps.push_back({d->dir(), std::move(w)});
    } else if (std::find(offered.begin(), offered.end(), cgroup2_name(w.controller)) !=
               offered.end()) {
      fallback.insert(cgroup2_name(w.controller));
    } else {
      return fail("apply resources: cgroup controller " + quote(w.controller) +
                  " is not available on this host (needed for " + quote(w.file) + ")");
    }
  }
  if (!fallback.empty()) {
    fs::enable_controllers(*unified_, {fallback.begin(), fallback.end()});
    auto more = cgroup2_fallback(r, fallback);
    if (!more) return fail(std::move(more).error());
    steps.insert(steps.end(), more->begin(), more->end());
  }
  steps.insert(steps.end(), unified_steps.begin(), unified_steps.end());
  return fs::execute(steps);
}

}  // namespace

std::unique_ptr<Manager> make_fs1_manager(std::vector<CgroupDir> v1,
                                          std::optional<CgroupDir> unified) {
  return std::make_unique<Fs1Manager>(std::move(v1), std::move(unified));
}

}  // namespace berth::cgroups
