// `events`: Go durations (--interval) and runc's JSON shape of a stats
// event (runc types/events.go, with encoding/json's omitempty rules).
#include <catch2/catch.hpp>

#include "src/runtime/events.hpp"

using namespace berth;
using namespace berth::runtime;
using std::chrono::nanoseconds;

TEST_CASE("--interval takes Go durations", "[events]") {
  const std::pair<const char*, int64_t> good[] = {
      {"5s", 5000000000},
      {"100ms", 100000000},
      {"1m", 60000000000},
      {"1h30m", 5400000000000},
      {"1.5s", 1500000000},
      {".5s", 500000000},
      {"1.s", 1000000000},
      {"10us", 10000},
      {"10\u00b5s", 10000},
      {"10\u03bcs", 10000},
      {"7ns", 7},
      {"0", 0},
      {"+2s", 2000000000},
      {"-2s", -2000000000},
      {"0s", 0},
      {"1h1m1s1ms1us1ns", 3661001001001},
      {"2562047h47m16.854775807s", INT64_MAX},
  };
  for (auto [text, ns] : good) {
    INFO(text);
    auto d = parse_go_duration(text);
    REQUIRE(d);
    CHECK(d->count() == ns);
  }
  const std::pair<const char*, const char*> bad[] = {
      {"", "invalid duration \"\""},
      {"5", "invalid duration \"5\": missing unit"},
      {"5x", "invalid duration \"5x\": unknown unit \"x\""},
      {"5 s", "invalid duration \"5 s\": unknown unit \" s\""},
      {"s", "invalid duration \"s\""},
      {".s", "invalid duration \".s\""},
      {"-", "invalid duration \"-\""},
      {"1s-", "invalid duration \"1s-\": unknown unit \"s-\""},
      {"2562048h", "invalid duration \"2562048h\": overflow"},
      {"99999999999999999999s", "invalid duration \"99999999999999999999s\": overflow"},
  };
  for (auto [text, msg] : bad) {
    INFO(text);
    auto d = parse_go_duration(text);
    REQUIRE_FALSE(d);
    CHECK(d.error().message() == msg);
  }
}

TEST_CASE("an empty stats event has runc's shape", "[events]") {
  // What runc 1.1.5 prints for a cgroup with nothing to report: structs
  // present, omitempty numbers and lists absent.
  CHECK(
      event_line("stats", "c1", stats_json({})) ==
      R"({"type":"stats","id":"c1","data":{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},)"
      R"("cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,)"
      R"("memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,)"
      R"("sched_relax_domain_level":0},"memory":{"usage":{"limit":0,"failcnt":0},)"
      R"("swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},)"
      R"("kernelTCP":{"limit":0,"failcnt":0}},"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},)"
      R"("network_interfaces":null}})"
      "\n");
  CHECK(event_line("oom", "c1") == "{\"type\":\"oom\",\"id\":\"c1\"}\n");
}

TEST_CASE("a full stats event has runc's field names and order", "[events]") {
  cgroups::Stats s;
  s.cpu = {5534843, {5232610, 302233}, {0, 0}, {4000000, 0}, 10, 20, 3, 2, 1};
  s.cpuset.cpus = {0, 1};
  s.cpuset.mems = {0};
  s.cpuset.sched_load_balance = 1;
  s.cpuset.sched_relax_domain_level = -1;
  s.memory.cache = 4096;
  s.memory.usage = {67108864, 598016, 2527232, 0};
  s.memory.swap = {cgroups::kUnlimited, 598016, 0, 0};
  s.memory.raw = {{"rss", 49152}, {"cache", 4096}};
  s.pids = {1, 100};
  s.blkio.io_service_bytes_recursive = {{254, 0, "Read", 65536}, {254, 0, "Write", 0}};
  s.blkio.sectors_recursive = {{8, 16, "", 9}};
  s.hugetlb["2MB"] = {0, 0, 0};
  s.hugetlb["1GB"] = {1073741824, 1073741824, 2};

  auto j = stats_json(s);
  std::vector<std::string> top;
  for (const auto& [k, v] : j.items()) top.push_back(k);
  CHECK(top == std::vector<std::string>{"cpu", "cpuset", "memory", "pids", "blkio", "hugetlb",
                                        "intel_rdt", "network_interfaces"});
  CHECK(j["cpu"].dump() ==
        R"({"usage":{"total":5534843,"percpu":[5232610,302233],"percpu_kernel":[0,0],)"
        R"("percpu_user":[4000000,0],"kernel":10,"user":20},)"
        R"("throttling":{"periods":3,"throttledPeriods":2,"throttledTime":1}})");
  CHECK(j["cpuset"]["cpus"].dump() == "[0,1]");
  CHECK(j["cpuset"]["sched_relax_domain_level"] == -1);
  CHECK(j["memory"].dump() ==
        R"({"cache":4096,"usage":{"limit":67108864,"usage":598016,"max":2527232,"failcnt":0},)"
        R"("swap":{"limit":18446744073709551615,"usage":598016,"failcnt":0},)"
        R"("kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0},)"
        R"("raw":{"cache":4096,"rss":49152}})");
  CHECK(j["pids"].dump() == R"({"current":1,"limit":100})");
  CHECK(j["blkio"].dump() ==
        R"({"ioServiceBytesRecursive":[{"major":254,"op":"Read","value":65536},)"
        R"({"major":254,"op":"Write"}],"sectorsRecursive":[{"major":8,"minor":16,"value":9}]})");
  CHECK(j["hugetlb"].dump() ==
        R"({"1GB":{"usage":1073741824,"max":1073741824,"failcnt":2},"2MB":{"failcnt":0}})");
}
