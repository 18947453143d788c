// linux.seccomp parsing: every field, every name table, every error message.
#include <catch2/catch.hpp>

#include "spec/seccomp.hpp"

using namespace berth;
using spec::SeccompAction;
using spec::SeccompArch;
using spec::SeccompFlag;
using spec::SeccompOp;

namespace {

// Reads `seccomp_json` as linux.seccomp of a config.json; returns the first
// error ("" when none).
std::string read(const std::string& seccomp_json, spec::Seccomp& out) {
  spec::ParseContext ctx("config.json");
  spec::Json doc = spec::Json::parse(R"({"linux": {"seccomp": )" + seccomp_json + "}}");
  spec::Reader root(ctx, doc);
  spec::read_seccomp(root["linux"]["seccomp"], out);
  return ctx.error().value_or("");
}

std::string error_of(const std::string& seccomp_json) {
  spec::Seccomp s;
  return read(seccomp_json, s);
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

}  // namespace

TEST_CASE("seccomp: every field is parsed", "[seccomp-spec]") {
  spec::Seccomp s;
  REQUIRE(read(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "listenerPath": "/run/agent.sock",
    "listenerMetadata": "MKNOD=/dev/null",
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
                {"index": 5, "value": 255, "valueTwo": 18446744073709551615, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}
    ],
    "unknownField": {"ignored": true}
  })",
               s) == "");
  CHECK(s.default_action == SeccompAction::kErrno);
  CHECK(s.default_errno_ret == 38u);
  CHECK(s.architectures ==
        std::vector<SeccompArch>{SeccompArch::kX86_64, SeccompArch::kX86, SeccompArch::kX32});
  CHECK(s.flags == std::vector<SeccompFlag>{SeccompFlag::kLog, SeccompFlag::kSpecAllow});
  CHECK(s.listener_path == "/run/agent.sock");
  CHECK(s.listener_metadata == "MKNOD=/dev/null");
  REQUIRE(s.syscalls.size() == 3);

  CHECK(s.syscalls[0].names == std::vector<std::string>{"read", "write"});
  CHECK(s.syscalls[0].action == SeccompAction::kAllow);
  CHECK_FALSE(s.syscalls[0].errno_ret.has_value());
  CHECK(s.syscalls[0].args.empty());

  const auto& p = s.syscalls[1];
  CHECK(p.names == std::vector<std::string>{"personality"});
  CHECK(p.action == SeccompAction::kErrno);
  CHECK(p.errno_ret == 1u);
  REQUIRE(p.args.size() == 2);
  CHECK(p.args[0].index == 0);
  CHECK(p.args[0].value == 8);
  CHECK(p.args[0].value_two == 0);
  CHECK(p.args[0].op == SeccompOp::kEqualTo);
  CHECK(p.args[1].index == 5);
  CHECK(p.args[1].value == 255);
  CHECK(p.args[1].value_two == UINT64_MAX);
  CHECK(p.args[1].op == SeccompOp::kMaskedEqual);

  CHECK(s.syscalls[2].action == SeccompAction::kNotify);
}

TEST_CASE("seccomp: only defaultAction is required", "[seccomp-spec]") {
  spec::Seccomp s;
  REQUIRE(read(R"({"defaultAction": "SCMP_ACT_KILL"})", s) == "");
  CHECK(s.default_action == SeccompAction::kKill);
  CHECK_FALSE(s.default_errno_ret.has_value());
  CHECK(s.architectures.empty());
  CHECK(s.flags.empty());
  CHECK(s.listener_path.empty());
  CHECK(s.listener_metadata.empty());
  CHECK(s.syscalls.empty());
}

TEST_CASE("seccomp: every action name", "[seccomp-spec]") {
  auto names = spec::seccomp_action_names();
  CHECK(names == std::vector<std::string_view>{"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                               "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                                               "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
                                               "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"});
  for (auto name : names) {
    INFO(name);
    spec::Seccomp s;
    REQUIRE(read(R"({"defaultAction": )" + quoted(name) +
                     R"(, "syscalls": [{"names": ["x"], "action": )" + quoted(name) + "}]}",
                 s) == "");
    CHECK(spec::seccomp_action_name(s.default_action) == name);
    CHECK(spec::seccomp_action_name(s.syscalls[0].action) == name);
  }
  CHECK(spec::seccomp_action_name(SeccompAction::kKill) == "SCMP_ACT_KILL");
  CHECK(spec::seccomp_action_name(SeccompAction::kKillThread) == "SCMP_ACT_KILL_THREAD");
  CHECK(spec::seccomp_action_name(SeccompAction::kNotify) == "SCMP_ACT_NOTIFY");
}

TEST_CASE("seccomp: every operator name", "[seccomp-spec]") {
  auto names = spec::seccomp_op_names();
  CHECK(names == std::vector<std::string_view>{"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
                                               "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                                               "SCMP_CMP_MASKED_EQ"});
  for (auto name : names) {
    INFO(name);
    spec::Seccomp s;
    REQUIRE(read(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"],
                     "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 2, "op": )" +
                     quoted(name) + "}]}]}",
                 s) == "");
    CHECK(spec::seccomp_op_name(s.syscalls[0].args[0].op) == name);
  }
  CHECK(spec::seccomp_op_name(SeccompOp::kNotEqual) == "SCMP_CMP_NE");
  CHECK(spec::seccomp_op_name(SeccompOp::kMaskedEqual) == "SCMP_CMP_MASKED_EQ");
}

TEST_CASE("seccomp: every architecture name", "[seccomp-spec]") {
  auto names = spec::seccomp_arch_names();
  CHECK(names == std::vector<std::string_view>{
                     "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
                     "SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
                     "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
                     "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
                     "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
                     "SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
                     "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
                     "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB"});
  std::string all;
  for (auto name : names) all += (all.empty() ? "" : ", ") + quoted(name);
  spec::Seccomp s;
  REQUIRE(read(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": [)" + all + "]}", s) == "");
  REQUIRE(s.architectures.size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    INFO(names[i]);
    CHECK(spec::seccomp_arch_name(s.architectures[i]) == names[i]);
    CHECK(s.architectures[i] == static_cast<SeccompArch>(i));
  }
}

TEST_CASE("seccomp: every flag name", "[seccomp-spec]") {
  auto names = spec::seccomp_flag_names();
  CHECK(names == std::vector<std::string_view>{
                     "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                     "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"});
  std::string all;
  for (auto name : names) all += (all.empty() ? "" : ", ") + quoted(name);
  spec::Seccomp s;
  REQUIRE(read(R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": [)" + all + "]}", s) == "");
  CHECK(s.flags == std::vector<SeccompFlag>{SeccompFlag::kTsync, SeccompFlag::kLog,
                                            SeccompFlag::kSpecAllow,
                                            SeccompFlag::kWaitKillableRecv});
  for (auto f : s.flags) CHECK(spec::seccomp_flag_name(f) != "");
}

TEST_CASE("seccomp: errors in the top-level fields", "[seccomp-spec]") {
  CHECK(error_of(R"("SCMP_ACT_ALLOW")") ==
        R"(config.json: linux.seccomp: expected object, got string "SCMP_ACT_ALLOW")");
  CHECK(error_of("{}") == "config.json: linux.seccomp.defaultAction: required");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_DENY"})") ==
        R"(config.json: linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_DENY")");
  // Names are case-sensitive, as in libseccomp's headers.
  CHECK(error_of(R"({"defaultAction": "scmp_act_allow"})") ==
        R"(config.json: linux.seccomp.defaultAction: unknown seccomp action "scmp_act_allow")");
  CHECK(error_of(R"({"defaultAction": 0})") ==
        "config.json: linux.seccomp.defaultAction: expected string, got integer 0");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})") ==
        "config.json: linux.seccomp.defaultErrnoRet: value -1 out of range (must not be negative)");
  CHECK(
      error_of(
          R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]})") ==
      R"(config.json: linux.seccomp.architectures[1]: unknown seccomp architecture "SCMP_ARCH_VAX")");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": [null]})") ==
        "config.json: linux.seccomp.architectures[0]: expected string, got null");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": "SCMP_ARCH_X86"})") ==
        R"(config.json: linux.seccomp.architectures: expected array, got string "SCMP_ARCH_X86")");
  CHECK(
      error_of(
          R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]})") ==
      R"(config.json: linux.seccomp.flags[0]: unknown seccomp flag "SECCOMP_FILTER_FLAG_NEW_LISTENER")");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": 1})") ==
        "config.json: linux.seccomp.listenerPath: expected string, got integer 1");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": false})") ==
        "config.json: linux.seccomp.listenerMetadata: expected string, got boolean false");
}

TEST_CASE("seccomp: errors in syscall rules", "[seccomp-spec]") {
  auto rule = [](const std::string& r) {
    return error_of(
        R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, )" +
        r + "]}");
  };
  CHECK(rule("null") == "config.json: linux.seccomp.syscalls[1]: expected object, got null");
  CHECK(rule(R"("read")") ==
        R"(config.json: linux.seccomp.syscalls[1]: expected object, got string "read")");
  CHECK(rule(R"({"action": "SCMP_ACT_ALLOW"})") ==
        "config.json: linux.seccomp.syscalls[1].names: required");
  CHECK(rule(R"({"names": [], "action": "SCMP_ACT_ALLOW"})") ==
        "config.json: linux.seccomp.syscalls[1].names: must contain at least one syscall name");
  CHECK(rule(R"({"names": "read", "action": "SCMP_ACT_ALLOW"})") ==
        R"(config.json: linux.seccomp.syscalls[1].names: expected array, got string "read")");
  CHECK(rule(R"({"names": ["read", ""], "action": "SCMP_ACT_ALLOW"})") ==
        "config.json: linux.seccomp.syscalls[1].names[1]: empty syscall name");
  CHECK(rule(R"({"names": ["read", 3], "action": "SCMP_ACT_ALLOW"})") ==
        "config.json: linux.seccomp.syscalls[1].names[1]: expected string, got integer 3");
  CHECK(rule(R"({"names": ["read"]})") ==
        "config.json: linux.seccomp.syscalls[1].action: required");
  CHECK(
      rule(R"({"names": ["read"], "action": "SCMP_ACT_KILL_ALL"})") ==
      R"(config.json: linux.seccomp.syscalls[1].action: unknown seccomp action "SCMP_ACT_KILL_ALL")");
  CHECK(rule(R"({"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": "EPERM"})") ==
        R"(config.json: linux.seccomp.syscalls[1].errnoRet: expected integer, got string "EPERM")");
  CHECK(rule(R"({"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": {}})") ==
        "config.json: linux.seccomp.syscalls[1].args: expected array, got object {}");
}

TEST_CASE("seccomp: errors in syscall arguments", "[seccomp-spec]") {
  auto arg = [](const std::string& a) {
    return error_of(
        R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [)" +
        a + "]}]}");
  };
  CHECK(
      arg(R"({"index": 6, "value": 1, "op": "SCMP_CMP_EQ"})") ==
      "config.json: linux.seccomp.syscalls[0].args[0].index: argument index 6 out of range (0-5)");
  CHECK(arg(R"({"index": 4294967296, "value": 1, "op": "SCMP_CMP_EQ"})") ==
        "config.json: linux.seccomp.syscalls[0].args[0].index: argument index 4294967296 out of "
        "range (0-5)");
  CHECK(arg(R"({"index": -1, "value": 1, "op": "SCMP_CMP_EQ"})") ==
        "config.json: linux.seccomp.syscalls[0].args[0].index: value -1 out of range (must not be "
        "negative)");
  CHECK(arg(R"({"value": 1, "op": "SCMP_CMP_EQ"})") ==
        "config.json: linux.seccomp.syscalls[0].args[0].index: required");
  CHECK(arg(R"({"index": 0, "op": "SCMP_CMP_EQ"})") ==
        "config.json: linux.seccomp.syscalls[0].args[0].value: required");
  CHECK(arg(R"({"index": 0, "value": -5, "op": "SCMP_CMP_EQ"})") ==
        "config.json: linux.seccomp.syscalls[0].args[0].value: value -5 out of range (must not be "
        "negative)");
  CHECK(
      arg(R"({"index": 0, "value": 1, "valueTwo": 1.5, "op": "SCMP_CMP_EQ"})") ==
      "config.json: linux.seccomp.syscalls[0].args[0].valueTwo: expected integer, got number 1.5");
  CHECK(arg(R"({"index": 0, "value": 1})") ==
        "config.json: linux.seccomp.syscalls[0].args[0].op: required");
  CHECK(
      arg(R"({"index": 0, "value": 1, "op": "SCMP_CMP_MASKED_NE"})") ==
      R"(config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "SCMP_CMP_MASKED_NE")");
  CHECK(arg("7") ==
        "config.json: linux.seccomp.syscalls[0].args[0]: expected object, got integer 7");
}
