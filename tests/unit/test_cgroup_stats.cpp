// cgroup statistics: the pure parsers of the kernel's stat files, the
// managers' stats() on fake v1/hybrid and cgroup2 trees, and the OOM watch
// of cgroup2 on a fake memory.events (inotify works on plain files).
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "src/cgroups/manager.hpp"
#include "src/cgroups/stats.hpp"
#include "src/runtime/base/fileio.hpp"
#include "src/runtime/base/scope_exit.hpp"
#include "tests/unit/fixture_util.hpp"

using namespace berth;
using namespace berth::cgroups;
using berth::test::TempDir;

namespace {

void put(const std::string& dir, const std::string& file, const std::string& content) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + file) << content;
}

std::string error_of(const Result<KeyValues>& r) {
  return r ? std::string() : r.error().message();
}

}  // namespace

TEST_CASE("single values: numbers, max, negatives", "[cgroup-stats]") {
  CHECK(*parse_stat_uint("123\n") == 123);
  CHECK(*parse_stat_uint("max\n") == kUnlimited);
  CHECK(*parse_stat_uint("-1\n") == 0);  // memory.soft_limit_in_bytes and friends
  CHECK(*parse_stat_uint("-99999999999999999999999") == 0);
  CHECK(*parse_stat_uint("18446744073709551615") == UINT64_MAX);
  for (const char* bad : {"", "x", "1x", "- 1", "18446744073709551616"}) {
    INFO(bad);
    CHECK_FALSE(parse_stat_uint(bad));
  }
  CHECK(parse_stat_uint("1x").error().message() == "invalid number \"1x\"");
  CHECK(*parse_stat_int("-1\n") == -1);
  CHECK_FALSE(parse_stat_int("one"));
}

TEST_CASE("flat keyed files", "[cgroup-stats]") {
  auto kv = parse_key_values("usage_usec 100\nuser_usec 60\n\nsystem_usec 40\nnr_bursts max\n");
  REQUIRE(kv);
  CHECK(kv->size() == 4);
  CHECK(kv->at("usage_usec") == 100);
  CHECK(kv->at("nr_bursts") == kUnlimited);
  CHECK(error_of(parse_key_values("a 1\nb\n")) == "malformed line \"b\"");
  CHECK(error_of(parse_key_values("a 1 2\n")) == "malformed line \"a 1 2\"");
  CHECK(error_of(parse_key_values("a x\n")) == "malformed line \"a x\"");
}

TEST_CASE("cpu.stat of v1 and cgroup2", "[cgroup-stats]") {
  CpuStats v1;
  apply_cpu_stat_v1(*parse_key_values("nr_periods 10\nnr_throttled 3\nthrottled_time 777\n"
                                      "nr_bursts 0\nburst_time 0\n"),
                    v1);
  CHECK(v1.periods == 10);
  CHECK(v1.throttled_periods == 3);
  CHECK(v1.throttled_time == 777);
  CHECK(v1.total == 0);

  CpuStats v2;
  apply_cpu_stat_v2(*parse_key_values("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"
                                      "nr_periods 4\nnr_throttled 2\nthrottled_usec 9\n"),
                    v2);
  CHECK(v2.total == 1500000);
  CHECK(v2.user == 1000000);
  CHECK(v2.kernel == 500000);
  CHECK(v2.periods == 4);
  CHECK(v2.throttled_periods == 2);
  CHECK(v2.throttled_time == 9000);
}

TEST_CASE("cpuacct files", "[cgroup-stats]") {
  auto modes = parse_cpuacct_stat("user 250\nsystem 5\n");
  REQUIRE(modes);
  CHECK(modes->user == 2500000000ULL);  // ticks of 10 ms
  CHECK(modes->kernel == 50000000ULL);
  CHECK(parse_cpuacct_stat("system 5\nuser 250\n").error().message() ==
        "malformed content \"system 5\\nuser 250\"");

  CHECK(*parse_uint_list("12 34 0 \n") == std::vector<uint64_t>{12, 34, 0});
  CHECK(parse_uint_list("").value().empty());
  CHECK_FALSE(parse_uint_list("1 a"));

  auto all = parse_cpuacct_usage_all("cpu user system\n0 100 20\n1 300 40\nbogus\n");
  REQUIRE(all);
  CHECK(all->user == std::vector<uint64_t>{100, 300});
  CHECK(all->kernel == std::vector<uint64_t>{20, 40});
  CHECK_FALSE(parse_cpuacct_usage_all("cpu user system\n0 x 1\n"));
}

TEST_CASE("v1 blkio files and cgroup2 io.stat", "[cgroup-stats]") {
  auto b = parse_blkio("8:0 Read 4096\n8:0 Write 0\n8:16 Total 4096\nTotal 8192\n");
  REQUIRE(b);
  REQUIRE(b->size() == 3);
  CHECK((*b)[0] == BlkioEntry{8, 0, "Read", 4096});
  CHECK((*b)[2] == BlkioEntry{8, 16, "Total", 4096});
  auto time = parse_blkio("254:0 1234\n");
  REQUIRE(time);
  CHECK((*time)[0] == BlkioEntry{254, 0, "", 1234});
  CHECK(parse_blkio("8:0 Read\n").error().message() == "malformed line \"8:0 Read\"");
  CHECK(parse_blkio("Total 0\n").value().empty());

  auto io = parse_io_stat(
      "254:0 rbytes=65536 wbytes=4096 rios=1 wios=2 dbytes=0 dios=0\n"
      "8:0 rbytes=1 wbytes=0 rios=3 wios=0\nnotadev x=1\n");
  REQUIRE(io);
  CHECK(io->io_service_bytes_recursive == std::vector<BlkioEntry>{{254, 0, "Read", 65536},
                                                                  {254, 0, "Write", 4096},
                                                                  {8, 0, "Read", 1},
                                                                  {8, 0, "Write", 0}});
  CHECK(io->io_serviced_recursive ==
        std::vector<BlkioEntry>{
            {254, 0, "Read", 1}, {254, 0, "Write", 2}, {8, 0, "Read", 3}, {8, 0, "Write", 0}});
  CHECK(io->sectors_recursive.empty());
  CHECK_FALSE(parse_io_stat("8:0 rbytes=x\n"));
}

TEST_CASE("cpuset lists", "[cgroup-stats]") {
  CHECK(*parse_cpu_list("0-3,7\n") == std::vector<uint16_t>{0, 1, 2, 3, 7});
  CHECK(*parse_cpu_list("5") == std::vector<uint16_t>{5});
  for (const char* bad : {"", "\n", "3-1", "1-2-3", "a", "-1", "1-", "70000"}) {
    INFO(bad);
    CHECK_FALSE(parse_cpu_list(bad));
  }
}

TEST_CASE("hugepage sizes from a cgroup's file names", "[cgroup-stats]") {
  std::vector<std::string> v2 = {"hugetlb.2MB.current", "hugetlb.2MB.rsvd.current",
                                 "hugetlb.1GB.current", "hugetlb.1GB.max",
                                 "memory.current",      "hugetlb..current"};
  CHECK(hugetlb_sizes(v2, ".current") == std::vector<std::string>{"1GB", "2MB"});
  std::vector<std::string> v1 = {"hugetlb.2MB.usage_in_bytes", "hugetlb.2MB.rsvd.usage_in_bytes",
                                 "hugetlb.64KB.failcnt"};
  CHECK(hugetlb_sizes(v1, ".usage_in_bytes") == std::vector<std::string>{"2MB"});
}

TEST_CASE("cgroup2 swap is reported as memory+swap, like v1", "[cgroup-stats]") {
  MemoryEntry mem{1000, 300, 400, 0};
  CHECK(v1_compatible_swap(mem, {kUnlimited, 50, 60, 0}) == MemoryEntry{kUnlimited, 350, 0, 0});
  CHECK(v1_compatible_swap(mem, {500, 50, 0, 0}) == MemoryEntry{1500, 350, 0, 0});
  CHECK(v1_compatible_swap({kUnlimited, 300, 0, 0}, {500, 0, 0, 0}).limit == kUnlimited);
  CHECK(v1_compatible_swap(mem, {}) == MemoryEntry{1000, 300, 0, 0});  // no swap accounting
}

TEST_CASE("fs2 manager stats on a fake tree", "[cgroup-stats]") {
  TempDir tmp;
  const std::string dir = tmp.path() + "/c1";
  auto m = make_fs2_manager({tmp.path(), "/c1", {}});
  put(dir, "cgroup.procs", "");
  put(dir, "cpu.stat", "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\n");

  // Only cpu.stat, which exists without the cpu controller; pids counted
  // from cgroup.procs.
  put(dir, "cgroup.procs", "10\n11\n");
  auto bare = m->stats();
  REQUIRE(bare);
  CHECK(bare->cpu.total == 2000000);
  CHECK(bare->pids == PidsStats{2, 0});
  CHECK(bare->memory == MemoryStats{});
  CHECK(bare->hugetlb.empty());

  put(dir, "pids.current", "3\n");
  put(dir, "pids.max", "max\n");
  put(dir, "memory.stat", "anon 4096\nfile 8192\n");
  put(dir, "memory.current", "12288\n");
  put(dir, "memory.max", "1048576\n");
  put(dir, "memory.peak", "20000\n");
  put(dir, "memory.swap.current", "0\n");
  put(dir, "memory.swap.max", "max\n");
  put(dir, "io.stat", "8:0 rbytes=512 wbytes=0 rios=1 wios=0\n");
  put(dir, "hugetlb.2MB.current", "2097152\n");
  put(dir, "hugetlb.2MB.events", "max 3\n");
  put(dir, "hugetlb.2MB.rsvd.current", "0\n");
  auto s = m->stats();
  REQUIRE(s);
  CHECK(s->pids == PidsStats{3, 0});
  CHECK(s->memory.cache == 8192);
  CHECK(s->memory.raw.at("anon") == 4096);
  CHECK(s->memory.usage == MemoryEntry{1048576, 12288, 20000, 0});
  CHECK(s->memory.swap == MemoryEntry{kUnlimited, 12288, 0, 0});
  CHECK(s->memory.kernel == MemoryEntry{});
  CHECK(s->blkio.io_service_bytes_recursive.size() == 2);
  REQUIRE(s->hugetlb.size() == 1);
  CHECK(s->hugetlb.at("2MB") == HugetlbStats{2097152, 0, 3});
  CHECK(s->cpuset == CpusetStats{});  // runc reads no cpuset files on cgroup2

  put(dir, "memory.stat", "anon\n");
  auto bad = m->stats();
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() ==
        "read \"memory.stat\" in \"" + dir + "\": malformed line \"anon\"");
}

TEST_CASE("fs1 manager stats on a fake hybrid tree", "[cgroup-stats]") {
  TempDir tmp;
  const std::string& r = tmp.path();
  std::vector<CgroupDir> v1 = {
      {r + "/memory", "/c1", {"memory"}}, {r + "/cpu,cpuacct", "/c1", {"cpu", "cpuacct"}},
      {r + "/pids", "/c1", {"pids"}},     {r + "/cpuset", "/c1", {"cpuset"}},
      {r + "/blkio", "/c1", {"blkio"}},   {r + "/freezer", "/c1", {"freezer"}}};
  auto m = make_fs1_manager(v1, CgroupDir{r + "/unified", "/c1", {}});
  const std::string mem = r + "/memory/c1", cpu = r + "/cpu,cpuacct/c1", pids = r + "/pids/c1",
                    cs = r + "/cpuset/c1", blk = r + "/blkio/c1", uni = r + "/unified/c1";
  put(mem, "memory.stat", "cache 4096\nrss 8192\ntotal_rss 8192\n");
  put(mem, "memory.usage_in_bytes", "12288\n");
  put(mem, "memory.max_usage_in_bytes", "16384\n");
  put(mem, "memory.failcnt", "2\n");
  put(mem, "memory.limit_in_bytes", "67108864\n");
  put(mem, "memory.memsw.usage_in_bytes", "12288\n");  // the rest of memsw missing: zeros
  put(mem, "memory.kmem.usage_in_bytes", "100\n");
  put(cpu, "cpu.stat", "nr_periods 5\nnr_throttled 1\nthrottled_time 42\n");
  put(cpu, "cpuacct.usage", "3000\n");
  put(cpu, "cpuacct.stat", "user 1\nsystem 2\n");
  put(cpu, "cpuacct.usage_percpu", "1000 2000 \n");
  put(cpu, "cpuacct.usage_all", "cpu user system\n0 900 100\n1 1500 500\n");
  put(pids, "pids.current", "1\n");
  put(pids, "pids.max", "100\n");
  put(cs, "cpuset.cpus", "0-1\n");
  put(cs, "cpuset.mems", "0\n");
  put(cs, "cpuset.sched_load_balance", "1\n");
  put(cs, "cpuset.sched_relax_domain_level", "-1\n");
  // bfq files present but empty: the throttle files are used instead.
  put(blk, "blkio.bfq.io_serviced_recursive", "");
  put(blk, "blkio.throttle.io_serviced_recursive", "254:0 Read 1\n254:0 Total 1\nTotal 1\n");
  put(blk, "blkio.throttle.io_service_bytes_recursive", "254:0 Read 4096\n");
  // Only cgroup2 has hugetlb; its cpu.stat must not override v1's cpu.
  put(uni, "hugetlb.2MB.current", "0\n");
  put(uni, "hugetlb.2MB.events", "max 0\n");
  put(uni, "cpu.stat", "usage_usec 999999\n");
  std::filesystem::create_directories(r + "/freezer/c1");

  auto s = m->stats();
  REQUIRE(s);
  CHECK(s->memory.cache == 4096);
  CHECK(s->memory.raw.size() == 3);
  CHECK(s->memory.usage == MemoryEntry{67108864, 12288, 16384, 2});
  CHECK(s->memory.swap == MemoryEntry{0, 12288, 0, 0});
  CHECK(s->memory.kernel.usage == 100);
  CHECK(s->memory.kernel_tcp == MemoryEntry{});
  CHECK(s->cpu.total == 3000);
  CHECK(s->cpu.user == 10000000);
  CHECK(s->cpu.kernel == 20000000);
  CHECK(s->cpu.percpu == std::vector<uint64_t>{1000, 2000});
  CHECK(s->cpu.percpu_user == std::vector<uint64_t>{900, 1500});
  CHECK(s->cpu.percpu_kernel == std::vector<uint64_t>{100, 500});
  CHECK(s->cpu.periods == 5);
  CHECK(s->cpu.throttled_time == 42);
  CHECK(s->pids == PidsStats{1, 100});
  CHECK(s->cpuset.cpus == std::vector<uint16_t>{0, 1});
  CHECK(s->cpuset.mems == std::vector<uint16_t>{0});
  CHECK(s->cpuset.sched_load_balance == 1);
  CHECK(s->cpuset.sched_relax_domain_level == -1);
  CHECK(s->blkio.io_serviced_recursive ==
        std::vector<BlkioEntry>{{254, 0, "Read", 1}, {254, 0, "Total", 1}});
  CHECK(s->blkio.io_service_bytes_recursive == std::vector<BlkioEntry>{{254, 0, "Read", 4096}});
  REQUIRE(s->hugetlb.count("2MB") == 1);
  CHECK(s->hugetlb.at("2MB") == HugetlbStats{});

  put(cpu, "cpuacct.stat", "system 2\n");
  auto bad = m->stats();
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() ==
        "read \"cpuacct.stat\" in \"" + cpu + "\": malformed content \"system 2\"");
}

TEST_CASE("cgroup2 OOM watch counts oom_kill changes", "[cgroup-stats]") {
  TempDir tmp;
  const std::string dir = tmp.path() + "/c1";
  put(dir, "memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
  auto w = make_fs2_manager({tmp.path(), "/c1", {}})->watch_oom();
  REQUIRE(w);
  auto& watch = **w;
  pollfd p{watch.fd(), POLLIN, 0};
  CHECK(::poll(&p, 1, 0) == 0);
  auto none = watch.consume();  // the kill before the watch is not reported
  REQUIRE(none);
  CHECK(none->ooms == 0);
  CHECK_FALSE(none->gone);

  put(dir, "memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 3\n");
  CHECK(::poll(&p, 1, 1000) == 1);
  auto two = watch.consume();
  REQUIRE(two);
  CHECK(two->ooms == 2);
  CHECK(::poll(&p, 1, 0) == 0);  // drained

  put(dir, "memory.events", "low 0\nhigh 1\nmax 9\noom 2\noom_kill 3\n");
  auto same = watch.consume();
  REQUIRE(same);
  CHECK(same->ooms == 0);

  std::filesystem::remove(dir + "/memory.events");
  auto gone = watch.consume();
  REQUIRE(gone);
  CHECK(gone->gone);

  CHECK_FALSE(make_fs2_manager({tmp.path(), "/nope", {}})->watch_oom());
}

// The one test on the real host: a v1 memory cgroup beneath this process's
// own, a child OOM-killed in it, the eventfd watch and real statistics.
TEST_CASE("real v1 memory cgroup: stats, OOM event, removal", "[cgroup-stats]") {
  auto layout = detect_layout();
  REQUIRE(layout);
  const V1Hierarchy* h = layout->find_v1("memory");
  if (h == nullptr) {
    WARN("skipped: this host has no v1 memory hierarchy");
    return;
  }
  Layout only;  // nothing but the memory hierarchy is touched
  only.kind = LayoutKind::kV1;
  only.v1 = {*h};
  auto self = read_file("/proc/self/cgroup");
  REQUIRE(self);
  auto made = make_manager(only, parse_proc_cgroup(*self),
                           "berth-unit-oom-" + std::to_string(::getpid()), "unused");
  REQUIRE(made);
  auto& m = *made;
  if (auto c = m->create(); !c) {
    WARN("skipped: cannot create a memory cgroup here: " + c.error().message());
    return;
  }
  int go[2];
  REQUIRE(::pipe(go) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    for (int sig = 1; sig < NSIG; ++sig) (void)::signal(sig, SIG_DFL);
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(2);
    for (int i = 0; i < 256; ++i) {  // 256 MiB, far above the limit
      void* p = std::malloc(1 << 20);
      if (p != nullptr) std::memset(p, 1, 1 << 20);
    }
    ::_exit(0);
  }
  ::close(go[0]);
  ScopeExit cleanup([&] {
    ::close(go[1]);
    if (child > 0) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
    }
    (void)m->destroy();
  });
  spec::Resources r;
  r.memory.emplace().limit = 16 << 20;
  r.memory->swap = 16 << 20;  // no swap: the OOM killer, not the swap device
  REQUIRE(m->apply(r));
  REQUIRE(m->add_process(child));
  auto w = m->watch_oom();
  REQUIRE(w);
  auto before = m->stats();
  REQUIRE(before);
  CHECK(before->memory.usage.limit == 16 << 20);
  CHECK(before->cpu == CpuStats{});  // only the memory hierarchy is in the layout

  REQUIRE(::write(go[1], "x", 1) == 1);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  child = 0;
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  pollfd p{(*w)->fd(), POLLIN, 0};
  REQUIRE(::poll(&p, 1, 2000) == 1);
  auto seen = (*w)->consume();
  REQUIRE(seen);
  CHECK(seen->ooms >= 1);
  CHECK_FALSE(seen->gone);
  auto after = m->stats();
  REQUIRE(after);
  CHECK(after->memory.usage.max > (8 << 20));  // the peak, near the limit
  CHECK(after->memory.raw.count("total_rss") == 1);

  REQUIRE(m->destroy());
  REQUIRE(::poll(&p, 1, 2000) == 1);  // rmdir signals the eventfd too
  auto gone = (*w)->consume();
  REQUIRE(gone);
  CHECK(gone->gone);
}
