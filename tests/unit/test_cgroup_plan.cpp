// Pure cgroup plans: conversions, file names, values, order and errors.
#include <catch2/catch.hpp>

#include "src/cgroups/plan.hpp"

using namespace berth;
using namespace berth::cgroups;

namespace {

// "file=value" per write, in order; flags as suffixes: ?best-effort, ~retry, ^unified.
std::vector<std::string> lines(const std::vector<Write>& plan) {
  std::vector<std::string> out;
  for (const auto& w : plan) {
    std::string s = w.file + "=" + w.value;
    if (w.best_effort) s += " ?";
    if (w.retry_on_einval) s += " ~";
    if (w.unified) s += " ^";
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> v2(const spec::Resources& r, HostFacts h = {}) {
  auto p = plan_v2(r, h);
  REQUIRE(p);
  return lines(*p);
}

std::vector<std::string> v1(const spec::Resources& r, HostFacts h = {}) {
  auto p = plan_v1(r, h);
  REQUIRE(p);
  return lines(*p);
}

spec::Resources memory(std::optional<int64_t> limit, std::optional<int64_t> swap,
                       std::optional<int64_t> reservation = {}) {
  spec::Resources r;
  r.memory.emplace();
  r.memory->limit = limit;
  r.memory->swap = swap;
  r.memory->reservation = reservation;
  return r;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("cpu shares -> cpu.weight (quadratic fit)", "[cgroup-plan]") {
  const std::pair<uint64_t, uint64_t> table[] = {
      {0, 0},          {1, 1},
      {2, 1},          {3, 2},
      {10, 4},         {100, 17},
      {512, 59},       {1024, 100},
      {2048, 174},     {100000, 4340},
      {262143, 10000}, {262144, 10000},
      {262145, 10000}, {UINT64_MAX, 10000},
  };
  for (auto [shares, weight] : table) {
    INFO("shares " << shares);
    CHECK(cpu_shares_to_weight(shares) == weight);
  }
}

TEST_CASE("memory swap -> memory.swap.max conversion", "[cgroup-plan]") {
  struct Case {
    int64_t swap, limit, want;
    const char* error;
  };
  const Case table[] = {
      {0, 0, 0, nullptr},        // all unset
      {-1, 0, -1, nullptr},      // unlimited swap, memory unset
      {300, -1, 300, nullptr},   // unlimited memory: swap stands alone
      {-1, -1, -1, nullptr},     // all unlimited
      {0, -1, -1, nullptr},      // v1 compatibility: unlimited memory, swap unset
      {-1, 1000, -1, nullptr},   // unlimited swap, limited memory
      {1000, 1000, 0, nullptr},  // no swap
      {500, 200, 300, nullptr},
      {0, 1000, 0, nullptr},  // swap unset: leave alone
      {-2, 0, 0, "unable to set swap limit without memory limit"},
      {300, 0, 0, "unable to set swap limit without memory limit"},
      {300, 400, 0, "memory+swap limit 300 must be >= memory limit 400"},
      {300, -300, 0, "invalid memory limit -300"},
  };
  for (const auto& c : table) {
    INFO("swap " << c.swap << " limit " << c.limit);
    auto r = memory_swap_to_v2(c.swap, c.limit);
    if (c.error != nullptr) {
      REQUIRE_FALSE(r);
      CHECK(r.error().message() == c.error);
    } else {
      REQUIRE(r);
      CHECK(*r == c.want);
    }
  }
}

TEST_CASE("blkio weight -> io.weight", "[cgroup-plan]") {
  CHECK(blkio_weight_to_io_weight(0) == 0);
  CHECK(blkio_weight_to_io_weight(10) == 1);
  CHECK(blkio_weight_to_io_weight(100) == 910);
  CHECK(blkio_weight_to_io_weight(500) == 4950);
  CHECK(blkio_weight_to_io_weight(1000) == 10000);
  CHECK(blkio_weight_to_io_weight(5) == 1);
}

TEST_CASE("plan_v2: memory", "[cgroup-plan]") {
  CHECK(v2(memory({}, {})).empty());
  CHECK(v2(memory(0, 0, 0)).empty());
  CHECK(v2(memory(1 << 20, {})) == V{"memory.max=1048576"});
  // Unlimited memory with swap unset means both unlimited; a host without
  // swap accounting lacks the file, which is fine for "max".
  CHECK(v2(memory(-1, {})) == V{"memory.swap.max=max ?", "memory.max=max"});
  CHECK(v2(memory(1000, 1000)) == V{"memory.swap.max=0 ?", "memory.max=1000"});
  CHECK(v2(memory(200, 500)) == V{"memory.swap.max=300", "memory.max=200"});
  CHECK(v2(memory(200, -1)) == V{"memory.swap.max=max ?", "memory.max=200"});
  CHECK(v2(memory(-1, 300)) == V{"memory.swap.max=300", "memory.max=max"});
  CHECK(v2(memory({}, -1)) == V{"memory.swap.max=max ?"});
  CHECK(v2(memory({}, {}, 100)) == V{"memory.low=100"});
  CHECK(v2(memory({}, {}, -1)) == V{"memory.low=max"});

  auto r = memory(100, 50);
  r.memory->swappiness = 10;  // no cgroup2 file: ignored as runc does
  r.memory->kernel = 5000;    // likewise
  r.memory->disable_oom_killer = true;
  auto bad = plan_v2(r);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() ==
        "linux.resources.memory.swap: memory+swap limit 50 must be >= memory limit 100");
  auto no_limit = plan_v2(memory({}, 300));
  REQUIRE_FALSE(no_limit);
  CHECK(no_limit.error().message() ==
        "linux.resources.memory.swap: unable to set swap limit without memory limit");
  auto negative = plan_v2(memory(-5, {}));
  REQUIRE_FALSE(negative);
  CHECK(negative.error().message() == "linux.resources.memory.limit: invalid value -5");

  auto ignored = memory({}, {});
  ignored.memory->swappiness = 10;
  ignored.memory->kernel = 5000;
  CHECK(v2(ignored).empty());
}

TEST_CASE("plan_v2: cpu and cpuset", "[cgroup-plan]") {
  spec::Resources r;
  auto& c = r.cpu.emplace();
  CHECK(v2(r).empty());
  c.shares = 1024;
  CHECK(v2(r) == V{"cpu.weight=100"});
  c.shares = 0;
  CHECK(v2(r).empty());
  c.shares.reset();

  c.quota = -1;
  CHECK(v2(r) == V{"cpu.max=max 100000"});
  c.quota = 50000;
  CHECK(v2(r) == V{"cpu.max=50000 100000"});
  c.period = 200000;
  CHECK(v2(r) == V{"cpu.max=50000 200000"});
  c.quota.reset();
  CHECK(v2(r) == V{"cpu.max=max 200000"});  // nothing known: quota "max"
  c.quota = 0;
  CHECK(v2(r) == V{"cpu.max=max 200000"});

  // One of the pair alone keeps the other's current value (update).
  HostFacts now;
  now.cpu_max = "20000 50000\n";
  CHECK(v2(r, now) == V{"cpu.max=20000 200000"});
  c.period.reset();
  c.quota = 10000;
  CHECK(v2(r, now) == V{"cpu.max=10000 50000"});
  c.quota = -1;
  CHECK(v2(r, now) == V{"cpu.max=max 50000"});
  c.period = 40000;
  CHECK(v2(r, now) == V{"cpu.max=max 40000"});
  now.cpu_max = "max 100000\n";
  c.quota.reset();
  CHECK(v2(r, now) == V{"cpu.max=max 40000"});
  now.cpu_max = "garbage";
  CHECK(v2(r, now) == V{"cpu.max=max 40000"});
  c.period.reset();
  c.quota = 5000;
  now.cpu_max = "x5 y";
  CHECK(v2(r, now) == V{"cpu.max=5000 100000"});
  c.quota.reset();
  c.period.reset();
  CHECK(v2(r, now).empty());

  // Burst goes before cpu.max and is retried after it on EINVAL.
  c.quota = 50000;
  c.burst = 10000;
  c.idle = 1;
  c.shares = 2;
  CHECK(v2(r) == V{"cpu.idle=1", "cpu.weight=1", "cpu.max.burst=10000 ~", "cpu.max=50000 100000"});
  c.quota.reset();
  c.shares.reset();
  c.idle.reset();
  CHECK(v2(r) == V{"cpu.max.burst=10000"});
  c.burst.reset();

  c.realtime_period = 1000000;  // no cgroup2 equivalent: ignored as runc does
  c.realtime_runtime = 950000;
  CHECK(v2(r).empty());

  c.cpus = "0-3";
  c.mems = "0";
  CHECK(v2(r) == V{"cpuset.cpus=0-3", "cpuset.mems=0"});
}

TEST_CASE("plan_v2: pids.max", "[cgroup-plan]") {
  const std::pair<int64_t, const char*> table[] = {
      {0, "max"}, {-1, "max"}, {-5, "max"}, {1, "1"}, {100, "100"}};
  for (auto [limit, want] : table) {
    spec::Resources r;
    r.pids.emplace().limit = limit;
    INFO("limit " << limit);
    CHECK(v2(r) == V{std::string("pids.max=") + want});
    CHECK(v1(r) == V{std::string("pids.max=") + want});
  }
  spec::Resources unset;
  unset.pids.emplace();
  CHECK(v2(unset).empty());
}

TEST_CASE("plan_v2: io (bfq or io.weight / never both) and io.max", "[cgroup-plan]") {
  spec::Resources r;
  auto& b = r.block_io.emplace();
  b.weight = 500;
  b.leaf_weight = 300;  // no cgroup2 equivalent
  b.weight_device.push_back({8, 0, 200, 100});
  b.weight_device.push_back({8, 16, std::nullopt, 50});
  b.throttle_read_bps.push_back({8, 0, 1048576});
  b.throttle_write_bps.push_back({8, 0, 2048});
  b.throttle_read_iops.push_back({253, 1, 100});
  b.throttle_write_iops.push_back({253, 1, 50});
  const V tail = {"io.max=8:0 rbps=1048576", "io.max=8:0 wbps=2048", "io.max=253:1 riops=100",
                  "io.max=253:1 wiops=50"};
  V plain = {"io.weight=4950", "io.weight=8:0 1920"};
  plain.insert(plain.end(), tail.begin(), tail.end());
  CHECK(v2(r) == plain);
  HostFacts bfq;
  bfq.bfq = true;
  V with_bfq = {"io.bfq.weight=500", "io.bfq.weight=8:0 200"};
  with_bfq.insert(with_bfq.end(), tail.begin(), tail.end());
  CHECK(v2(r, bfq) == with_bfq);
}

TEST_CASE("plan_v2: hugetlb / rdma", "[cgroup-plan]") {
  spec::Resources r;
  r.hugepage_limits = {{"2MB", 4194304}, {"1GB", 0}};
  CHECK(v2(r) == V{"hugetlb.2MB.max=4194304", "hugetlb.1GB.max=0"});
  HostFacts rsvd;
  rsvd.hugetlb_rsvd = true;
  CHECK(v2(r, rsvd) == V{"hugetlb.2MB.max=4194304", "hugetlb.2MB.rsvd.max=4194304",
                         "hugetlb.1GB.max=0", "hugetlb.1GB.rsvd.max=0"});
  CHECK(v1(r) == V{"hugetlb.2MB.limit_in_bytes=4194304", "hugetlb.1GB.limit_in_bytes=0"});
  CHECK(v1(r, rsvd)[1] == "hugetlb.2MB.rsvd.limit_in_bytes=4194304");

  for (const char* bad : {"2M", "MB", "2mB", "../2MB", "2MBB", ""}) {
    spec::Resources b;
    b.hugepage_limits = {{"64KB", 1}, {bad, 1}};
    auto p = plan_v2(b);
    INFO(bad);
    REQUIRE_FALSE(p);
    CHECK(p.error().message() ==
          "linux.resources.hugepageLimits[1].pageSize: invalid hugepage size \"" +
              std::string(bad) + "\"");
  }

  spec::Resources rd;
  rd.rdma["mlx5_1"] = {3, std::nullopt};
  rd.rdma["mlx4_0"] = {2, 2000};
  rd.rdma["none"] = {std::nullopt, std::nullopt};
  CHECK(v2(rd) ==
        V{"rdma.max=mlx4_0 hca_handle=2 hca_object=2000", "rdma.max=mlx5_1 hca_handle=3"});
  CHECK(v1(rd) == v2(rd));
  rd.rdma["bad name"] = {1, 1};
  auto p = plan_v2(rd);
  REQUIRE_FALSE(p);
  CHECK(p.error().message() == "linux.resources.rdma: invalid device name \"bad name\"");
}

TEST_CASE("plan_v2: unified entries come last and override", "[cgroup-plan]") {
  auto r = memory(1000, {});
  r.pids.emplace().limit = 10;
  r.unified["memory.max"] = "2000";
  r.unified["io.max"] = "8:0 rbps=1\n8:16 wbps=2\n";
  r.unified["cgroup.freeze"] = "0";
  CHECK(v2(r) == V{"pids.max=10", "cgroup.freeze=0", "io.max=8:0 rbps=1", "io.max=8:16 wbps=2",
                   "memory.max=2000"});
  auto p = plan_v2(r);
  REQUIRE(p);
  CHECK(p->back().controller == "memory");

  for (const char* key : {"memory", "../memory.max", ".max", "memory.", "a/b.c"}) {
    spec::Resources b;
    b.unified[key] = "1";
    auto e = plan_v2(b);
    INFO(key);
    REQUIRE_FALSE(e);
    CHECK(e.error().message() == "linux.resources.unified: key \"" + std::string(key) +
                                     "\" must be a file name of the form <controller>.<parameter>");
  }
  spec::Resources empty_value;
  empty_value.unified["memory.high"] = "";
  CHECK(v2(empty_value) == V{"memory.high="});
}

TEST_CASE("plan_v1: memory order / flags and errors", "[cgroup-plan]") {
  CHECK(v1(memory({}, {})).empty());
  CHECK(v1(memory(1000, {})) == V{"memory.limit_in_bytes=1000"});
  // Both: each may be deferred once, which covers raising and lowering.
  CHECK(v1(memory(1000, 2000)) ==
        V{"memory.limit_in_bytes=1000 ~", "memory.memsw.limit_in_bytes=2000 ~"});
  CHECK(v1(memory(-1, {})) == V{"memory.limit_in_bytes=-1", "memory.memsw.limit_in_bytes=-1 ?"});
  CHECK(v1(memory(-1, -1)) == V{"memory.limit_in_bytes=-1 ~", "memory.memsw.limit_in_bytes=-1 ~"});
  CHECK(v1(memory({}, 5000)) == V{"memory.memsw.limit_in_bytes=5000"});

  auto r = memory({}, {}, 100);
  auto& m = *r.memory;
  m.kernel = 1 << 20;
  m.kernel_tcp = 1 << 16;
  m.disable_oom_killer = true;
  m.swappiness = 60;
  m.use_hierarchy = true;  // always on in modern kernels; not written
  CHECK(v1(r) == V{"memory.kmem.limit_in_bytes=1048576 ?", "memory.kmem.tcp.limit_in_bytes=65536",
                   "memory.soft_limit_in_bytes=100", "memory.oom_control=1",
                   "memory.swappiness=60"});
  m.disable_oom_killer = false;
  m.swappiness = 101;
  auto bad = plan_v1(r);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() ==
        "linux.resources.memory.swappiness: invalid value 101 (valid range is 0-100)");
  auto low = plan_v1(memory(2000, 1000));
  REQUIRE_FALSE(low);
  CHECK(low.error().message() ==
        "linux.resources.memory.swap: memory+swap limit 1000 must be >= memory limit 2000");
}

TEST_CASE("plan_v1: cpu / period before quota / realtime", "[cgroup-plan]") {
  spec::Resources r;
  auto& c = r.cpu.emplace();
  c.shares = 512;
  c.quota = 25000;
  c.period = 50000;
  c.burst = 1000;
  c.idle = 0;
  c.realtime_period = 1000000;
  c.realtime_runtime = 950000;
  c.cpus = "1";
  c.mems = "0";
  CHECK(v1(r) == V{"cpuset.cpus=1", "cpuset.mems=0", "cpu.shares=512", "cpu.cfs_period_us=50000 ~",
                   "cpu.cfs_burst_us=1000 ? ~", "cpu.cfs_quota_us=25000", "cpu.idle=0",
                   "cpu.rt_period_us=1000000 ~", "cpu.rt_runtime_us=950000"});
  spec::Resources q;
  q.cpu.emplace().quota = -1;
  CHECK(v1(q) == V{"cpu.cfs_quota_us=-1"});
  q.cpu->quota.reset();
  q.cpu->period = 100000;
  q.cpu->realtime_period = 5;
  CHECK(v1(q) == V{"cpu.cfs_period_us=100000", "cpu.rt_period_us=5"});
}

TEST_CASE("plan_v1: devices in config order after a leading deny", "[cgroup-plan]") {
  spec::Resources r;
  CHECK(v1(r).empty());
  r.devices.push_back({false, 'a', std::nullopt, std::nullopt, "rwm"});
  r.devices.push_back({true, 'c', 1, 3, "rwm"});
  r.devices.push_back({true, 'c', 136, std::nullopt, "rw"});
  r.devices.push_back({false, 'b', std::nullopt, 7, ""});
  r.devices.push_back({true, 'c', 5, 1, "m"});
  CHECK(v1(r) == V{"devices.deny=a", "devices.deny=a *:* rwm", "devices.allow=c 1:3 rwm",
                   "devices.allow=c 136:* rw", "devices.deny=b *:7 rwm", "devices.allow=c 5:1 m"});
  CHECK(v2(r).empty());  // cgroup2 devices are an eBPF program, not a file
}

TEST_CASE("plan_v1: blkio / net_cls / net_prio", "[cgroup-plan]") {
  spec::Resources r;
  auto& b = r.block_io.emplace();
  b.weight = 500;
  b.leaf_weight = 300;
  b.weight_device.push_back({8, 0, 200, 100});
  b.throttle_read_bps.push_back({8, 0, 1});
  b.throttle_write_bps.push_back({8, 0, 2});
  b.throttle_read_iops.push_back({8, 0, 3});
  b.throttle_write_iops.push_back({8, 0, 4});
  auto& n = r.network.emplace();
  n.class_id = 0x100001;
  n.priorities = {{"eth0", 5}, {"lo", 1}};
  CHECK(v1(r) == V{"blkio.weight=500", "blkio.leaf_weight=300", "blkio.weight_device=8:0 200",
                   "blkio.leaf_weight_device=8:0 100", "blkio.throttle.read_bps_device=8:0 1",
                   "blkio.throttle.write_bps_device=8:0 2", "blkio.throttle.read_iops_device=8:0 3",
                   "blkio.throttle.write_iops_device=8:0 4", "net_cls.classid=1048577",
                   "net_prio.ifpriomap=eth0 5", "net_prio.ifpriomap=lo 1"});
  HostFacts bfq;
  bfq.bfq = true;
  auto with_bfq = v1(r, bfq);
  CHECK(with_bfq[0] == "blkio.bfq.weight=500");
  CHECK(with_bfq[2] == "blkio.bfq.weight_device=8:0 200");
  CHECK(v2(r).size() == 6);  // net_cls/net_prio have no cgroup2 files

  n.priorities = {{"eth 0", 5}};
  auto bad = plan_v1(r);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() ==
        "linux.resources.network.priorities[0].name: invalid interface name \"eth 0\"");
}

TEST_CASE("plan_v1: unified needs a cgroup2 mount", "[cgroup-plan]") {
  spec::Resources r;
  r.pids.emplace().limit = 5;
  r.unified["pids.max"] = "7";
  auto p = plan_v1(r);
  REQUIRE_FALSE(p);
  CHECK(p.error().message() ==
        "linux.resources.unified: needs cgroup v2, and this host has only cgroup v1 hierarchies");
  // Hybrid: the entry is marked for the cgroup2 mount; v1's own pids.max stays.
  HostFacts hybrid;
  hybrid.unified_mount = true;
  CHECK(v1(r, hybrid) == V{"pids.max=5", "pids.max=7 ^"});
  auto hp = plan_v1(r, hybrid);
  REQUIRE(hp);
  CHECK(hp->back().controller == "pids");
}

TEST_CASE("plans: the controller of every write", "[cgroup-plan]") {
  spec::Resources r = memory(100, 200);
  r.cpu.emplace().shares = 100;
  r.cpu->cpus = "0";
  r.pids.emplace().limit = 1;
  r.block_io.emplace().weight = 100;
  r.hugepage_limits = {{"2MB", 1}};
  r.devices.push_back({true, 'c', 1, 3, "r"});
  auto p2 = plan_v2(r);
  REQUIRE(p2);
  for (const auto& w : *p2) CHECK(w.file.starts_with(w.controller + "."));
  auto p1 = plan_v1(r);
  REQUIRE(p1);
  for (const auto& w : *p1) CHECK(w.file.starts_with(w.controller + "."));
}

TEST_CASE("device rules: deny all, the config's rules, then the defaults", "[cgroup-plan]") {
  berth::spec::Resources r;
  berth::spec::DeviceCgroupRule mine;
  mine.allow = true;
  mine.type = 'c';
  mine.major = 1;
  mine.minor = 11;
  mine.access = "rw";
  r.devices.push_back(mine);
  auto full = berth::cgroups::with_default_devices(r);
  REQUIRE(full.devices.size() == 2 + berth::cgroups::default_device_rules().size());
  CHECK_FALSE(full.devices[0].allow);
  CHECK(full.devices[0].type == 'a');
  CHECK(full.devices[1].minor == 11);
  auto plan = berth::cgroups::plan_v1(full);
  REQUIRE(plan);
  std::vector<std::string> allows;
  for (const auto& w : *plan)
    if (w.file == "devices.allow") allows.push_back(w.value);
  REQUIRE(allows.size() == 12);
  CHECK(allows[0] == "c 1:11 rw");
  CHECK(allows[1] == "c *:* m");
  CHECK(allows.back() == "c 136:* rwm");
}
