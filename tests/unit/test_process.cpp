#include <linux/sched.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <string>

#include "spec/config.hpp"

using namespace berth;
using spec::Process;

namespace {

std::string config_with_process(const std::string& process) {
  return R"({"ociVersion": "1.2.0", "process": )" + process + "}";
}

// The parsed process; fails the test when the config does not parse.
Process parse_ok(const std::string& process) {
  auto c = spec::parse_config(config_with_process(process), "config.json");
  INFO(process);
  REQUIRE(c);
  REQUIRE(c->process);
  return *c->process;
}

// The message of a config whose process is `process`, "" when it parses.
std::string error_of(const std::string& process) {
  auto c = spec::parse_config(config_with_process(process), "config.json");
  return c ? std::string() : c.error().message();
}

const char* kFull = R"({
  "terminal": true,
  "consoleSize": {"height": 25, "width": 80},
  "user": {"uid": 1000, "gid": 100, "umask": 18, "additionalGids": [5, 6], "username": "u"},
  "args": ["/bin/sh", "-c", "true"],
  "commandLine": "cmd.exe /c",
  "env": ["PATH=/bin", "TERM=xterm"],
  "cwd": "/home",
  "capabilities": {
    "bounding": ["CAP_CHOWN", "CAP_KILL"],
    "effective": ["CAP_NET_BIND_SERVICE"],
    "inheritable": [],
    "permitted": ["CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE"],
    "ambient": ["CAP_BPF"]
  },
  "rlimits": [
    {"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024},
    {"type": "RLIMIT_RTTIME", "hard": 18446744073709551615, "soft": 0}
  ],
  "noNewPrivileges": true,
  "apparmorProfile": "docker-default",
  "oomScoreAdj": -500,
  "scheduler": {"policy": "SCHED_DEADLINE", "nice": -5, "priority": 3,
                "flags": ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_UTIL_CLAMP_MAX"],
                "runtime": 1000, "deadline": 2000, "period": 3000},
  "selinuxLabel": "system_u:system_r:container_t:s0",
  "ioPriority": {"class": "IOPRIO_CLASS_RT", "priority": 4},
  "execCPUAffinity": {"initial": "0-3,7", "final": "5"}
})";

}  // namespace

TEST_CASE("process: every field is read", "[process]") {
  Process p = parse_ok(kFull);
  CHECK(p.terminal);
  REQUIRE(p.console_size);
  CHECK(p.console_size->height == 25);
  CHECK(p.console_size->width == 80);
  CHECK(p.user.uid == 1000);
  CHECK(p.user.gid == 100);
  CHECK(p.user.umask == std::optional<uint32_t>(18));
  CHECK(p.user.additional_gids == std::vector<uint32_t>{5, 6});
  CHECK(p.user.username == "u");
  CHECK(p.args == std::vector<std::string>{"/bin/sh", "-c", "true"});
  CHECK(p.command_line == "cmd.exe /c");
  CHECK(p.env == std::vector<std::string>{"PATH=/bin", "TERM=xterm"});
  CHECK(p.cwd == "/home");
  REQUIRE(p.capabilities);
  CHECK(p.capabilities->bounding == std::vector<int>{0, 5});
  CHECK(p.capabilities->effective == std::vector<int>{10});
  CHECK(p.capabilities->inheritable == std::vector<int>{});
  CHECK(p.capabilities->permitted == std::vector<int>{21, 40});
  CHECK(p.capabilities->ambient == std::vector<int>{39});
  REQUIRE(p.rlimits.size() == 2);
  CHECK(p.rlimits[0].resource == RLIMIT_NOFILE);
  CHECK(p.rlimits[0].type == "RLIMIT_NOFILE");
  CHECK(p.rlimits[0].hard == 4096);
  CHECK(p.rlimits[0].soft == 1024);
  CHECK(p.rlimits[1].resource == RLIMIT_RTTIME);
  CHECK(p.rlimits[1].hard == UINT64_MAX);
  CHECK(p.no_new_privileges);
  CHECK(p.apparmor_profile == "docker-default");
  CHECK(p.oom_score_adj == std::optional<int32_t>(-500));
  REQUIRE(p.scheduler);
  CHECK(p.scheduler->policy == spec::SchedPolicy::kDeadline);
  CHECK(p.scheduler->nice == -5);
  CHECK(p.scheduler->priority == 3);
  CHECK(p.scheduler->flags == (SCHED_FLAG_RESET_ON_FORK | SCHED_FLAG_UTIL_CLAMP_MAX));
  CHECK(p.scheduler->runtime == 1000);
  CHECK(p.scheduler->deadline == 2000);
  CHECK(p.scheduler->period == 3000);
  CHECK(p.selinux_label == "system_u:system_r:container_t:s0");
  REQUIRE(p.io_priority);
  CHECK(p.io_priority->klass == spec::IoPrioClass::kRt);
  CHECK(p.io_priority->priority == 4);
  REQUIRE(p.exec_cpu_affinity);
  CHECK(p.exec_cpu_affinity->initial == "0-3,7");
  CHECK(p.exec_cpu_affinity->final == "5");
}

TEST_CASE("process: absent members keep their defaults", "[process]") {
  Process p = parse_ok(R"({"cwd": "/", "capabilities": {"bounding": ["CAP_KILL"]}})");
  CHECK_FALSE(p.terminal);
  CHECK_FALSE(p.console_size);
  CHECK(p.user.uid == 0);
  CHECK_FALSE(p.user.umask);
  CHECK(p.args.empty());
  REQUIRE(p.capabilities);
  CHECK(p.capabilities->bounding);
  // An absent set differs from an empty one: nothing is said about it.
  CHECK_FALSE(p.capabilities->effective);
  CHECK_FALSE(p.oom_score_adj);
  CHECK_FALSE(p.scheduler);
  CHECK_FALSE(p.io_priority);
  CHECK_FALSE(p.exec_cpu_affinity);
}

TEST_CASE("process: parse_process reads an exec document", "[process]") {
  auto p = spec::parse_process(R"({"args": ["true"], "cwd": "/", "user": {"uid": 1, "gid": 2}})");
  REQUIRE(p);
  CHECK(p->user.gid == 2);
  auto bad = spec::parse_process(R"({"rlimits": [{"type": "RLIMIT_X", "hard": 1, "soft": 1}]})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() == R"(process.json: rlimits[0].type: unknown rlimit "RLIMIT_X")");
}

TEST_CASE("process: capability table", "[process]") {
  auto names = spec::capability_names();
  REQUIRE(names.size() == 41);
  for (size_t i = 0; i < names.size(); ++i) {
    INFO(names[i]);
    CHECK(spec::capability_from_name(names[i]) == static_cast<int>(i));
    CHECK(spec::capability_name(static_cast<int>(i)) == names[i]);
  }
  CHECK(names.front() == "CAP_CHOWN");
  CHECK(names.back() == "CAP_CHECKPOINT_RESTORE");
  CHECK(spec::capability_from_name("CAP_SYS_ADMIN") == 21);
  CHECK(spec::capability_from_name("CAP_PERFMON") == 38);
  CHECK(spec::capability_from_name("CAP_FOO") == -1);
  CHECK(spec::capability_from_name("cap_chown") == -1);  // names are case-sensitive
  CHECK(spec::capability_name(-1).empty());
  CHECK(spec::capability_name(41).empty());
}

TEST_CASE("process: rlimit table", "[process]") {
  auto names = spec::rlimit_names();
  REQUIRE(names.size() == 16);
  for (auto n : names) {
    INFO(n);
    CHECK(spec::rlimit_from_name(n) >= 0);
    CHECK(parse_ok(R"({"rlimits": [{"type": ")" + std::string(n) + R"(", "hard": 1, "soft": 1}]})")
              .rlimits[0]
              .resource == spec::rlimit_from_name(n));
  }
  CHECK(spec::rlimit_from_name("RLIMIT_CPU") == RLIMIT_CPU);
  CHECK(spec::rlimit_from_name("RLIMIT_NOFILE") == RLIMIT_NOFILE);
  CHECK(spec::rlimit_from_name("RLIMIT_MEMLOCK") == RLIMIT_MEMLOCK);
  CHECK(spec::rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME);
  CHECK(spec::rlimit_from_name("RLIMIT_FOO") == -1);
}

TEST_CASE("process: soft above hard is left to validate()", "[process]") {
  Process p = parse_ok(R"({"rlimits": [{"type": "RLIMIT_CORE", "hard": 1, "soft": 2}]})");
  CHECK(p.rlimits[0].soft == 2);
}

TEST_CASE("process: scheduler policies and flags", "[process]") {
  using spec::SchedPolicy;
  const std::pair<const char*, SchedPolicy> policies[] = {
      {"SCHED_OTHER", SchedPolicy::kOther},
      {"SCHED_FIFO", SchedPolicy::kFifo},
      {"SCHED_RR", SchedPolicy::kRr},
      {"SCHED_BATCH", SchedPolicy::kBatch},
      {"SCHED_ISO", SchedPolicy::kIso},
      {"SCHED_IDLE", SchedPolicy::kIdle},
      {"SCHED_DEADLINE", SchedPolicy::kDeadline},
  };
  for (const auto& [name, policy] : policies) {
    INFO(name);
    auto p = parse_ok(R"({"scheduler": {"policy": ")" + std::string(name) + R"("}})");
    CHECK(p.scheduler->policy == policy);
    CHECK(p.scheduler->flags == 0);
  }
  const std::pair<const char*, uint64_t> flags[] = {
      {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
      {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
      {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
      {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
  };
  for (const auto& [name, bit] : flags) {
    INFO(name);
    auto p = parse_ok(R"({"scheduler": {"policy": "SCHED_FIFO", "flags": [")" + std::string(name) +
                      R"("]}})");
    CHECK(p.scheduler->flags == bit);
  }
}

TEST_CASE("process: io priority classes", "[process]") {
  using spec::IoPrioClass;
  const std::pair<const char*, IoPrioClass> classes[] = {
      {"IOPRIO_CLASS_RT", IoPrioClass::kRt},
      {"IOPRIO_CLASS_BE", IoPrioClass::kBe},
      {"IOPRIO_CLASS_IDLE", IoPrioClass::kIdle},
  };
  for (const auto& [name, klass] : classes) {
    INFO(name);
    auto p = parse_ok(R"({"ioPriority": {"class": ")" + std::string(name) + R"("}})");
    CHECK(p.io_priority->klass == klass);
    CHECK(p.io_priority->priority == 0);
  }
}

TEST_CASE("process: cpu lists", "[process]") {
  for (const char* ok : {"0", "7", "0-3", "0-3,7", "1,2,3", "0-0", "4-7,0-1,9", ""}) {
    INFO(ok);
    CHECK(error_of(R"({"execCPUAffinity": {"initial": ")" + std::string(ok) + R"("}})") == "");
  }
  for (const char* bad : {"x", "-1", "3-1", "0-", "-", "0,,1", "0,", ",0", "0-3:2", " 1", "1 ",
                          "0x1", "1-2-3", "99999999999"}) {
    INFO(bad);
    CHECK(error_of(R"({"execCPUAffinity": {"final": ")" + std::string(bad) + R"("}})") ==
          "config.json: process.execCPUAffinity.final: invalid cpu list \"" + std::string(bad) +
              "\"");
  }
}

TEST_CASE("process: type errors", "[process]") {
  CHECK(error_of(R"({"terminal": "yes"})") ==
        R"(config.json: process.terminal: expected boolean, got string "yes")");
  CHECK(error_of(R"({"args": "/bin/sh"})") ==
        R"(config.json: process.args: expected array, got string "/bin/sh")");
  CHECK(error_of(R"({"env": ["A=1", 2]})") ==
        "config.json: process.env[1]: expected string, got integer 2");
  CHECK(error_of(R"({"env": [null]})") == "config.json: process.env[0]: expected string, got null");
  CHECK(error_of(R"({"cwd": 1})") == "config.json: process.cwd: expected string, got integer 1");
  CHECK(error_of(R"({"user": []})") == "config.json: process.user: expected object, got array []");
  CHECK(error_of(R"({"user": {"uid": 0, "gid": 0, "additionalGids": [1, "2"]}})") ==
        R"(config.json: process.user.additionalGids[1]: expected integer, got string "2")");
  CHECK(error_of(R"({"user": {"uid": 0, "gid": 0, "additionalGids": [null]}})") ==
        "config.json: process.user.additionalGids[0]: expected integer, got null");
  CHECK(error_of(R"({"capabilities": {"bounding": "CAP_KILL"}})") ==
        R"(config.json: process.capabilities.bounding: expected array, got string "CAP_KILL")");
  CHECK(error_of(R"({"capabilities": {"ambient": [12]}})") ==
        "config.json: process.capabilities.ambient[0]: expected string, got integer 12");
  CHECK(error_of(R"({"capabilities": {"ambient": [null]}})") ==
        "config.json: process.capabilities.ambient[0]: expected string, got null");
  CHECK(error_of(R"({"rlimits": {}})") ==
        "config.json: process.rlimits: expected array, got object {}");
  CHECK(error_of(R"({"rlimits": [null]})") ==
        "config.json: process.rlimits[0]: expected object, got null");
  CHECK(error_of(R"({"scheduler": {"policy": "SCHED_RR", "flags": "SCHED_FLAG_RECLAIM"}})") ==
        R"(config.json: process.scheduler.flags: expected array, got string "SCHED_FLAG_RECLAIM")");
  CHECK(error_of(R"({"oomScoreAdj": 1.5})") ==
        "config.json: process.oomScoreAdj: expected integer, got number 1.5");
  CHECK(error_of(R"({"execCPUAffinity": {"initial": 3}})") ==
        "config.json: process.execCPUAffinity.initial: expected string, got integer 3");
  CHECK(error_of("[]") == "config.json: process: expected object, got array []");
}

TEST_CASE("process: out of range", "[process]") {
  CHECK(error_of(R"({"user": {"uid": -1, "gid": 0}})") ==
        "config.json: process.user.uid: value -1 out of range (must not be negative)");
  CHECK(error_of(R"({"user": {"uid": 0, "gid": 4294967296}})") ==
        "config.json: process.user.gid: value 4294967296 out of range (max 4294967295)");
  CHECK(error_of(R"({"consoleSize": {"height": -1, "width": 80}})") ==
        "config.json: process.consoleSize.height: value -1 out of range (must not be negative)");
  CHECK(error_of(R"({"rlimits": [{"type": "RLIMIT_CORE", "hard": -1, "soft": 0}]})") ==
        "config.json: process.rlimits[0].hard: value -1 out of range (must not be negative)");
  CHECK(error_of(R"({"oomScoreAdj": 2147483648})") ==
        "config.json: process.oomScoreAdj: value 2147483648 out of range (max 2147483647)");
  // -1000..1000 is a validate() rule: parsing keeps the value.
  CHECK(parse_ok(R"({"oomScoreAdj": 5000})").oom_score_adj == std::optional<int32_t>(5000));
}

TEST_CASE("process: unknown enum values", "[process]") {
  CHECK(error_of(R"({"capabilities": {"permitted": ["CAP_KILL", "CAP_FOO"]}})") ==
        R"(config.json: process.capabilities.permitted[1]: unknown capability "CAP_FOO")");
  CHECK(error_of(R"({"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1, "soft": 1},
                                 {"type": "RLIMIT_FOO", "hard": 1, "soft": 1}]})") ==
        R"(config.json: process.rlimits[1].type: unknown rlimit "RLIMIT_FOO")");
  CHECK(error_of(R"({"scheduler": {"policy": "SCHED_FAST"}})") ==
        R"(config.json: process.scheduler.policy: unknown scheduler policy "SCHED_FAST")");
  CHECK(error_of(R"({"scheduler": {"policy": "SCHED_RR", "flags": ["SCHED_FLAG_X"]}})") ==
        R"(config.json: process.scheduler.flags[0]: unknown scheduler flag "SCHED_FLAG_X")");
  CHECK(error_of(R"({"ioPriority": {"class": "IOPRIO_CLASS_NONE"}})") ==
        R"(config.json: process.ioPriority.class: unknown io priority class "IOPRIO_CLASS_NONE")");
}

TEST_CASE("process: missing required members", "[process]") {
  CHECK(error_of(R"({"user": {"gid": 0}})") == "config.json: process.user.uid: required");
  CHECK(error_of(R"({"user": {"uid": 0}})") == "config.json: process.user.gid: required");
  CHECK(error_of(R"({"consoleSize": {"height": 1}})") ==
        "config.json: process.consoleSize.width: required");
  CHECK(error_of(R"({"rlimits": [{"hard": 1, "soft": 1}]})") ==
        "config.json: process.rlimits[0].type: required");
  CHECK(error_of(R"({"rlimits": [{"type": "RLIMIT_AS", "soft": 1}]})") ==
        "config.json: process.rlimits[0].hard: required");
  CHECK(error_of(R"({"rlimits": [{"type": "RLIMIT_AS", "hard": 1}]})") ==
        "config.json: process.rlimits[0].soft: required");
  CHECK(error_of(R"({"scheduler": {"nice": 1}})") ==
        "config.json: process.scheduler.policy: required");
  CHECK(error_of(R"({"ioPriority": {"priority": 1}})") ==
        "config.json: process.ioPriority.class: required");
}
