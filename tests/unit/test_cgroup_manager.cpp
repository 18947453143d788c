// cgroup managers against fake cgroup trees (temp dirs with the kernel's
// files pre-created), plus one real v1 pids cgroup beneath our own.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>

#include "src/cgroups/manager.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/base/scope_exit.hpp"
#include "tests/unit/fixture_util.hpp"

using namespace berth;
using namespace berth::cgroups;
using berth::test::TempDir;
using berth::test::trim;

namespace {

void put(const std::string& dir, const std::string& file, const std::string& content = "") {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + file) << content;
}

std::string get(const std::string& dir, const std::string& file) {
  return trim(berth::test::slurp(dir + "/" + file));
}

bool exists(const std::string& p) {
  return std::filesystem::exists(p);
}

// A child that waits to be killed; never returns into the test framework.
pid_t spawn_sleeper() {
  // Catch2's fatal-signal handlers must not run (and report) in the child:
  // signals stay blocked across fork until the child has reset them, or a
  // kill that comes at once would reach a handler still inherited.
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) {
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    for (;;) ::pause();
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  return pid;
}

// Kills and reaps the sleepers whatever the test's outcome.
struct Children {
  std::vector<pid_t> pids;
  ~Children() {
    for (pid_t p : pids) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
  }
  pid_t spawn() {
    pid_t p = spawn_sleeper();
    if (p > 0) pids.push_back(p);
    return p;
  }
};

bool killed_by(pid_t pid, int sig) {
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

Layout fake_v2(const std::string& root) {
  Layout l;
  l.kind = LayoutKind::kV2;
  l.unified_mount = root + "/cg";
  return l;
}

Layout fake_hybrid(const std::string& root) {
  Layout l;
  l.kind = LayoutKind::kHybrid;
  l.unified_mount = root + "/unified";
  for (const char* c : {"memory", "cpu", "pids", "freezer"})
    l.v1.push_back({root + "/" + c, "/", {c}});
  return l;
}

}  // namespace

TEST_CASE("cgroupsPath is cleaned like runc's CleanPath", "[cgroup-manager]") {
  const std::pair<const char*, const char*> table[] = {
      {"", ""},           {"/", "/"},  {"/a//b/", "/a/b"}, {"a/../../b", "b"},    {"/../a", "/a"},
      {"./a/./b", "a/b"}, {"..", "."}, {"a/..", "."},      {"/a/b/../c", "/a/c"}, {"c1", "c1"},
  };
  for (auto [in, want] : table) {
    INFO(in);
    CHECK(clean_cgroups_path(in) == want);
  }
}

TEST_CASE("cgroup placement: absolute / relative / empty / mount roots", "[cgroup-manager]") {
  Layout l = fake_hybrid("/r");
  l.v1[0].root = "/machine";  // memory mounted from a sub-tree
  std::map<std::string, std::string> self = {
      {"memory", "/machine/slice"}, {"cpu", "/"}, {"pids", "/p"}, {"", "/user.slice/s.scope"}};

  auto rel = resolve_v1_dirs(l, self, "x/y", "c1");
  REQUIRE(rel);
  REQUIRE(rel->size() == 4);
  CHECK((*rel)[0] == CgroupDir{"/r/memory", "/slice/x/y", {"memory"}});
  CHECK((*rel)[1].dir() == "/r/cpu/x/y");
  CHECK((*rel)[2].dir() == "/r/pids/p/x/y");
  CHECK((*rel)[3].dir() == "/r/freezer/x/y");  // no /proc/self/cgroup line: the root

  auto abs = resolve_v1_dirs(l, self, "/a/../b", "c1");
  REQUIRE(abs);
  for (const auto& d : *abs) CHECK(d.path == "/b");

  auto dflt = resolve_v1_dirs(l, self, "", "c1");
  REQUIRE(dflt);
  CHECK((*dflt)[1].path == "/c1");

  // Hybrid: the cgroup2 side goes beneath our own cgroup, like the v1 ones;
  // pure cgroup2: beneath its parent (no internal processes).
  auto hyb = resolve_v2_dir(l, self, "", "c1");
  REQUIRE(hyb);
  CHECK(hyb->dir() == "/r/unified/user.slice/s.scope/c1");
  Layout v2 = fake_v2("/r");
  auto pure = resolve_v2_dir(v2, self, "", "c1");
  REQUIRE(pure);
  CHECK(pure->dir() == "/r/cg/user.slice/c1");
  auto top = resolve_v2_dir(v2, {{"", "/"}}, "k", "c1");
  REQUIRE(top);
  CHECK(top->dir() == "/r/cg/k");
  auto absv2 = resolve_v2_dir(v2, self, "/a/b", "c1");
  REQUIRE(absv2);
  CHECK(absv2->dir() == "/r/cg/a/b");

  for (const char* root : {"/", ".", "..", "/..", "a/.."}) {
    INFO(root);
    auto r = resolve_v2_dir(v2, self, root, "c1");
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "linux.cgroupsPath: \"" + std::string(root) +
                                     "\" names a hierarchy root or the runtime's own cgroup");
    CHECK_FALSE(make_manager(l, self, root, "c1"));
  }
  CHECK_FALSE(make_manager(Layout{}, self, "x", "c1"));
}

TEST_CASE("fs2 manager on a fake tree", "[cgroup-manager]") {
  TempDir tmp;
  Layout l = fake_v2(tmp.path());
  put(l.unified_mount, "cgroup.controllers", "cpu memory pids\n");
  put(l.unified_mount, "cgroup.subtree_control", "cpu memory\n");
  auto made = make_manager(l, {{"", "/"}}, "/berth/c1", "c1");
  REQUIRE(made);
  auto& m = *made;
  const std::string dir = l.unified_mount + "/berth/c1";

  REQUIRE(m->create());
  CHECK(exists(dir));
  CHECK(get(l.unified_mount, "cgroup.subtree_control") == "+pids");  // only the missing one
  CHECK(m->path() == "/berth/c1");
  auto fd = m->open_v2_dir();
  REQUIRE(fd);
  CHECK(fd->valid());

  for (const char* f : {"memory.max", "memory.low", "pids.max", "cpu.max", "cpu.weight",
                        "cgroup.procs", "cgroup.freeze", "cgroup.events"})
    put(dir, f);
  spec::Resources r;
  r.memory.emplace().limit = -1;  // memory.swap.max is absent: best effort for "max"
  r.pids.emplace().limit = 0;
  r.cpu.emplace().shares = 1024;
  r.cpu->quota = -1;
  REQUIRE(m->apply(r));
  CHECK(get(dir, "memory.max") == "max");
  CHECK(get(dir, "pids.max") == "max");
  CHECK(get(dir, "cpu.weight") == "100");
  CHECK(get(dir, "cpu.max") == "max 100000");

  r.unified["memory.max"] = "123";
  REQUIRE(m->apply(r));
  CHECK(get(dir, "memory.max") == "123");

  spec::Resources cpuset;
  cpuset.cpu.emplace().cpus = "0-1";
  auto e = m->apply(cpuset);
  REQUIRE_FALSE(e);
  CHECK(e.error().message() ==
        "write \"cpuset.cpus\"=\"0-1\" in \"" + dir + "\": no such file or directory");

  Children kids;
  pid_t a = kids.spawn(), b = kids.spawn();
  REQUIRE((a > 0 && b > 0));
  REQUIRE(m->add_process(a));
  CHECK(get(dir, "cgroup.procs") == std::to_string(a));
  put(dir + "/sub", "cgroup.procs", std::to_string(b) + "\n");
  auto pids = m->pids();
  REQUIRE(pids);
  CHECK(*pids == std::vector<pid_t>{a, b});

  put(dir, "cgroup.events", "populated 1\nfrozen 1\n");
  REQUIRE(m->set_frozen(true));
  CHECK(get(dir, "cgroup.freeze") == "1");
  CHECK(*m->frozen());
  put(dir, "cgroup.events", "populated 1\nfrozen 0\n");
  REQUIRE(m->set_frozen(false));
  CHECK(get(dir, "cgroup.freeze") == "0");
  CHECK_FALSE(*m->frozen());

  // No cgroup.kill: each pid is signalled.
  REQUIRE(m->kill_all(SIGTERM));
  CHECK(killed_by(a, SIGTERM));
  CHECK(killed_by(b, SIGTERM));
  kids.pids.clear();
  put(dir, "cgroup.kill");
  REQUIRE(m->kill_all(SIGKILL));
  CHECK(get(dir, "cgroup.kill") == "1");

  auto reopened = open_manager(m->persist());
  REQUIRE(reopened);
  CHECK((*reopened)->persist() == m->persist());
  CHECK((*reopened)->path() == "/berth/c1");

  REQUIRE((*reopened)->destroy());
  CHECK_FALSE(exists(dir));
  CHECK(exists(l.unified_mount + "/berth"));  // only the container's cgroup goes
  REQUIRE(m->destroy());                      // already gone: success
}

TEST_CASE("fs1 manager on a fake hybrid tree routes each controller", "[cgroup-manager]") {
  TempDir tmp;
  const std::string root = tmp.path();
  Layout l = fake_hybrid(root);
  for (const auto& h : l.v1) std::filesystem::create_directories(h.mount_point);
  put(l.unified_mount, "cgroup.controllers", "hugetlb\n");
  put(l.unified_mount, "cgroup.subtree_control", "");
  std::map<std::string, std::string> self = {
      {"memory", "/machine"}, {"cpu", "/"}, {"pids", "/"}, {"freezer", "/"}, {"", "/"}};
  auto made = make_manager(l, self, "", "c1");
  REQUIRE(made);
  auto& m = *made;
  const std::string mem = root + "/memory/machine/c1", cpu = root + "/cpu/c1",
                    pids = root + "/pids/c1", frz = root + "/freezer/c1",
                    uni = root + "/unified/c1";
  REQUIRE(m->create());
  for (const auto& d : {mem, cpu, pids, frz, uni}) CHECK(exists(d));
  CHECK(get(l.unified_mount, "cgroup.subtree_control").empty());  // until hugetlb is needed
  auto fd = m->open_v2_dir();
  REQUIRE(fd);
  CHECK_FALSE(fd->valid());  // v1: add_process, not CLONE_INTO_CGROUP

  put(mem, "memory.limit_in_bytes");
  put(cpu, "cpu.shares");
  put(pids, "pids.max");
  put(uni, "cgroup.controllers", "hugetlb\n");
  put(uni, "hugetlb.2MB.max");
  put(uni, "cgroup.max.depth");
  spec::Resources r;
  r.memory.emplace().limit = -1;  // memsw absent: best effort
  r.cpu.emplace().shares = 512;
  r.pids.emplace().limit = 10;
  r.hugepage_limits = {{"2MB", 4096}};
  r.unified["cgroup.max.depth"] = "3";
  REQUIRE(m->apply(r));
  CHECK(get(mem, "memory.limit_in_bytes") == "-1");
  CHECK(get(cpu, "cpu.shares") == "512");
  CHECK(get(pids, "pids.max") == "10");
  CHECK(get(uni, "hugetlb.2MB.max") == "4096");  // only cgroup2 has hugetlb here
  CHECK(get(l.unified_mount, "cgroup.subtree_control") == "+hugetlb");
  CHECK(get(uni, "cgroup.max.depth") == "3");

  spec::Resources net;
  net.network.emplace().class_id = 1;
  auto e = m->apply(net);
  REQUIRE_FALSE(e);
  CHECK(e.error().message() ==
        "apply resources: cgroup controller \"net_cls\" is not available on "
        "this host (needed for \"net_cls.classid\")");

  Children kids;
  pid_t a = kids.spawn();
  REQUIRE(a > 0);
  for (const auto& d : {mem, cpu, pids, frz, uni}) put(d, "cgroup.procs");
  REQUIRE(m->add_process(a));
  for (const auto& d : {mem, cpu, pids, frz, uni})
    CHECK(get(d, "cgroup.procs") == std::to_string(a));
  // Self-placement: "tasks" of each v1 hierarchy, the cgroup2 dir for CLONE_INTO_CGROUP.
  for (const auto& d : {mem, cpu, pids, frz}) put(d, "tasks");
  auto placement = m->open_placement();
  REQUIRE(placement);
  CHECK_FALSE(placement->parent_places);
  std::vector<std::string> tasks;
  for (const auto& t : placement->join_files)
    tasks.push_back(std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(t.get())).string());
  std::sort(tasks.begin(), tasks.end());
  CHECK(tasks == std::vector<std::string>{cpu + "/tasks", frz + "/tasks", mem + "/tasks", pids + "/tasks"});
  REQUIRE(placement->v2_dir.valid());
  CHECK(std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(placement->v2_dir.get())) == uni);
  auto listed = m->pids();
  REQUIRE(listed);
  CHECK(*listed == std::vector<pid_t>{a});

  put(frz, "freezer.state", "THAWED\n");
  REQUIRE(m->set_frozen(true));
  CHECK(get(frz, "freezer.state") == "FROZEN");
  CHECK(*m->frozen());
  REQUIRE(m->set_frozen(false));
  CHECK_FALSE(*m->frozen());

  // No cgroup.kill on the cgroup2 side: freeze, signal each, thaw.
  REQUIRE(m->kill_all(SIGKILL));
  CHECK(killed_by(a, SIGKILL));
  kids.pids.clear();
  CHECK(get(frz, "freezer.state") == "THAWED");
  put(uni, "cgroup.kill");
  REQUIRE(m->kill_all(SIGKILL));
  CHECK(get(uni, "cgroup.kill") == "1");

  auto reopened = open_manager(m->persist());
  REQUIRE(reopened);
  CHECK((*reopened)->persist() == m->persist());
  CHECK((*reopened)->path() == "/machine/c1");
  REQUIRE((*reopened)->destroy());
  for (const auto& d : {mem, cpu, pids, frz, uni}) CHECK_FALSE(exists(d));
  CHECK(exists(root + "/memory/machine"));
}

TEST_CASE("fs1 manager on a v1-only host; bad state records", "[cgroup-manager]") {
  TempDir tmp;
  Layout l = fake_hybrid(tmp.path());
  l.kind = LayoutKind::kV1;
  l.unified_mount.clear();
  for (const auto& h : l.v1) std::filesystem::create_directories(h.mount_point);
  auto m = make_manager(l, {}, "/c1", "c1");
  REQUIRE(m);
  REQUIRE((*m)->create());
  spec::Resources r;
  r.unified["memory.max"] = "1";
  auto e = (*m)->apply(r);
  REQUIRE_FALSE(e);
  CHECK(e.error().message() ==
        "linux.resources.unified: needs cgroup v2, and this host has only cgroup v1 hierarchies");
  REQUIRE((*m)->destroy());
  CHECK_FALSE(exists(tmp.path() + "/memory/c1"));

  for (const char* bad :
       {"", "{", "[]", R"({"driver":"fs9"})", R"({"driver":"fs2"})",
        R"({"driver":"fs1","v1":[{"mount":"/m","path":"/p"}]})", R"({"driver":"fs1","v1":{}})"}) {
    INFO(bad);
    auto o = open_manager(bad);
    REQUIRE_FALSE(o);
    CHECK(o.error().message() == "cgroups: invalid cgroup record in state");
  }
}

// A child that writes "0" (itself) to `fd`, as the container init does with
// Placement's files, then waits to be killed; -1 when the write failed.
pid_t fork_joining(int fd) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  pid_t child = ::fork();
  if (child == 0) {
    char ok = ::write(fd, "0", 1) == 1 ? 'y' : 'n';
    (void)!::write(ready[1], &ok, 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char ok = 0;
  bool joined = child > 0 && ::read(ready[0], &ok, 1) == 1 && ok == 'y';
  ::close(ready[0]);
  if (child > 0 && !joined) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    return -1;
  }
  return child;
}

// m's placement is one file, `file`, with no CLONE_INTO_CGROUP; a child
// that writes "0" to it is then the cgroup's only process.
void child_joins_through(const Manager& m, const std::string& file) {
  auto placement = m.open_placement();
  REQUIRE(placement);
  CHECK_FALSE(placement->parent_places);
  CHECK_FALSE(placement->v2_dir.valid());
  REQUIRE(placement->join_files.size() == 1);
  int fd = placement->join_files[0].get();
  CHECK(std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd)) == file);
  pid_t child = fork_joining(fd);
  REQUIRE(child > 0);
  auto pids = m.pids();
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  REQUIRE(pids);
  CHECK(*pids == std::vector<pid_t>{child});
}
std::string v1_tasks_file(const V1Hierarchy& h, const Manager& m) { return h.mount_point + m.path() + "/tasks"; }

// A manager for cgroupsPath `path` (relative: beneath this process's own
// cgroup) in the real host's v1 hierarchy of `controller` alone, and that
// hierarchy; nullopt when the host has none (the caller reports the skip).
struct RealV1 {
  std::unique_ptr<Manager> m;
  V1Hierarchy h;
};
std::optional<RealV1> real_v1_manager(const char* controller, const std::string& path) {
  auto layout = detect_layout();
  REQUIRE(layout);
  const V1Hierarchy* h = layout->find_v1(controller);
  if (h == nullptr) return std::nullopt;
  Layout only;  // nothing but this hierarchy is touched
  only.kind = LayoutKind::kV1;
  only.v1 = {*h};
  auto self = read_file("/proc/self/cgroup");
  REQUIRE(self);
  auto made = make_manager(only, parse_proc_cgroup(*self), path, "unused");
  REQUIRE(made);
  return RealV1{std::move(*made), *h};
}

// The one test on the real host: a v1 pids cgroup beneath this process's own.
TEST_CASE("real v1 pids cgroup: create / join / limit / kill / destroy", "[cgroup-manager]") {
  std::string name = "berth-unit-" + std::to_string(::getpid());
  auto real = real_v1_manager("pids", name);
  if (!real) {
    WARN("skipped: this host has no v1 pids hierarchy");
    return;
  }
  auto& m = real->m;
  const V1Hierarchy* h = &real->h;
  const std::string dir = h->mount_point + m->path();
  REQUIRE(m->path().ends_with("/" + name));  // relative: beneath our own cgroup
  if (auto c = m->create(); !c) {
    WARN("skipped: cannot create a pids cgroup here: " + c.error().message());
    return;
  }
  Children kids;
  ScopeExit cleanup([&] {
    for (pid_t p : kids.pids) ::kill(p, SIGKILL);
    for (pid_t p : kids.pids) ::waitpid(p, nullptr, 0);
    kids.pids.clear();
    (void)m->destroy();
  });
  pid_t child = kids.spawn();
  REQUIRE(child > 0);
  REQUIRE(m->add_process(child));
  auto pids = m->pids();
  REQUIRE(pids);
  CHECK(*pids == std::vector<pid_t>{child});
  spec::Resources r;
  r.pids.emplace().limit = 42;
  REQUIRE(m->apply(r));
  CHECK(get(dir, "pids.max") == "42");
  REQUIRE(m->kill_all(SIGKILL));
  CHECK(killed_by(child, SIGKILL));
  kids.pids.clear();
  REQUIRE(m->destroy());
  CHECK_FALSE(exists(dir));
}

// cgroups::Placement for real: a forked child joins by writing "0" to the
// "tasks" fd its parent opened, as the container init does.
TEST_CASE("real v1 pids cgroup: a child joins through the tasks fd", "[cgroup-manager]") {
  auto real = real_v1_manager("pids", "berth-unit-tasks-" + std::to_string(::getpid()));
  if (!real) {
    WARN("skipped: this host has no v1 pids hierarchy");
    return;
  }
  auto& m = real->m;
  if (auto c = m->create(); !c) {
    WARN("skipped: cannot create a pids cgroup here: " + c.error().message());
    return;
  }
  ScopeExit cleanup([&] { (void)m->destroy(); });
  child_joins_through(*m, v1_tasks_file(real->h, *m));
}

// Before Linux 5.7 (no CLONE_INTO_CGROUP) a process joins cgroup2 by writing
// "0" to cgroup.procs: the fs2 manager told the kernel lacks it, on the real
// cgroup2 mount (this host's hybrid one, or a pure v2 host's).
TEST_CASE("real cgroup2: without CLONE_INTO_CGROUP a child joins through cgroup.procs", "[cgroup-manager]") {
  auto layout = detect_layout();
  REQUIRE(layout);
  if (layout->unified_mount.empty()) {
    WARN("skipped: this host has no cgroup2 mount");
    return;
  }
  auto self = read_file("/proc/self/cgroup");
  REQUIRE(self);
  auto own = parse_proc_cgroup(*self);
  std::string path = (own[""] == "/" ? "" : own[""]) + "/berth-unit-v2-" + std::to_string(::getpid());
  auto m = make_fs2_manager({layout->unified_mount, path, {}}, false);
  if (auto c = m->create(); !c) {
    WARN("skipped: cannot create a cgroup2 directory here: " + c.error().message());
    return;
  }
  ScopeExit cleanup([&] { (void)m->destroy(); });
  child_joins_through(*m, layout->unified_mount + path + "/cgroup.procs");
}

// A shared parent made by a concurrent create and not yet filled (empty
// cpuset.cpus/mems) must not make the child unusable (ENOSPC on attach).
TEST_CASE("real v1 cpuset cgroup beneath an empty shared parent", "[cgroup-manager]") {
  const std::string shared = "berth-unit-cs-" + std::to_string(::getpid());
  auto real = real_v1_manager("cpuset", shared + "/c1");
  if (!real) {
    WARN("skipped: this host has no v1 cpuset hierarchy");
    return;
  }
  auto& m = real->m;
  const V1Hierarchy* h = &real->h;
  const std::string dir = h->mount_point + m->path();
  const std::string parent = dir.substr(0, dir.rfind('/'));
  if (::mkdir(parent.c_str(), 0755) != 0) {
    WARN("skipped: cannot create a cpuset cgroup here");
    return;
  }
  Children kids;
  ScopeExit cleanup([&] {
    for (pid_t p : kids.pids) ::kill(p, SIGKILL);
    for (pid_t p : kids.pids) ::waitpid(p, nullptr, 0);
    kids.pids.clear();
    (void)m->destroy();
    ::rmdir(parent.c_str());
  });
  REQUIRE(get(parent, "cpuset.cpus").empty());  // what the racing create left
  REQUIRE(m->create());
  const std::string grand = parent.substr(0, parent.rfind('/'));
  CHECK(get(parent, "cpuset.cpus") == get(grand, "cpuset.cpus"));
  CHECK(get(dir, "cpuset.mems") == get(grand, "cpuset.mems"));
  pid_t child = kids.spawn();
  REQUIRE(child > 0);
  REQUIRE(m->add_process(child));
  auto pids = m->pids();
  REQUIRE(pids);
  CHECK(*pids == std::vector<pid_t>{child});
}

TEST_CASE("exec --cgroup sub-cgroups stay inside the container's cgroup", "[cgroup-manager]") {
  using berth::cgroups::sub_cgroup_dir;
  CHECK(*sub_cgroup_dir("/cg/c1", "") == "/cg/c1");
  CHECK(*sub_cgroup_dir("/cg/c1", "a/b") == "/cg/c1/a/b");
  CHECK(*sub_cgroup_dir("/cg/c1", "../../x") == "/cg/c1/x");  // ".." cannot climb out
  CHECK(sub_cgroup_dir("/cg/c1", "/abs").error().message() ==
        "invalid sub-cgroup \"/abs\": must be a relative path inside the container's cgroup");
  CHECK_FALSE(sub_cgroup_dir("/cg/c1", "a/.."));
}

TEST_CASE("fs2 manager: update keeps the other half of cpu.max; checkBeforeUpdate",
          "[cgroup-manager]") {
  TempDir tmp;
  Layout l = fake_v2(tmp.path());
  put(l.unified_mount, "cgroup.controllers", "cpu memory\n");
  put(l.unified_mount, "cgroup.subtree_control", "cpu memory\n");
  auto made = make_manager(l, {{"", "/"}}, "/berth/c1", "c1");
  REQUIRE(made);
  auto& m = *made;
  const std::string dir = l.unified_mount + "/berth/c1";
  REQUIRE(m->create());

  // A period alone must not lift the quota (it did: "max 40000").
  put(dir, "cpu.max", "20000 50000\n");
  spec::Resources period;
  period.cpu.emplace().period = 40000;
  REQUIRE(m->apply(period));
  CHECK(get(dir, "cpu.max") == "20000 40000");
  put(dir, "cpu.max", "20000 40000\n");
  spec::Resources quota;
  quota.cpu.emplace().quota = 10000;
  REQUIRE(m->apply(quota));
  CHECK(get(dir, "cpu.max") == "10000 40000");

  // checkBeforeUpdate: a limit below the usage is refused, nothing written.
  put(dir, "memory.max", "max\n");
  put(dir, "memory.current", "33554432\n");
  put(dir, "memory.swap.current", "1048576\n");
  spec::Resources low;
  low.memory.emplace().limit = 16777216;
  low.memory->check_before_update = true;
  auto e = m->apply(low);
  REQUIRE_FALSE(e);
  CHECK(e.error().message() ==
        "linux.resources.memory.limit: rejecting 16777216 below the cgroup's usage 33554432 "
        "(checkBeforeUpdate)");
  CHECK(get(dir, "memory.max") == "max");
  spec::Resources low_swap;
  low_swap.memory.emplace().limit = 33554433;  // just above the memory usage
  low_swap.memory->swap = 34000000;            // memory+swap, under 32 MiB + 1 MiB used
  low_swap.memory->check_before_update = true;
  e = m->apply(low_swap);
  REQUIRE_FALSE(e);
  CHECK(e.error().message() ==
        "linux.resources.memory.swap: rejecting memory+swap 34000000 below the cgroup's usage "
        "34603008 (checkBeforeUpdate)");
  // Above the usage, or without the flag: written.
  low.memory->limit = 50331648;
  REQUIRE(m->apply(low));
  CHECK(get(dir, "memory.max") == "50331648");
  low.memory->limit = 16777216;
  low.memory->check_before_update = false;
  REQUIRE(m->apply(low));
  CHECK(get(dir, "memory.max") == "16777216");
}
