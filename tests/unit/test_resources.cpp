// linux.resources parsing: every controller's fields and the error messages.
#include <catch2/catch.hpp>

#include "fixture_util.hpp"
#include "spec/config.hpp"
#include "spec/resources.hpp"

using namespace berth;

namespace {

// Reads `json` as linux.resources of a config.json; returns the first error
// ("" when none).
std::string read(const std::string& json, spec::Resources& out) {
  spec::ParseContext ctx("config.json");
  spec::Json doc = spec::Json::parse(R"({"linux": {"resources": )" + json + "}}");
  spec::Reader root(ctx, doc);
  spec::read_resources(root["linux"]["resources"], out);
  return ctx.error().value_or("");
}

std::string error_of(const std::string& json) {
  spec::Resources r;
  return read(json, r);
}

}  // namespace

TEST_CASE("resources: an empty object sets nothing", "[resources]") {
  spec::Resources r;
  REQUIRE(read("{}", r) == "");
  CHECK(r.devices.empty());
  CHECK_FALSE(r.memory);
  CHECK_FALSE(r.cpu);
  CHECK_FALSE(r.pids);
  CHECK_FALSE(r.block_io);
  CHECK(r.hugepage_limits.empty());
  CHECK_FALSE(r.network);
  CHECK(r.rdma.empty());
  CHECK(r.unified.empty());
}

TEST_CASE("resources: null controllers are absent", "[resources]") {
  spec::Resources r;
  REQUIRE(read(R"({"devices": null, "memory": null, "cpu": null, "pids": null, "blockIO": null,
                   "hugepageLimits": null, "network": null, "rdma": null, "unified": null})",
               r) == "");
  CHECK_FALSE(r.memory);
  CHECK_FALSE(r.cpu);
  CHECK_FALSE(r.pids);
  CHECK_FALSE(r.block_io);
  CHECK_FALSE(r.network);
}

TEST_CASE("resources: device cgroup rules", "[resources]") {
  spec::Resources r;
  REQUIRE(read(R"({"devices": [
    {"allow": false, "access": "rwm"},
    {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"},
    {"allow": true, "type": "b", "major": 8, "access": "mr"},
    {"allow": true, "type": "a"},
    {"allow": false, "minor": -1, "access": ""}
  ]})",
               r) == "");
  REQUIRE(r.devices.size() == 5);
  CHECK_FALSE(r.devices[0].allow);
  CHECK(r.devices[0].type == 'a');
  CHECK_FALSE(r.devices[0].major);
  CHECK_FALSE(r.devices[0].minor);
  CHECK(r.devices[0].access == "rwm");
  CHECK(r.devices[1].allow);
  CHECK(r.devices[1].type == 'c');
  CHECK(r.devices[1].major == 10);
  CHECK(r.devices[1].minor == 229);
  CHECK(r.devices[1].access == "rw");
  CHECK(r.devices[2].type == 'b');
  CHECK(r.devices[2].major == 8);
  CHECK_FALSE(r.devices[2].minor);
  CHECK(r.devices[2].access == "mr");
  CHECK(r.devices[3].type == 'a');
  CHECK(r.devices[3].access.empty());
  CHECK(r.devices[4].minor == -1);
}

TEST_CASE("resources: device cgroup rule errors", "[resources]") {
  CHECK(error_of(R"({"devices": [{"access": "rwm"}]})") ==
        "config.json: linux.resources.devices[0].allow: required");
  CHECK(error_of(R"({"devices": [{"allow": "yes"}]})") ==
        R"(config.json: linux.resources.devices[0].allow: expected boolean, got string "yes")");
  CHECK(error_of(R"({"devices": [{"allow": true}, {"allow": true, "type": "u"}]})") ==
        R"(config.json: linux.resources.devices[1].type: unknown device type "u")");
  CHECK(error_of(R"({"devices": [{"allow": true, "type": "char"}]})") ==
        R"(config.json: linux.resources.devices[0].type: unknown device type "char")");
  CHECK(error_of(R"({"devices": [{"allow": true, "major": "8"}]})") ==
        R"(config.json: linux.resources.devices[0].major: expected integer, got string "8")");
  for (const char* bad : {"rwx", "rr", "rwmr", "RW", " r", "a"}) {
    INFO(bad);
    CHECK(
        error_of(std::string(R"({"devices": [{"allow": true, "access": ")") + bad + "\"}]}") ==
        std::string(R"(config.json: linux.resources.devices[0].access: invalid device access ")") +
            bad + "\"");
  }
  for (const char* good : {"r", "w", "m", "rw", "wr", "mwr", "rwm"}) {
    INFO(good);
    CHECK(error_of(std::string(R"({"devices": [{"allow": true, "access": ")") + good + "\"}]}") ==
          "");
  }
  CHECK(error_of(R"({"devices": [null]})") ==
        "config.json: linux.resources.devices[0]: expected object, got null");
  CHECK(error_of(R"({"devices": {"allow": true}})") ==
        R"(config.json: linux.resources.devices: expected array, got object {"allow":true})");
}

TEST_CASE("resources: memory", "[resources]") {
  spec::Resources r;
  REQUIRE(
      read(R"({"memory": {"limit": 536870912, "reservation": 268435456, "swap": -1, "kernel": -1,
                   "kernelTCP": 1048576, "swappiness": 60, "disableOOMKiller": true,
                   "useHierarchy": false, "checkBeforeUpdate": true}})",
           r) == "");
  REQUIRE(r.memory);
  CHECK(r.memory->limit == 536870912);
  CHECK(r.memory->reservation == 268435456);
  CHECK(r.memory->swap == -1);
  CHECK(r.memory->kernel == -1);
  CHECK(r.memory->kernel_tcp == 1048576);
  CHECK(r.memory->swappiness == 60u);
  CHECK(r.memory->disable_oom_killer == true);
  CHECK(r.memory->use_hierarchy == false);
  CHECK(r.memory->check_before_update == true);

  spec::Resources only_limit;
  REQUIRE(read(R"({"memory": {"limit": 1}})", only_limit) == "");
  CHECK_FALSE(only_limit.memory->swap);
  CHECK_FALSE(only_limit.memory->swappiness);
  CHECK_FALSE(only_limit.memory->disable_oom_killer);

  CHECK(error_of(R"({"memory": {"limit": "1G"}})") ==
        R"(config.json: linux.resources.memory.limit: expected integer, got string "1G")");
  CHECK(error_of(R"({"memory": {"swappiness": -1}})") ==
        "config.json: linux.resources.memory.swappiness: value -1 out of range (must not be "
        "negative)");
  CHECK(error_of(R"({"memory": {"disableOOMKiller": 1}})") ==
        "config.json: linux.resources.memory.disableOOMKiller: expected boolean, got integer 1");
  CHECK(error_of(R"({"memory": 512})") ==
        "config.json: linux.resources.memory: expected object, got integer 512");
}

TEST_CASE("resources: cpu", "[resources]") {
  spec::Resources r;
  REQUIRE(read(R"({"cpu": {"shares": 1024, "quota": -1, "burst": 1000, "period": 100000,
                   "realtimeRuntime": 950000, "realtimePeriod": 1000000, "cpus": "0-3,7",
                   "mems": "0", "idle": 1}})",
               r) == "");
  REQUIRE(r.cpu);
  CHECK(r.cpu->shares == 1024u);
  CHECK(r.cpu->quota == -1);
  CHECK(r.cpu->burst == 1000u);
  CHECK(r.cpu->period == 100000u);
  CHECK(r.cpu->realtime_runtime == 950000);
  CHECK(r.cpu->realtime_period == 1000000u);
  CHECK(r.cpu->cpus == "0-3,7");
  CHECK(r.cpu->mems == "0");
  CHECK(r.cpu->idle == 1);

  CHECK(error_of(R"({"cpu": {"shares": -2}})") ==
        "config.json: linux.resources.cpu.shares: value -2 out of range (must not be negative)");
  CHECK(error_of(R"({"cpu": {"period": -1}})") ==
        "config.json: linux.resources.cpu.period: value -1 out of range (must not be negative)");
  CHECK(error_of(R"({"cpu": {"cpus": [0, 1]}})") ==
        "config.json: linux.resources.cpu.cpus: expected string, got array [0,1]");
  CHECK(error_of(R"({"cpu": {"quota": 9223372036854775808}})") ==
        "config.json: linux.resources.cpu.quota: value 9223372036854775808 out of range (max "
        "9223372036854775807)");
}

TEST_CASE("resources: pids", "[resources]") {
  spec::Resources r;
  REQUIRE(read(R"({"pids": {"limit": 32771}})", r) == "");
  CHECK(r.pids->limit == 32771);
  spec::Resources unlimited;
  REQUIRE(read(R"({"pids": {"limit": -1}})", unlimited) == "");
  CHECK(unlimited.pids->limit == -1);
  // runtime-spec 1.3 made limit optional.
  spec::Resources empty;
  REQUIRE(read(R"({"pids": {}})", empty) == "");
  REQUIRE(empty.pids);
  CHECK_FALSE(empty.pids->limit);
  CHECK(error_of(R"({"pids": {"limit": "max"}})") ==
        R"(config.json: linux.resources.pids.limit: expected integer, got string "max")");
}

TEST_CASE("resources: blockIO", "[resources]") {
  spec::Resources r;
  REQUIRE(read(R"({"blockIO": {
    "weight": 10, "leafWeight": 20,
    "weightDevice": [{"major": 8, "minor": 0, "weight": 500, "leafWeight": 300},
                     {"major": 8, "minor": 16, "weight": 100}],
    "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 600}],
    "throttleWriteBpsDevice": [{"major": 8, "minor": 1, "rate": 700}],
    "throttleReadIOPSDevice": [{"major": 8, "minor": 2, "rate": 800}],
    "throttleWriteIOPSDevice": [{"major": 8, "minor": 3, "rate": 900}, {"major": 9, "minor": 0, "rate": 0}]
  }})",
               r) == "");
  REQUIRE(r.block_io);
  const auto& b = *r.block_io;
  CHECK(b.weight == 10);
  CHECK(b.leaf_weight == 20);
  REQUIRE(b.weight_device.size() == 2);
  CHECK(b.weight_device[0].major == 8);
  CHECK(b.weight_device[0].minor == 0);
  CHECK(b.weight_device[0].weight == 500);
  CHECK(b.weight_device[0].leaf_weight == 300);
  CHECK(b.weight_device[1].minor == 16);
  CHECK(b.weight_device[1].weight == 100);
  CHECK_FALSE(b.weight_device[1].leaf_weight);
  REQUIRE(b.throttle_read_bps.size() == 1);
  CHECK(b.throttle_read_bps[0].major == 8);
  CHECK(b.throttle_read_bps[0].minor == 0);
  CHECK(b.throttle_read_bps[0].rate == 600);
  REQUIRE(b.throttle_write_bps.size() == 1);
  CHECK(b.throttle_write_bps[0].minor == 1);
  CHECK(b.throttle_write_bps[0].rate == 700);
  REQUIRE(b.throttle_read_iops.size() == 1);
  CHECK(b.throttle_read_iops[0].minor == 2);
  CHECK(b.throttle_read_iops[0].rate == 800);
  REQUIRE(b.throttle_write_iops.size() == 2);
  CHECK(b.throttle_write_iops[0].rate == 900);
  CHECK(b.throttle_write_iops[1].major == 9);
  CHECK(b.throttle_write_iops[1].rate == 0);
}

TEST_CASE("resources: blockIO errors", "[resources]") {
  CHECK(error_of(R"({"blockIO": {"weight": 65536}})") ==
        "config.json: linux.resources.blockIO.weight: value 65536 out of range (max 65535)");
  CHECK(error_of(R"({"blockIO": {"leafWeight": -1}})") ==
        "config.json: linux.resources.blockIO.leafWeight: value -1 out of range (must not be "
        "negative)");
  CHECK(error_of(R"({"blockIO": {"weightDevice": [{"minor": 0, "weight": 5}]}})") ==
        "config.json: linux.resources.blockIO.weightDevice[0].major: required");
  CHECK(error_of(R"({"blockIO": {"weightDevice": [{"major": 8, "weight": 5}]}})") ==
        "config.json: linux.resources.blockIO.weightDevice[0].minor: required");
  CHECK(error_of(R"({"blockIO": {"weightDevice": [{"major": 8, "minor": 0, "weight": 70000}]}})") ==
        "config.json: linux.resources.blockIO.weightDevice[0].weight: value 70000 out of range "
        "(max 65535)");
  CHECK(error_of(R"({"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}})") ==
        "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: required");
  CHECK(error_of(
            R"({"blockIO": {"throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": -1}]}})") ==
        "config.json: linux.resources.blockIO.throttleWriteBpsDevice[0].rate: value -1 out of "
        "range (must not be negative)");
  CHECK(
      error_of(
          R"({"blockIO": {"throttleReadIOPSDevice": [{"major": "8", "minor": 0, "rate": 1}]}})") ==
      R"(config.json: linux.resources.blockIO.throttleReadIOPSDevice[0].major: expected integer, got string "8")");
  CHECK(
      error_of(R"({"blockIO": {"throttleWriteIOPSDevice": [null]}})") ==
      "config.json: linux.resources.blockIO.throttleWriteIOPSDevice[0]: expected object, got null");
  // The spelling is the spec's: "Iops" is an unknown member and is ignored.
  spec::Resources r;
  REQUIRE(read(R"({"blockIO": {"throttleReadIopsDevice": [{"major": 8, "minor": 0, "rate": 1}]}})",
               r) == "");
  CHECK(r.block_io->throttle_read_iops.empty());
}

TEST_CASE("resources: hugepageLimits", "[resources]") {
  spec::Resources r;
  REQUIRE(read(R"({"hugepageLimits": [{"pageSize": "2MB", "limit": 209715200},
                                      {"pageSize": "64KB", "limit": 0},
                                      {"pageSize": "1GB", "limit": 1073741824}]})",
               r) == "");
  REQUIRE(r.hugepage_limits.size() == 3);
  CHECK(r.hugepage_limits[0].page_size == "2MB");
  CHECK(r.hugepage_limits[0].limit == 209715200u);
  CHECK(r.hugepage_limits[1].page_size == "64KB");
  CHECK(r.hugepage_limits[1].limit == 0u);
  CHECK(r.hugepage_limits[2].page_size == "1GB");

  for (const char* bad : {"2M", "2mb", "MB", "02MB", "0MB", "2 MB", "2MiB", "2XB", "-2MB", ""}) {
    INFO(bad);
    CHECK(
        error_of(std::string(R"({"hugepageLimits": [{"pageSize": ")") + bad +
                 R"(", "limit": 1}]})") ==
        std::string(
            R"(config.json: linux.resources.hugepageLimits[0].pageSize: invalid hugepage size ")") +
            bad + "\"");
  }
  for (const char* good : {"16KB", "32MB", "512MB", "16GB", "1TB"}) {
    INFO(good);
    CHECK(error_of(std::string(R"({"hugepageLimits": [{"pageSize": ")") + good +
                   R"(", "limit": 1}]})") == "");
  }
  CHECK(error_of(R"({"hugepageLimits": [{"limit": 1}]})") ==
        "config.json: linux.resources.hugepageLimits[0].pageSize: required");
  CHECK(error_of(R"({"hugepageLimits": [{"pageSize": "2MB"}]})") ==
        "config.json: linux.resources.hugepageLimits[0].limit: required");
}

TEST_CASE("resources: network", "[resources]") {
  spec::Resources r;
  REQUIRE(read(R"({"network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500},
                                                                  {"name": "eth1", "priority": 1000}]}})",
               r) == "");
  REQUIRE(r.network);
  CHECK(r.network->class_id == 1048577u);
  REQUIRE(r.network->priorities.size() == 2);
  CHECK(r.network->priorities[0].name == "eth0");
  CHECK(r.network->priorities[0].priority == 500u);
  CHECK(r.network->priorities[1].name == "eth1");
  CHECK(r.network->priorities[1].priority == 1000u);

  CHECK(error_of(R"({"network": {"classID": 4294967296}})") ==
        "config.json: linux.resources.network.classID: value 4294967296 out of range (max "
        "4294967295)");
  CHECK(error_of(R"({"network": {"priorities": [{"priority": 1}]}})") ==
        "config.json: linux.resources.network.priorities[0].name: required");
  CHECK(error_of(R"({"network": {"priorities": [{"name": "eth0"}]}})") ==
        "config.json: linux.resources.network.priorities[0].priority: required");
}

TEST_CASE("resources: rdma", "[resources]") {
  spec::Resources r;
  REQUIRE(
      read(
          R"({"rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}, "mlx4_0": {"hcaObjects": 1000}}})",
          r) == "");
  REQUIRE(r.rdma.size() == 2);
  CHECK(r.rdma.at("mlx5_1").hca_handles == 3u);
  CHECK(r.rdma.at("mlx5_1").hca_objects == 10000u);
  CHECK_FALSE(r.rdma.at("mlx4_0").hca_handles);
  CHECK(r.rdma.at("mlx4_0").hca_objects == 1000u);

  CHECK(error_of(R"({"rdma": [{"hcaHandles": 3}]})") ==
        R"(config.json: linux.resources.rdma: expected object, got array [{"hcaHandles":3}])");
  CHECK(error_of(R"({"rdma": {"mlx5_1": 3}})") ==
        "config.json: linux.resources.rdma.mlx5_1: expected object, got integer 3");
  CHECK(error_of(R"({"rdma": {"mlx5_1": null}})") ==
        "config.json: linux.resources.rdma.mlx5_1: expected object, got null");
  CHECK(error_of(R"({"rdma": {"mlx5_1": {"hcaHandles": "3"}}})") ==
        R"(config.json: linux.resources.rdma.mlx5_1.hcaHandles: expected integer, got string "3")");
}

TEST_CASE("resources: unified", "[resources]") {
  spec::Resources r;
  REQUIRE(
      read(
          R"({"unified": {"io.max": "259:0 rbps=2097152 wiops=120", "hugetlb.1GB.max": "1073741824"}})",
          r) == "");
  CHECK(r.unified ==
        std::map<std::string, std::string>{{"hugetlb.1GB.max", "1073741824"},
                                           {"io.max", "259:0 rbps=2097152 wiops=120"}});
  CHECK(error_of(R"({"unified": {"memory.max": 1024}})") ==
        "config.json: linux.resources.unified.memory.max: expected string, got integer 1024");
  CHECK(error_of(R"({"unified": ["memory.max=1024"]})") ==
        R"(config.json: linux.resources.unified: expected object, got array ["memory.max=1024"])");
}

TEST_CASE("resources: update document from podman", "[resources]") {
  auto text =
      test::slurp(test::source_root() / "tests/fixtures/clients/podman-update-resources.json");
  auto r = spec::parse_resources(text, "resources.json");
  REQUIRE((r ? std::string() : r.error().message()) == "");
  REQUIRE(r->memory);
  CHECK(r->memory->limit == 100663296);
  CHECK(r->memory->swap == 201326592);
  CHECK_FALSE(r->memory->reservation);
  CHECK_FALSE(r->cpu);
  CHECK_FALSE(r->pids);
  CHECK(r->devices.empty());
}

TEST_CASE("resources: update document errors name the document", "[resources]") {
  auto r = spec::parse_resources(R"({"cpu": {"shares": -1}})", "resources.json");
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "resources.json: cpu.shares: value -1 out of range (must not be negative)");
  auto top = spec::parse_resources("[]", "resources.json");
  REQUIRE_FALSE(top);
  CHECK(top.error().message() == "resources.json: expected object, got array []");
}
