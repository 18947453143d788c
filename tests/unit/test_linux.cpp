// The "linux" section: every field, every name table, every error message.
#include <sys/mount.h>

#include <catch2/catch.hpp>

#include "spec/linux.hpp"

using namespace berth;
using spec::NamespaceType;

namespace {

// Reads `json` as the linux section of a config.json; returns the first
// error ("" when none).
std::string read(const std::string& json, spec::Linux& out) {
  spec::ParseContext ctx("config.json");
  spec::Json doc = spec::Json::parse(R"({"linux": )" + json + "}");
  spec::Reader root(ctx, doc);
  spec::read_linux(root["linux"], out);
  return ctx.error().value_or("");
}

std::string error_of(const std::string& json) {
  spec::Linux l;
  return read(json, l);
}

}  // namespace

TEST_CASE("linux: an empty section sets nothing", "[linux]") {
  spec::Linux l;
  REQUIRE(read("{}", l) == "");
  CHECK(l.uid_mappings.empty());
  CHECK(l.gid_mappings.empty());
  CHECK(l.time_offsets.empty());
  CHECK(l.sysctl.empty());
  CHECK_FALSE(l.resources);
  CHECK(l.cgroups_path.empty());
  CHECK(l.namespaces.empty());
  CHECK(l.devices.empty());
  CHECK_FALSE(l.seccomp);
  CHECK(l.rootfs_propagation == 0);
  CHECK(l.rootfs_propagation_name.empty());
  CHECK(l.masked_paths.empty());
  CHECK(l.readonly_paths.empty());
  CHECK(l.mount_label.empty());
  CHECK_FALSE(l.intel_rdt);
  CHECK_FALSE(l.personality);
  CHECK(l.net_devices.empty());
  CHECK_FALSE(l.memory_policy);
  CHECK(l.find_namespace(NamespaceType::kPid) == nullptr);
}

TEST_CASE("linux: null members are absent", "[linux]") {
  spec::Linux l;
  // containerd writes "seccomp": null; Go clients may do the same for others.
  REQUIRE(read(R"({"resources": null, "seccomp": null, "intelRdt": null, "personality": null,
                   "memoryPolicy": null, "namespaces": null, "timeOffsets": null, "netDevices": null,
                   "rootfsPropagation": null})",
               l) == "");
  CHECK_FALSE(l.resources);
  CHECK_FALSE(l.seccomp);
  CHECK_FALSE(l.intel_rdt);
  CHECK_FALSE(l.personality);
  CHECK_FALSE(l.memory_policy);
  CHECK(l.rootfs_propagation == 0);
}

TEST_CASE("linux: every field is parsed", "[linux]") {
  spec::Linux l;
  REQUIRE(read(R"({
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 1000}, {"containerID": 1000, "hostID": 1000, "size": 1}],
    "timeOffsets": {"monotonic": {"secs": -86400, "nanosecs": 999999999}, "boottime": {"secs": 7}},
    "sysctl": {"net.ipv4.ip_forward": "1", "kernel.msgmax": "8192"},
    "resources": {"pids": {"limit": 100}},
    "cgroupsPath": "system.slice:berth:c1",
    "namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/n1"}, {"type": "user"}],
    "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 5},
                {"path": "/dev/fifo", "type": "p"}],
    "seccomp": {"defaultAction": "SCMP_ACT_ALLOW"},
    "rootfsPropagation": "rslave",
    "maskedPaths": ["/proc/kcore", "/sys/firmware"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "system_u:object_r:container_file_t:s0:c1,c2",
    "intelRdt": {"closID": "guaranteed", "l3CacheSchema": "L3:0=7f0", "memBwSchema": "MB:0=20",
                 "schemata": ["L2:0=f", "MB:0=70"], "enableCMT": true, "enableMBM": true, "enableMonitoring": true},
    "personality": {"domain": "LINUX32", "flags": ["SOME_FLAG"]},
    "netDevices": {"eth1": {"name": "ctr0"}, "eth2": {}},
    "memoryPolicy": {"mode": "MPOL_INTERLEAVE", "nodes": "0-3,7", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_NUMA_BALANCING"]},
    "unknownField": [1, 2, 3]
  })",
               l) == "");

  REQUIRE(l.uid_mappings.size() == 1);
  CHECK(l.uid_mappings[0].container_id == 0);
  CHECK(l.uid_mappings[0].host_id == 100000);
  CHECK(l.uid_mappings[0].size == 65536);
  REQUIRE(l.gid_mappings.size() == 2);
  CHECK(l.gid_mappings[1].container_id == 1000);
  CHECK(l.gid_mappings[1].host_id == 1000);
  CHECK(l.gid_mappings[1].size == 1);

  REQUIRE(l.time_offsets.size() == 2);
  CHECK(l.time_offsets.at("monotonic").secs == -86400);
  CHECK(l.time_offsets.at("monotonic").nanosecs == 999999999u);
  CHECK(l.time_offsets.at("boottime").secs == 7);
  CHECK(l.time_offsets.at("boottime").nanosecs == 0u);

  CHECK(l.sysctl == std::map<std::string, std::string>{{"kernel.msgmax", "8192"},
                                                       {"net.ipv4.ip_forward", "1"}});
  REQUIRE(l.resources);
  REQUIRE(l.resources->pids);
  CHECK(l.resources->pids->limit == 100);
  CHECK(l.cgroups_path == "system.slice:berth:c1");

  REQUIRE(l.namespaces.size() == 3);
  CHECK(l.namespaces[0].type == NamespaceType::kPid);
  CHECK(l.namespaces[0].path.empty());
  CHECK(l.namespaces[1].type == NamespaceType::kNetwork);
  CHECK(l.namespaces[1].path == "/var/run/netns/n1");
  CHECK(l.find_namespace(NamespaceType::kNetwork) == &l.namespaces[1]);
  CHECK(l.find_namespace(NamespaceType::kUser) == &l.namespaces[2]);
  CHECK(l.find_namespace(NamespaceType::kTime) == nullptr);

  REQUIRE(l.devices.size() == 2);
  const auto& fuse = l.devices[0];
  CHECK(fuse.path == "/dev/fuse");
  CHECK(fuse.type == 'c');
  CHECK(fuse.major == 10);
  CHECK(fuse.minor == 229);
  CHECK(fuse.file_mode == 0666u);
  CHECK(fuse.uid == 0u);
  CHECK(fuse.gid == 5u);
  CHECK(l.devices[1].type == 'p');
  CHECK_FALSE(l.devices[1].file_mode);
  CHECK_FALSE(l.devices[1].uid);
  CHECK_FALSE(l.devices[1].gid);

  REQUIRE(l.seccomp);
  CHECK(l.seccomp->default_action == spec::SeccompAction::kAllow);
  CHECK(l.rootfs_propagation == static_cast<unsigned long>(MS_SLAVE | MS_REC));
  CHECK(l.rootfs_propagation_name == "rslave");
  CHECK(l.masked_paths == std::vector<std::string>{"/proc/kcore", "/sys/firmware"});
  CHECK(l.readonly_paths == std::vector<std::string>{"/proc/sys"});
  CHECK(l.mount_label == "system_u:object_r:container_file_t:s0:c1,c2");

  REQUIRE(l.intel_rdt);
  CHECK(l.intel_rdt->clos_id == "guaranteed");
  CHECK(l.intel_rdt->l3_cache_schema == "L3:0=7f0");
  CHECK(l.intel_rdt->mem_bw_schema == "MB:0=20");
  CHECK(l.intel_rdt->schemata == std::vector<std::string>{"L2:0=f", "MB:0=70"});
  CHECK(l.intel_rdt->enable_cmt);
  CHECK(l.intel_rdt->enable_mbm);
  CHECK(l.intel_rdt->enable_monitoring);

  REQUIRE(l.personality);
  CHECK(l.personality->domain == spec::PersonalityDomain::kLinux32);
  CHECK(l.personality->flags == std::vector<std::string>{"SOME_FLAG"});

  REQUIRE(l.net_devices.size() == 2);
  CHECK(l.net_devices.at("eth1").name == "ctr0");
  CHECK(l.net_devices.at("eth2").name.empty());

  REQUIRE(l.memory_policy);
  CHECK(l.memory_policy->mode == spec::MemoryPolicyMode::kInterleave);
  CHECK(l.memory_policy->nodes == "0-3,7");
  CHECK(l.memory_policy->flags ==
        std::vector<std::string>{"MPOL_F_STATIC_NODES", "MPOL_F_NUMA_BALANCING"});
}

TEST_CASE("linux: namespace type names", "[linux]") {
  auto names = spec::namespace_type_names();
  REQUIRE(names == std::vector<std::string_view>{"pid", "network", "mount", "ipc", "uts", "user",
                                                 "cgroup", "time"});
  REQUIRE(names.size() == spec::kNamespaceTypeCount);
  std::string all;
  for (auto n : names)
    all += std::string(all.empty() ? "" : ", ") + R"({"type": ")" + std::string(n) + "\"}";
  spec::Linux l;
  REQUIRE(read(R"({"namespaces": [)" + all + "]}", l) == "");
  REQUIRE(l.namespaces.size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    INFO(names[i]);
    CHECK(l.namespaces[i].type == static_cast<NamespaceType>(i));
    CHECK(spec::namespace_type_name(l.namespaces[i].type) == names[i]);
    CHECK(l.find_namespace(static_cast<NamespaceType>(i)) == &l.namespaces[i]);
  }
}

TEST_CASE("linux: namespace errors", "[linux]") {
  CHECK(error_of(R"({"namespaces": [{"type": "pid"}, {"type": "foo"}]})") ==
        R"(config.json: linux.namespaces[1].type: unknown namespace type "foo")");
  CHECK(error_of(R"({"namespaces": [{"type": "PID"}]})") ==
        R"(config.json: linux.namespaces[0].type: unknown namespace type "PID")");
  // "net" is the /proc/<pid>/ns name, not the spec's.
  CHECK(error_of(R"({"namespaces": [{"type": "net"}]})") ==
        R"(config.json: linux.namespaces[0].type: unknown namespace type "net")");
  CHECK(error_of(R"({"namespaces": [{"path": "/proc/1/ns/pid"}]})") ==
        "config.json: linux.namespaces[0].type: required");
  CHECK(error_of(R"({"namespaces": ["pid"]})") ==
        R"(config.json: linux.namespaces[0]: expected object, got string "pid")");
  CHECK(error_of(R"({"namespaces": [null]})") ==
        "config.json: linux.namespaces[0]: expected object, got null");
  CHECK(error_of(R"({"namespaces": {"type": "pid"}})") ==
        R"(config.json: linux.namespaces: expected array, got object {"type":"pid"})");
  CHECK(error_of(R"({"namespaces": [{"type": "pid", "path": 1}]})") ==
        "config.json: linux.namespaces[0].path: expected string, got integer 1");
}

TEST_CASE("linux: time offset errors", "[linux]") {
  CHECK(error_of(R"({"timeOffsets": {"realtime": {"secs": 1}}})") ==
        R"(config.json: linux.timeOffsets: unknown time namespace clock "realtime")");
  CHECK(error_of(R"({"timeOffsets": {"monotonic": {"nanosecs": 1000000000}}})") ==
        "config.json: linux.timeOffsets.monotonic.nanosecs: value 1000000000 out of range (max "
        "999999999)");
  CHECK(error_of(R"({"timeOffsets": {"boottime": {"nanosecs": -1}}})") ==
        "config.json: linux.timeOffsets.boottime.nanosecs: value -1 out of range (must not be "
        "negative)");
  CHECK(error_of(R"({"timeOffsets": {"boottime": {"secs": "1"}}})") ==
        R"(config.json: linux.timeOffsets.boottime.secs: expected integer, got string "1")");
  CHECK(error_of(R"({"timeOffsets": {"boottime": 5}})") ==
        "config.json: linux.timeOffsets.boottime: expected object, got integer 5");
  CHECK(error_of(R"({"timeOffsets": [{"monotonic": {}}]})") ==
        R"(config.json: linux.timeOffsets: expected object, got array [{"monotonic":{}}])");
}

TEST_CASE("linux: device errors", "[linux]") {
  for (const char* t : {"c", "u", "b", "p"}) {
    INFO(t);
    spec::Linux l;
    REQUIRE(read(std::string(R"({"devices": [{"path": "/dev/x", "type": ")") + t +
                     R"(", "major": 1, "minor": 2}]})",
                 l) == "");
    CHECK(l.devices[0].type == t[0]);
  }
  CHECK(error_of(R"({"devices": [{"path": "/dev/x", "type": "x", "major": 1, "minor": 2}]})") ==
        R"(config.json: linux.devices[0].type: unknown device type "x")");
  CHECK(error_of(R"({"devices": [{"path": "/dev/x", "type": "cc", "major": 1, "minor": 2}]})") ==
        R"(config.json: linux.devices[0].type: unknown device type "cc")");
  CHECK(error_of(R"({"devices": [{"path": "/dev/x", "major": 1, "minor": 2}]})") ==
        "config.json: linux.devices[0].type: required");
  CHECK(error_of(R"({"devices": [{"type": "c", "major": 1, "minor": 2}]})") ==
        "config.json: linux.devices[0].path: required");
  CHECK(error_of(R"({"devices": [{"path": "/dev/x", "type": "c", "major": "1", "minor": 2}]})") ==
        R"(config.json: linux.devices[0].major: expected integer, got string "1")");
  CHECK(error_of(R"({"devices": [{"path": "/dev/x", "type": "c", "major": 1, "minor": 2.5}]})") ==
        "config.json: linux.devices[0].minor: expected integer, got number 2.5");
  CHECK(
      error_of(
          R"({"devices": [{"path": "/dev/x", "type": "c", "major": 1, "minor": 2, "fileMode": -1}]})") ==
      "config.json: linux.devices[0].fileMode: value -1 out of range (must not be negative)");
  CHECK(
      error_of(
          R"({"devices": [{"path": "/dev/x", "type": "c", "major": 1, "minor": 2, "uid": 4294967296}]})") ==
      "config.json: linux.devices[0].uid: value 4294967296 out of range (max 4294967295)");
  CHECK(
      error_of(
          R"({"devices": [{"path": "/dev/x", "type": "c", "major": 1, "minor": 2, "gid": "0"}]})") ==
      R"(config.json: linux.devices[0].gid: expected integer, got string "0")");
}

TEST_CASE("linux: rootfs propagation", "[linux]") {
  struct Case {
    const char* name;
    unsigned long flags;
  };
  for (auto c : {Case{"shared", MS_SHARED}, Case{"slave", MS_SLAVE}, Case{"private", MS_PRIVATE},
                 Case{"unbindable", MS_UNBINDABLE}, Case{"rshared", MS_SHARED | MS_REC},
                 Case{"rslave", MS_SLAVE | MS_REC}, Case{"rprivate", MS_PRIVATE | MS_REC},
                 Case{"runbindable", MS_UNBINDABLE | MS_REC}}) {
    INFO(c.name);
    spec::Linux l;
    REQUIRE(read(std::string(R"({"rootfsPropagation": ")") + c.name + "\"}", l) == "");
    CHECK(l.rootfs_propagation == c.flags);
    CHECK(l.rootfs_propagation_name == c.name);
  }
  CHECK(error_of(R"({"rootfsPropagation": "shard"})") ==
        R"(config.json: linux.rootfsPropagation: unknown rootfs propagation "shard")");
  CHECK(error_of(R"({"rootfsPropagation": ""})") ==
        R"(config.json: linux.rootfsPropagation: unknown rootfs propagation "")");
  CHECK(error_of(R"({"rootfsPropagation": 1})") ==
        "config.json: linux.rootfsPropagation: expected string, got integer 1");
}

TEST_CASE("linux: personality", "[linux]") {
  spec::Linux l;
  REQUIRE(read(R"({"personality": {"domain": "LINUX"}})", l) == "");
  CHECK(l.personality->domain == spec::PersonalityDomain::kLinux);
  CHECK(l.personality->flags.empty());
  CHECK(error_of(R"({"personality": {"domain": "LINUX64"}})") ==
        R"(config.json: linux.personality.domain: unknown personality domain "LINUX64")");
  CHECK(error_of(R"({"personality": {"flags": []}})") ==
        "config.json: linux.personality.domain: required");
  CHECK(error_of(R"({"personality": {"domain": "LINUX", "flags": "x"}})") ==
        R"(config.json: linux.personality.flags: expected array, got string "x")");
  CHECK(error_of(R"({"personality": "LINUX"})") ==
        R"(config.json: linux.personality: expected object, got string "LINUX")");
}

TEST_CASE("linux: memory policy", "[linux]") {
  struct Case {
    const char* name;
    spec::MemoryPolicyMode mode;
  };
  using M = spec::MemoryPolicyMode;
  for (auto c : {Case{"MPOL_DEFAULT", M::kDefault}, Case{"MPOL_BIND", M::kBind},
                 Case{"MPOL_INTERLEAVE", M::kInterleave},
                 Case{"MPOL_WEIGHTED_INTERLEAVE", M::kWeightedInterleave},
                 Case{"MPOL_PREFERRED", M::kPreferred},
                 Case{"MPOL_PREFERRED_MANY", M::kPreferredMany}, Case{"MPOL_LOCAL", M::kLocal}}) {
    INFO(c.name);
    spec::Linux l;
    REQUIRE(read(std::string(R"({"memoryPolicy": {"mode": ")") + c.name + "\"}}", l) == "");
    CHECK(l.memory_policy->mode == c.mode);
    CHECK(l.memory_policy->nodes.empty());
    CHECK(l.memory_policy->flags.empty());
  }
  spec::Linux all_flags;
  REQUIRE(read(R"({"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "1",
                   "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES", "MPOL_F_NUMA_BALANCING"]}})",
               all_flags) == "");
  CHECK(all_flags.memory_policy->flags.size() == 3);

  CHECK(error_of(R"({"memoryPolicy": {"mode": "MPOL_RANDOM"}})") ==
        R"(config.json: linux.memoryPolicy.mode: unknown memory policy mode "MPOL_RANDOM")");
  CHECK(error_of(R"({"memoryPolicy": {"nodes": "0"}})") ==
        "config.json: linux.memoryPolicy.mode: required");
  CHECK(error_of(R"({"memoryPolicy": {"mode": "MPOL_BIND", "nodes": 0}})") ==
        "config.json: linux.memoryPolicy.nodes: expected string, got integer 0");
  CHECK(
      error_of(
          R"({"memoryPolicy": {"mode": "MPOL_BIND", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_LOCAL"]}})") ==
      R"(config.json: linux.memoryPolicy.flags[1]: unknown memory policy flag "MPOL_F_LOCAL")");
  CHECK(error_of(R"({"memoryPolicy": {"mode": "MPOL_BIND", "flags": [1]}})") ==
        "config.json: linux.memoryPolicy.flags[0]: expected string, got integer 1");
}

TEST_CASE("linux: intelRdt, netDevices and string fields", "[linux]") {
  CHECK(error_of(R"({"intelRdt": {"schemata": "L3:0=f"}})") ==
        R"(config.json: linux.intelRdt.schemata: expected array, got string "L3:0=f")");
  CHECK(error_of(R"({"intelRdt": {"enableMonitoring": "yes"}})") ==
        R"(config.json: linux.intelRdt.enableMonitoring: expected boolean, got string "yes")");
  CHECK(error_of(R"({"intelRdt": {"closID": 1}})") ==
        "config.json: linux.intelRdt.closID: expected string, got integer 1");
  CHECK(error_of(R"({"netDevices": {"eth0": "ctr0"}})") ==
        R"(config.json: linux.netDevices.eth0: expected object, got string "ctr0")");
  CHECK(error_of(R"({"netDevices": {"eth0": {"name": 0}}})") ==
        "config.json: linux.netDevices.eth0.name: expected string, got integer 0");
  CHECK(error_of(R"({"netDevices": ["eth0"]})") ==
        R"(config.json: linux.netDevices: expected object, got array ["eth0"])");
  CHECK(error_of(R"({"sysctl": {"net.ipv4.ip_forward": 1}})") ==
        "config.json: linux.sysctl.net.ipv4.ip_forward: expected string, got integer 1");
  CHECK(error_of(R"({"cgroupsPath": 5})") ==
        "config.json: linux.cgroupsPath: expected string, got integer 5");
  CHECK(error_of(R"({"maskedPaths": "/proc/kcore"})") ==
        R"(config.json: linux.maskedPaths: expected array, got string "/proc/kcore")");
  CHECK(error_of(R"({"readonlyPaths": [null]})") ==
        "config.json: linux.readonlyPaths[0]: expected string, got null");
  CHECK(error_of(R"({"mountLabel": false})") ==
        "config.json: linux.mountLabel: expected string, got boolean false");
  CHECK(error_of("[]") == "config.json: linux: expected object, got array []");
}

TEST_CASE("linux: errors inside resources, seccomp and id mappings keep their path", "[linux]") {
  CHECK(error_of(R"({"resources": {"memory": {"limit": "1G"}}})") ==
        R"(config.json: linux.resources.memory.limit: expected integer, got string "1G")");
  CHECK(error_of(R"({"seccomp": {"defaultAction": "SCMP_ACT_NOPE"}})") ==
        R"(config.json: linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_NOPE")");
  CHECK(error_of(R"({"uidMappings": [{"containerID": 0, "hostID": -1, "size": 1}]})") ==
        "config.json: linux.uidMappings[0].hostID: value -1 out of range (must not be negative)");
  CHECK(error_of(R"({"gidMappings": {"containerID": 0}})") ==
        R"(config.json: linux.gidMappings: expected array, got object {"containerID":0})");
}
