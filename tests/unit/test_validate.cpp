// Validation rules: for each rule a config it accepts and one it refuses,
// with the exact message.  Configs are built as structs so these tests do not
// depend on the parsers.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "spec/validate.hpp"

using namespace berth;
using namespace berth::spec;

namespace {

Namespace ns(NamespaceType t, std::string path = "") {
  return Namespace{t, std::move(path)};
}

// A valid config with the namespaces most clients ask for.
Config base() {
  Config c;
  c.oci_version = "1.2.1";
  c.process.emplace();
  c.process->args = {"/bin/sh"};
  c.process->cwd = "/";
  c.process->env = {"PATH=/usr/bin:/bin"};
  c.root = Root{"rootfs", false};
  c.hostname = "berth";
  c.linux.emplace();
  c.linux->namespaces = {ns(NamespaceType::kPid), ns(NamespaceType::kMount),
                         ns(NamespaceType::kUts), ns(NamespaceType::kIpc),
                         ns(NamespaceType::kNetwork)};
  return c;
}

// The first error of validate(kCreate), or "" when the config passes.
std::string first(const Config& c, ValidateFor mode = ValidateFor::kCreate) {
  auto r = validate(c, mode, "config.json");
  return r ? std::string() : r.error().message();
}

// Names of the rules that fired, deduplicated.
std::set<std::string> fired(const Config& c, ValidateFor mode = ValidateFor::kCreate) {
  std::set<std::string> out;
  for (const auto& v : check_config(c, mode)) out.insert(v.rule);
  return out;
}

void remove_ns(Config& c, NamespaceType t) {
  auto& n = c.linux->namespaces;
  n.erase(std::remove_if(n.begin(), n.end(), [&](const Namespace& x) { return x.type == t; }),
          n.end());
}

IdMapping idmap(uint32_t container, uint32_t host, uint32_t size) {
  return IdMapping{container, host, size};
}

}  // namespace

TEST_CASE("the base config and every rule's table entry", "[validate]") {
  CHECK(first(base()) == "");
  CHECK(check_config(base(), ValidateFor::kCreate).empty());
  std::set<std::string_view> names;
  for (const auto& r : validation_rules()) {
    CHECK(r.check != nullptr);
    CHECK(names.insert(r.name).second);  // unique
  }
  CHECK(names.size() >= 30);
}

TEST_CASE("check_config reports every violation with its rule; validate the first", "[validate]") {
  Config c = base();
  c.process->cwd = "tmp";
  c.process->oom_score_adj = 5000;
  auto v = check_config(c, ValidateFor::kCreate);
  REQUIRE(v.size() == 2);
  CHECK(v[0].rule == "process-cwd");
  CHECK(v[0].path == "process.cwd");
  CHECK(v[1].rule == "oom-score-adj");
  CHECK(first(c) == "config.json: process.cwd: not an absolute path \"tmp\"");
  auto r = validate(c, ValidateFor::kCreate, "/b/config.json");
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "/b/config.json: process.cwd: not an absolute path \"tmp\"");
}

TEST_CASE("oci-version: SemVer 2.0 with major version 1", "[validate]") {
  Config c = base();
  for (const char* ok : {"1.0.0", "1.0.2-dev", "1.2.1", "1.0.0-rc5", "1.1.0-rc.1", "1.0.0+build.7",
                         "1.0.0-alpha-1.0+x-y"}) {
    c.oci_version = ok;
    INFO(ok);
    CHECK(first(c) == "");
  }
  for (const char* bad : {"1.x", "1.0", "", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+", "1.0.0-a..b",
                          "v1.0.0", "1.0.0 "}) {
    c.oci_version = bad;
    INFO(bad);
    CHECK(fired(c) == std::set<std::string>{"oci-version"});
  }
  c.oci_version = "1.x";
  CHECK(first(c) == "config.json: ociVersion: invalid version \"1.x\"");
  c.oci_version = "2.0.0";
  CHECK(first(c) ==
        "config.json: ociVersion: unsupported version \"2.0.0\" (berth implements 1.x)");
}

TEST_CASE("create-required: process and root only at create", "[validate]") {
  Config c = base();
  c.process.reset();
  CHECK(first(c) == "config.json: process: required");
  CHECK(first(c, ValidateFor::kAny) == "");
  c = base();
  c.root.reset();
  CHECK(first(c) == "config.json: root: required");
  CHECK(first(c, ValidateFor::kAny) == "");
}

TEST_CASE("root: path not empty; relative is fine", "[validate]") {
  Config c = base();
  c.root->path = "/var/lib/c/rootfs";
  CHECK(first(c) == "");
  c.root->path = "";
  CHECK(first(c) == "config.json: root.path: must not be empty");
  CHECK(first(c, ValidateFor::kAny) == "config.json: root.path: must not be empty");
}

TEST_CASE("process-args: at least one, non-empty first", "[validate]") {
  Config c = base();
  c.process->args = {"sh", "-c", ""};
  CHECK(first(c) == "");
  c.process->args.clear();
  CHECK(first(c) == "config.json: process.args: must contain at least one entry");
  c.process->args = {""};
  CHECK(first(c) == "config.json: process.args[0]: must not be empty");
}

TEST_CASE("process-cwd: absolute", "[validate]") {
  Config c = base();
  c.process->cwd = "/home/user";
  CHECK(first(c) == "");
  c.process->cwd = "";
  CHECK(first(c) == "config.json: process.cwd: not an absolute path \"\"");
}

TEST_CASE("process-env: NAME=value", "[validate]") {
  Config c = base();
  c.process->env = {"A=", "B=x=y", "TERM=xterm"};
  CHECK(first(c) == "");
  c.process->env = {"A=1", "NOEQUALS"};
  CHECK(first(c) == "config.json: process.env[1]: missing '=' in \"NOEQUALS\"");
  c.process->env = {"=x"};
  CHECK(first(c) == "config.json: process.env[0]: empty variable name in \"=x\"");
  c.process->env = {std::string("A=x\0y", 5)};
  CHECK(first(c) == "config.json: process.env[0]: contains a NUL byte: \"A=x\\u0000y\"");
}

TEST_CASE("rlimits: no duplicates, soft <= hard", "[validate]") {
  Config c = base();
  c.process->rlimits = {{7, "RLIMIT_NOFILE", 1024, 1024}, {6, "RLIMIT_NPROC", 100, 10}};
  CHECK(first(c) == "");
  c.process->rlimits.push_back({7, "RLIMIT_NOFILE", 10, 10});
  CHECK(first(c) ==
        "config.json: process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\" (also "
        "process.rlimits[0])");
  c.process->rlimits = {{7, "RLIMIT_NOFILE", 1024, 2048}};
  CHECK(first(c) == "config.json: process.rlimits[0]: soft limit 2048 exceeds hard limit 1024");
}

TEST_CASE("oom-score-adj: -1000..1000", "[validate]") {
  Config c = base();
  for (int v : {-1000, 0, 1000}) {
    c.process->oom_score_adj = v;
    CHECK(first(c) == "");
  }
  c.process->oom_score_adj = -1001;
  CHECK(first(c) == "config.json: process.oomScoreAdj: value -1001 out of range (-1000 to 1000)");
}

TEST_CASE("scheduler: nice, priority and deadline parameters per policy", "[validate]") {
  Config c = base();
  Scheduler& s = c.process->scheduler.emplace();
  s.policy = SchedPolicy::kOther;
  s.nice = -20;
  CHECK(first(c) == "");
  s.nice = 20;
  CHECK(first(c) == "config.json: process.scheduler.nice: value 20 out of range (-20 to 19)");
  s = Scheduler{};
  s.policy = SchedPolicy::kFifo;
  s.priority = 99;
  CHECK(first(c) == "");
  s.priority = 0;
  CHECK(first(c) ==
        "config.json: process.scheduler.priority: value 0 out of range (1 to 99) for SCHED_FIFO");
  s = Scheduler{};
  s.policy = SchedPolicy::kBatch;
  s.priority = 5;
  CHECK(first(c) ==
        "config.json: process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority, "
        "not SCHED_BATCH");
  s = Scheduler{};
  s.policy = SchedPolicy::kRr;
  s.priority = 10;
  s.runtime = 5000;
  CHECK(first(c) ==
        "config.json: process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE, "
        "not SCHED_RR");
  s = Scheduler{};
  s.policy = SchedPolicy::kDeadline;
  s.runtime = 10'000'000;
  s.deadline = 30'000'000;
  s.period = 30'000'000;
  CHECK(first(c) == "");
  s.period = 0;  // the kernel takes period = deadline
  CHECK(first(c) == "");
  s.deadline = 0;
  CHECK(first(c) == "config.json: process.scheduler.deadline: required for SCHED_DEADLINE");
  s.deadline = 5'000'000;
  CHECK(first(c) ==
        "config.json: process.scheduler.runtime: value 10000000 exceeds deadline 5000000");
  s.deadline = 30'000'000;
  s.period = 20'000'000;
  CHECK(first(c) ==
        "config.json: process.scheduler.deadline: value 30000000 exceeds period 20000000");
  s.runtime = 100;
  s.period = 0;
  CHECK(first(c) ==
        "config.json: process.scheduler.runtime: value 100 below the kernel's minimum of 1024 ns");
  s.runtime = 2000;
  s.deadline = uint64_t{1} << 63;
  CHECK(first(c) == "config.json: process.scheduler: deadline and period must be below 2^63 ns");
}

TEST_CASE("io-priority: 0..7", "[validate]") {
  Config c = base();
  c.process->io_priority = IoPriority{IoPrioClass::kRt, 7};
  CHECK(first(c) == "");
  c.process->io_priority->priority = 8;
  CHECK(first(c) == "config.json: process.ioPriority.priority: value 8 out of range (0 to 7)");
  c.process->io_priority->priority = -1;
  CHECK(fired(c) == std::set<std::string>{"io-priority"});
}

TEST_CASE("exec-cpu-affinity: cpu list syntax", "[validate]") {
  Config c = base();
  c.process->exec_cpu_affinity = CpuAffinity{"0-3,7", ""};
  CHECK(first(c) == "");
  c.process->exec_cpu_affinity->final = "1";
  CHECK(first(c) == "");
  for (const char* bad : {"3-1", "1,,2", "a", "-1", "1-", " 1", "0x1"}) {
    c.process->exec_cpu_affinity->initial = bad;
    INFO(bad);
    CHECK(fired(c) == std::set<std::string>{"exec-cpu-affinity"});
  }
  c.process->exec_cpu_affinity->initial = "3-1";
  CHECK(first(c) == "config.json: process.execCPUAffinity.initial: invalid cpu list \"3-1\"");
}

TEST_CASE("uts: hostname and domainname need a uts namespace and fit 64 bytes", "[validate]") {
  Config c = base();
  c.domainname = "example.org";
  CHECK(first(c) == "");
  remove_ns(c, NamespaceType::kUts);
  c.linux->namespaces.push_back(ns(NamespaceType::kUts, "/proc/1/ns/uts"));  // joined is fine
  CHECK(first(c) == "");
  remove_ns(c, NamespaceType::kUts);
  CHECK(first(c) ==
        "config.json: hostname: requires a uts namespace (linux.namespaces has no \"uts\")");
  c.hostname.clear();
  CHECK(first(c) ==
        "config.json: domainname: requires a uts namespace (linux.namespaces has no \"uts\")");
  c = base();
  c.hostname = std::string(64, 'h');
  CHECK(first(c) == "");
  c.hostname += 'h';
  CHECK(first(c) == "config.json: hostname: length 65 exceeds 64 bytes");
  c = base();
  c.linux.reset();
  CHECK(fired(c) == std::set<std::string>{"uts"});
}

TEST_CASE("mounts: destination set, no NUL, no filesystem data on bind mounts", "[validate]") {
  Config c = base();
  Mount tmp{"/tmp", "tmpfs", "tmpfs", {"size=64m"}, {}, {}, {}};
  tmp.parsed.data = "size=64m";
  Mount bind{"/data", "none", "/src", {"rbind"}, {}, {}, {}};
  bind.parsed.bind = bind.parsed.recursive_bind = true;
  Mount rel{"relative/dir", "bind", "/src", {"bind"}, {}, {}, {}};  // deprecated, still legal
  rel.parsed.bind = true;
  c.mounts = {tmp, bind, rel};
  CHECK(first(c) == "");
  c.mounts[2].destination = "";
  CHECK(first(c) == "config.json: mounts[2].destination: must not be empty");
  c.mounts[2].destination = std::string("/a\0b", 4);
  CHECK(first(c) == "config.json: mounts[2].destination: contains a NUL byte");
  c.mounts[2].destination = "/ok";
  c.mounts[1].parsed.data = "mode=755";
  CHECK(first(c) ==
        "config.json: mounts[1].options: bind mounts take no filesystem options, got \"mode=755\"");
}

TEST_CASE("mount-idmap: paired mappings, bind mounts, idmap without mappings needs userns",
          "[validate]") {
  Config c = base();
  Mount m{
      "/data", "none", "/src", {"rbind", "idmap"}, {}, {idmap(0, 1000, 1)}, {idmap(0, 1000, 1)}};
  m.parsed.bind = m.parsed.idmap = true;
  c.mounts = {m};
  CHECK(first(c) == "");
  c.mounts[0].parsed.idmap = false;  // mappings alone: idmap is a SHOULD
  CHECK(first(c) == "");
  c.mounts[0].gid_mappings.clear();
  CHECK(first(c) == "config.json: mounts[0].gidMappings: required with uidMappings");
  c.mounts[0] = m;
  c.mounts[0].uid_mappings.clear();
  CHECK(first(c) == "config.json: mounts[0].uidMappings: required with gidMappings");
  c.mounts[0] = m;
  c.mounts[0].uid_mappings[0].size = 0;
  CHECK(first(c) == "config.json: mounts[0].uidMappings[0].size: must be greater than 0");
  c.mounts[0] = m;
  c.mounts[0].parsed.bind = false;
  c.mounts[0].type = "tmpfs";
  CHECK(first(c) ==
        "config.json: mounts[0]: id-mapped mounts must be bind mounts (\"bind\" or \"rbind\")");
  c.mounts[0] = m;
  c.mounts[0].uid_mappings.clear();
  c.mounts[0].gid_mappings.clear();
  c.mounts[0].parsed.recursive_idmap = true;
  CHECK(first(c) ==
        "config.json: mounts[0].options: \"ridmap\" without uidMappings and gidMappings requires a "
        "user namespace (linux.namespaces has no \"user\")");
  c.linux->namespaces.push_back(ns(NamespaceType::kUser, "/proc/9/ns/user"));
  CHECK(first(c) == "");
}

TEST_CASE("namespaces: no duplicates, absolute paths", "[validate]") {
  Config c = base();
  c.linux->namespaces.push_back(ns(NamespaceType::kCgroup, "/proc/1/ns/cgroup"));
  CHECK(first(c) == "");
  c.linux->namespaces.push_back(ns(NamespaceType::kPid, "/proc/1/ns/pid"));
  CHECK(first(c) == "config.json: linux.namespaces[6]: duplicate namespace \"pid\"");
  c.linux->namespaces.pop_back();
  c.linux->namespaces.back().path = "proc/1/ns/cgroup";
  CHECK(first(c) ==
        "config.json: linux.namespaces[5].path: not an absolute path \"proc/1/ns/cgroup\"");
}

TEST_CASE("user-namespace: mappings need a user namespace; a new one needs both", "[validate]") {
  Config c = base();
  c.linux->uid_mappings = {idmap(0, 100000, 65536)};
  c.linux->gid_mappings = {idmap(0, 100000, 65536)};
  CHECK(first(c) ==
        "config.json: linux.uidMappings: requires a user namespace (linux.namespaces has no "
        "\"user\")");
  c.linux->namespaces.push_back(ns(NamespaceType::kUser));
  CHECK(first(c) == "");
  c.linux->gid_mappings.clear();
  CHECK(first(c) == "config.json: linux.gidMappings: required for a new user namespace");
  c.linux->uid_mappings.clear();
  c.linux->namespaces.back().path = "/proc/42/ns/user";  // joined: its own mappings
  CHECK(first(c) == "");
  c.linux->namespaces.back().path.clear();
  c.linux->uid_mappings = {idmap(0, 100000, 0)};
  c.linux->gid_mappings = {idmap(0, 100000, 1)};
  CHECK(first(c) == "config.json: linux.uidMappings[0].size: must be greater than 0");
  c.linux->uid_mappings = {idmap(0, 100000, 1000), idmap(500, 300000, 10)};
  CHECK(first(c) == "config.json: linux.uidMappings[1]: overlaps linux.uidMappings[0]");
  c.linux->uid_mappings = {idmap(0, 100000, 1000), idmap(1000, 100500, 10)};
  CHECK(first(c) == "config.json: linux.uidMappings[1]: overlaps linux.uidMappings[0]");
  c.linux->uid_mappings = {idmap(0, 4294967290u, 5), idmap(5, 100, 1)};
  CHECK(first(c) == "");
  c.linux->uid_mappings = {idmap(0, 4294967290u, 6)};
  CHECK(first(c) == "config.json: linux.uidMappings[0]: range overflows the 32-bit id space");
  c.linux->uid_mappings.assign(341, idmap(0, 0, 0));
  for (uint32_t i = 0; i < 341; ++i) c.linux->uid_mappings[i] = idmap(i, 1000 + i, 1);
  c.linux->gid_mappings = {idmap(0, 1000, 341)};
  CHECK(first(c) == "config.json: linux.uidMappings: more than 340 entries (the kernel's limit)");
}

TEST_CASE("user-mapped: the process ids exist in the container's user namespace", "[validate]") {
  Config c = base();
  c.linux->namespaces.push_back(ns(NamespaceType::kUser));
  c.linux->uid_mappings = {idmap(0, 100000, 1000)};
  c.linux->gid_mappings = {idmap(0, 100000, 1000)};
  c.process->user = User{999, 5, {}, {10, 20}, ""};
  CHECK(first(c) == "");
  c.process->user.uid = 1000;
  CHECK(first(c) == "config.json: process.user.uid: 1000 is not mapped by linux.uidMappings");
  c.process->user.uid = 0;
  c.process->user.additional_gids.push_back(4000);
  CHECK(first(c) ==
        "config.json: process.user.additionalGids[2]: 4000 is not mapped by linux.gidMappings");
  c.process->user.gid = 70000;
  CHECK(fired(c) == std::set<std::string>{"user-mapped"});
}

TEST_CASE("time-namespace: offsets need a new time namespace", "[validate]") {
  Config c = base();
  c.linux->time_offsets["monotonic"] = TimeOffset{10, 0};
  CHECK(first(c) ==
        "config.json: linux.timeOffsets: requires a time namespace (linux.namespaces has no "
        "\"time\")");
  c.linux->namespaces.push_back(ns(NamespaceType::kTime));
  CHECK(first(c) == "");
  c.linux->namespaces.back().path = "/proc/7/ns/time";
  CHECK(first(c) ==
        "config.json: linux.timeOffsets: cannot be set when joining a time namespace "
        "(\"/proc/7/ns/time\")");
}

TEST_CASE("sysctl: only namespaced keys, each with its namespace", "[validate]") {
  Config c = base();
  auto& s = c.linux->sysctl;
  s = {{"net.ipv4.ip_forward", "1"}, {"net/ipv4/conf/eno2.100/rp_filter", "0"},
       {"kernel.shmmax", "1"},       {"kernel.msgmni", "1"},
       {"fs.mqueue.msg_max", "10"},  {"kernel.domainname", "x"}};
  CHECK(first(c) == "");
  remove_ns(c, NamespaceType::kNetwork);
  c.linux->namespaces.push_back(
      ns(NamespaceType::kNetwork, "/var/run/netns/a"));  // joined: allowed
  CHECK(first(c) == "");
  remove_ns(c, NamespaceType::kNetwork);
  CHECK(first(c) ==
        "config.json: linux.sysctl: \"net.ipv4.ip_forward\" requires a network namespace "
        "(linux.namespaces has no \"network\")");
  c = base();
  c.linux->sysctl = {{"kernel.sem", "1 2 3 4"}};
  remove_ns(c, NamespaceType::kIpc);
  CHECK(first(c) ==
        "config.json: linux.sysctl: \"kernel.sem\" requires an ipc namespace (linux.namespaces has "
        "no \"ipc\")");
  c = base();
  c.linux->sysctl = {{"vm.swappiness", "10"}};
  CHECK(first(c) ==
        "config.json: linux.sysctl: \"vm.swappiness\" is not namespaced: setting it would change "
        "the host");
  c.linux->sysctl = {{"kernel.hostname", "x"}};
  CHECK(first(c) ==
        "config.json: linux.sysctl: \"kernel.hostname\" conflicts with the \"hostname\" field");
  c.linux->sysctl = {{"user.max_user_namespaces", "0"}};
  CHECK(first(c) ==
        "config.json: linux.sysctl: \"user.max_user_namespaces\" requires a user namespace "
        "(linux.namespaces has no \"user\")");
  c.linux->namespaces.push_back(ns(NamespaceType::kUser, "/proc/3/ns/user"));
  CHECK(first(c) == "");
  c.linux->sysctl = {{"net/../kernel/core_pattern", "|/evil"}};
  CHECK(first(c) == "config.json: linux.sysctl: invalid key \"net/../kernel/core_pattern\"");
  c.linux->sysctl = {{"net.ipv4..x", "1"}};
  CHECK(first(c) == "config.json: linux.sysctl: invalid key \"net.ipv4..x\"");
}

TEST_CASE("devices: absolute, unique paths; major/minor within dev_t", "[validate]") {
  Config c = base();
  c.linux->devices = {Device{"/dev/fuse", 'c', 10, 229, 0666, 0, 0},
                      Device{"/opt/dev/sda", 'b', 8, 0, {}, {}, {}},
                      Device{"/dev/fifo", 'p', 0, 0, {}, {}, {}}};
  CHECK(first(c) == "");
  c.linux->devices.push_back(Device{"/dev/fuse", 'c', 10, 229, {}, {}, {}});
  CHECK(
      first(c) ==
      "config.json: linux.devices[3].path: duplicate device \"/dev/fuse\" (also linux.devices[0])");
  c.linux->devices.back() = Device{"dev/x", 'c', 1, 3, {}, {}, {}};
  CHECK(first(c) == "config.json: linux.devices[3].path: not an absolute path \"dev/x\"");
  c.linux->devices.back() = Device{"/dev/x", 'c', 4096, 3, {}, {}, {}};
  CHECK(first(c) == "config.json: linux.devices[3].major: value 4096 out of range (0 to 4095)");
  c.linux->devices.back() = Device{"/dev/x", 'u', 1, -1, {}, {}, {}};
  CHECK(first(c) == "config.json: linux.devices[3].minor: value -1 out of range (0 to 1048575)");
}

TEST_CASE("cgroups-path: no \"..\" components", "[validate]") {
  Config c = base();
  for (const char* ok : {"/a/b", "rel/c", "machine.slice:libpod:abc", "/a/..b/c..", ""}) {
    c.linux->cgroups_path = ok;
    CHECK(first(c) == "");
  }
  c.linux->cgroups_path = "/a/../../etc";
  CHECK(first(c) == "config.json: linux.cgroupsPath: \"..\" component in \"/a/../../etc\"");
  c.linux->cgroups_path = "..";
  CHECK(fired(c) == std::set<std::string>{"cgroups-path"});
}

TEST_CASE("cgroup-unified: keys are plain file names", "[validate]") {
  Config c = base();
  auto& r = c.linux->resources.emplace();
  r.unified = {{"memory.max", "1G"}, {"io.weight", "default 100"}};
  CHECK(first(c) == "");
  r.unified["../../cgroup.procs"] = "1";
  CHECK(first(c) ==
        "config.json: linux.resources.unified: invalid file name \"../../cgroup.procs\"");
  r.unified = {{"..", "1"}};
  CHECK(fired(c) == std::set<std::string>{"cgroup-unified"});
}

TEST_CASE("memory-swap: memory+swap needs a limit and is not below it", "[validate]") {
  Config c = base();
  auto& m = c.linux->resources.emplace().memory.emplace();
  m.limit = 1 << 20;
  m.swap = 2 << 20;
  CHECK(first(c) == "");
  m.swap = -1;
  CHECK(first(c) == "");
  m.swap = 1 << 19;
  CHECK(first(c) ==
        "config.json: linux.resources.memory.swap: value 524288 below memory limit 1048576 "
        "(swap counts memory plus swap)");
  m.limit.reset();
  CHECK(first(c) ==
        "config.json: linux.resources.memory.swap: requires a memory limit "
        "(linux.resources.memory.limit)");
}

TEST_CASE("cpu-burst: burst no larger than a positive quota", "[validate]") {
  Config c = base();
  auto& cpu = c.linux->resources.emplace().cpu.emplace();
  cpu.quota = 50000;
  cpu.burst = 50000;
  CHECK(first(c) == "");
  cpu.quota = -1;
  cpu.burst = 90000;
  CHECK(first(c) == "");
  cpu.quota = 50000;
  CHECK(first(c) == "config.json: linux.resources.cpu.burst: value 90000 exceeds quota 50000");
}

TEST_CASE("blockio-rdma: weightDevice and rdma entries are not empty", "[validate]") {
  Config c = base();
  auto& r = c.linux->resources.emplace();
  r.block_io.emplace().weight_device = {WeightDevice{8, 0, 100, {}}, WeightDevice{8, 16, {}, 10}};
  r.rdma["mlx5_0"] = Rdma{10, {}};
  CHECK(first(c) == "");
  r.block_io->weight_device.push_back(WeightDevice{8, 32, {}, {}});
  CHECK(first(c) ==
        "config.json: linux.resources.blockIO.weightDevice[2]: needs weight or leafWeight");
  r.block_io->weight_device.pop_back();
  r.rdma["mlx4_0"] = Rdma{};
  CHECK(first(c) ==
        "config.json: linux.resources.rdma: device \"mlx4_0\" needs hcaHandles or hcaObjects");
}

TEST_CASE("masked-readonly-paths: absolute", "[validate]") {
  Config c = base();
  c.linux->masked_paths = {"/proc/kcore"};
  c.linux->readonly_paths = {"/proc/sys"};
  CHECK(first(c) == "");
  c.linux->readonly_paths.push_back("proc/bus");
  CHECK(first(c) == "config.json: linux.readonlyPaths[1]: not an absolute path \"proc/bus\"");
}

TEST_CASE("mount-namespace: masking and rootfs propagation need a mount namespace", "[validate]") {
  Config c = base();
  c.linux->masked_paths = {"/proc/kcore"};
  c.linux->rootfs_propagation_name = "slave";
  CHECK(first(c) == "");
  remove_ns(c, NamespaceType::kMount);
  CHECK(first(c) ==
        "config.json: linux.maskedPaths: requires a mount namespace (linux.namespaces has no "
        "\"mount\")");
  c.linux->masked_paths.clear();
  CHECK(first(c) ==
        "config.json: linux.rootfsPropagation: requires a mount namespace (linux.namespaces has no "
        "\"mount\")");
}

TEST_CASE("seccomp-notify: listener, default action and write", "[validate]") {
  Config c = base();
  Seccomp& s = c.linux->seccomp.emplace();
  s.default_action = SeccompAction::kAllow;
  s.syscalls = {SeccompRule{{"mknod", "read"}, SeccompAction::kNotify, {}, {}}};
  s.listener_path = "/run/agent.sock";
  s.listener_metadata = "x";
  CHECK(first(c) == "");
  s.listener_path.clear();
  s.listener_metadata.clear();
  CHECK(first(c) ==
        "config.json: linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY "
        "(linux.seccomp.syscalls[0])");
  s.listener_path = "agent.sock";
  CHECK(first(c) == "config.json: linux.seccomp.listenerPath: not an absolute path \"agent.sock\"");
  s.listener_path = "/run/agent.sock";
  s.syscalls[0].names.push_back("write");
  CHECK(first(c) ==
        "config.json: linux.seccomp.syscalls[0].names[2]: SCMP_ACT_NOTIFY cannot be used for "
        "\"write\" "
        "(the runtime needs it to pass the listener)");
  s.syscalls[0].names.pop_back();
  s.default_action = SeccompAction::kNotify;
  CHECK(first(c) ==
        "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  s.default_action = SeccompAction::kAllow;
  s.syscalls.clear();
  s.listener_path.clear();
  s.listener_metadata = "meta";
  CHECK(first(c) ==
        "config.json: linux.seccomp.listenerMetadata: set without linux.seccomp.listenerPath");
}

TEST_CASE("seccomp-errno: errnoRet only with ERRNO or TRACE", "[validate]") {
  Config c = base();
  Seccomp& s = c.linux->seccomp.emplace();
  s.default_action = SeccompAction::kErrno;
  s.default_errno_ret = 38;
  s.syscalls = {SeccompRule{{"bpf"}, SeccompAction::kErrno, 1, {}},
                SeccompRule{{"ptrace"}, SeccompAction::kTrace, 3, {}},
                SeccompRule{{"read"}, SeccompAction::kAllow, {}, {}}};
  CHECK(first(c) == "");
  s.syscalls[2].errno_ret = 1;
  CHECK(first(c) ==
        "config.json: linux.seccomp.syscalls[2].errnoRet: only valid with SCMP_ACT_ERRNO or "
        "SCMP_ACT_TRACE, not \"SCMP_ACT_ALLOW\"");
  s.syscalls[2].errno_ret.reset();
  s.default_action = SeccompAction::kKillProcess;
  CHECK(first(c) ==
        "config.json: linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or "
        "SCMP_ACT_TRACE, not \"SCMP_ACT_KILL_PROCESS\"");
  s.default_action = SeccompAction::kErrno;
  s.default_errno_ret = 70000;
  CHECK(first(c) ==
        "config.json: linux.seccomp.defaultErrnoRet: value 70000 out of range (0 to 65535)");
}

TEST_CASE("hooks: absolute paths, positive timeouts", "[validate]") {
  Config c = base();
  Hooks& h = c.hooks.emplace();
  h.prestart = {Hook{"/usr/bin/setup", {"setup"}, {}, 5}};
  h.poststop = {Hook{"/bin/true", {}, {}, {}}};
  CHECK(first(c) == "");
  h.create_container = {Hook{"bin/hook", {}, {}, {}}};
  CHECK(first(c) ==
        "config.json: hooks.createContainer[0].path: not an absolute path \"bin/hook\"");
  h.create_container.clear();
  h.poststop[0].timeout = 0;
  CHECK(first(c) == "config.json: hooks.poststop[0].timeout: must be greater than 0, got 0");
}

TEST_CASE("personality: no flags are defined", "[validate]") {
  Config c = base();
  c.linux->personality = Personality{PersonalityDomain::kLinux32, {}};
  CHECK(first(c) == "");
  c.linux->personality->flags = {"ADDR_NO_RANDOMIZE"};
  CHECK(first(c) ==
        "config.json: linux.personality.flags[0]: unknown personality flag \"ADDR_NO_RANDOMIZE\"");
}

TEST_CASE("net-devices: a network namespace and valid, distinct names", "[validate]") {
  Config c = base();
  auto& d = c.linux->net_devices;
  d["eth1"] = NetDevice{"ctr0"};
  d["eth2"] = NetDevice{};
  d["eth3"] = NetDevice{"net%d"};
  d["eth4"] = NetDevice{"net%d"};
  CHECK(first(c) == "");
  d["eth5"] = NetDevice{"ctr0"};
  CHECK(first(c) ==
        "config.json: linux.netDevices: \"eth1\" and \"eth5\" would both be named \"ctr0\"");
  d.erase("eth5");
  d["eth1"].name = "a-name-too-long-x";
  CHECK(first(c) ==
        "config.json: linux.netDevices: invalid interface name \"a-name-too-long-x\" for \"eth1\"");
  d["eth1"].name = "";
  d["bad/name"] = NetDevice{};
  CHECK(first(c) == "config.json: linux.netDevices: invalid interface name \"bad/name\"");
  d.erase("bad/name");
  for (const char* bad : {"..", "a b", "a:b", ""}) {
    d["eth1"].name.clear();
    d[bad] = NetDevice{};
    INFO(bad);
    CHECK(fired(c) == std::set<std::string>{"net-devices"});
    d.erase(bad);
  }
  remove_ns(c, NamespaceType::kNetwork);
  CHECK(first(c) ==
        "config.json: linux.netDevices: requires a network namespace (linux.namespaces has no "
        "\"network\")");
}

TEST_CASE("intel-rdt: closID, memBwSchema and schemata", "[validate]") {
  Config c = base();
  IntelRdt& r = c.linux->intel_rdt.emplace();
  r.clos_id = "/";
  r.mem_bw_schema = "MB:0=20";
  r.schemata = {"L3:0=7f0", "MB:0=20"};
  CHECK(first(c) == "");
  r.clos_id = "guaranteed_group";
  CHECK(first(c) == "");
  r.clos_id = "../x";
  CHECK(first(c) == "config.json: linux.intelRdt.closID: invalid CLOS name \"../x\"");
  r.clos_id = "g";
  r.mem_bw_schema = "L3:0=1";
  CHECK(first(c) ==
        "config.json: linux.intelRdt.memBwSchema: must start with \"MB:\", got \"L3:0=1\"");
  r.mem_bw_schema = "MB:0=20\nL3:0=1";
  CHECK(first(c) == "config.json: linux.intelRdt.memBwSchema: must not contain a newline");
  r.mem_bw_schema.clear();
  r.schemata.push_back("L2:0=f\nMB:0=1");
  CHECK(first(c) == "config.json: linux.intelRdt.schemata[2]: must not contain a newline");
}

TEST_CASE("memory-policy: nodes per mode, exclusive flags", "[validate]") {
  Config c = base();
  MemoryPolicy& mp = c.linux->memory_policy.emplace();
  mp.mode = MemoryPolicyMode::kInterleave;
  mp.nodes = "0-3,7";
  mp.flags = {"MPOL_F_STATIC_NODES"};
  CHECK(first(c) == "");
  mp.mode = MemoryPolicyMode::kPreferred;
  mp.nodes = "";
  CHECK(first(c) == "");
  mp.mode = MemoryPolicyMode::kBind;
  CHECK(first(c) == "config.json: linux.memoryPolicy.nodes: MPOL_BIND requires at least one node");
  mp.mode = MemoryPolicyMode::kLocal;
  mp.nodes = "1";
  CHECK(first(c) == "config.json: linux.memoryPolicy.nodes: MPOL_LOCAL takes no nodes, got \"1\"");
  mp.mode = MemoryPolicyMode::kBind;
  mp.nodes = "1-";
  CHECK(first(c) == "config.json: linux.memoryPolicy.nodes: invalid node list \"1-\"");
  mp.nodes = "1";
  mp.flags.push_back("MPOL_F_RELATIVE_NODES");
  CHECK(first(c) ==
        "config.json: linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES "
        "exclude each other");
}

TEST_CASE("annotations: keys not empty", "[validate]") {
  Config c = base();
  c.annotations = {{"org.example.key", ""}};
  CHECK(first(c) == "");
  c.annotations[""] = "v";
  CHECK(first(c) == "config.json: annotations: empty key");
}

TEST_CASE("validate: no mount namespace means no mounts, devices or read-only root", "[validate]") {
  using namespace berth::spec;
  Config c;
  c.oci_version = "1.2.0";
  c.process.emplace();
  c.process->args = {"/bin/sh"};
  c.process->cwd = "/";
  c.root = Root{"rootfs", true};
  c.mounts.push_back(Mount{});
  c.mounts.back().destination = "/proc";
  c.mounts.back().type = "proc";
  c.linux.emplace();
  c.linux->devices.push_back(Device{});
  c.linux->devices.back().path = "/dev/x";
  std::vector<std::string> paths;
  for (const auto& v : check_config(c, ValidateFor::kCreate))
    if (v.rule == "mount-namespace") paths.push_back(v.path);
  CHECK(paths == std::vector<std::string>{"mounts", "root.readonly", "linux.devices"});
  c.linux->namespaces.push_back(Namespace{NamespaceType::kMount, ""});
  for (const auto& v : check_config(c, ValidateFor::kCreate)) CHECK(v.rule != "mount-namespace");
}
