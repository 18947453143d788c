#include <catch2/catch.hpp>
#include <set>

#include "src/runtime/cli.hpp"

using namespace berth::runtime;

namespace {

ParsedArgs parse(std::string_view verb, std::vector<std::string> args) {
  const VerbSpec* v = find_verb(verb);
  REQUIRE(v != nullptr);
  auto r = parse_flags(v->flags, args, v->interspersed);
  if (!r) FAIL(r.error().message());
  return std::move(r).value();
}

std::string parse_error(std::string_view verb, std::vector<std::string> args) {
  const VerbSpec* v = find_verb(verb);
  auto r = parse_flags(v->flags, args, v->interspersed);
  return r ? "" : r.error().message();
}

}  // namespace

TEST_CASE("cli: runc's flag forms", "[cli]") {
  auto a = parse("create", {"--bundle", "/b", "--pid-file=/p", "-preserve-fds", "2", "c1"});
  CHECK(a.value("bundle") == "/b");
  CHECK(a.value("pid-file") == "/p");
  CHECK(a.value("preserve-fds") == "2");
  CHECK(a.positionals() == std::vector<std::string>{"c1"});
}

TEST_CASE("cli: flags may follow the id, except for exec and ps", "[cli]") {
  auto d = parse("delete", {"c1", "--force"});
  CHECK(d.flag("force"));
  CHECK(d.positionals() == std::vector<std::string>{"c1"});
  auto e = parse("exec", {"-t", "c1", "sh", "-c", "echo --tty"});
  CHECK(e.flag("tty"));
  CHECK(e.positionals() == std::vector<std::string>{"c1", "sh", "-c", "echo --tty"});
  auto p = parse("ps", {"--format", "json", "c1", "-ef"});
  CHECK(p.value("format") == "json");
  CHECK(p.positionals() == std::vector<std::string>{"c1", "-ef"});
}

TEST_CASE("cli: grouped short bools and explicit bool values", "[cli]") {
  auto e = parse("exec", {"-dt", "c1", "true"});
  CHECK(e.flag("detach"));
  CHECK(e.flag("tty"));
  auto r = parse("run", {"--detach=false", "c1"});
  CHECK(r.has("detach"));
  CHECK_FALSE(r.flag("detach"));
  CHECK(parse_error("run", {"--detach=maybe", "c1"}) == "flag \"--detach\": invalid boolean \"maybe\"");
}

TEST_CASE("cli: repeatable flags keep every value in order", "[cli]") {
  auto e = parse("exec", {"-e", "A=1", "--env", "B=2", "--cap", "CAP_KILL", "c1", "true"});
  CHECK(e.values("env") == std::vector<std::string>{"A=1", "B=2"});
  CHECK(e.values("cap") == std::vector<std::string>{"CAP_KILL"});
}

TEST_CASE("cli: -- ends flags", "[cli]") {
  auto k = parse("kill", {"--", "c1", "-9"});
  CHECK(k.positionals() == std::vector<std::string>{"c1", "-9"});
}

TEST_CASE("cli: errors name the flag", "[cli]") {
  CHECK(parse_error("create", {"--nope", "c1"}) == "unknown flag \"--nope\"");
  CHECK(parse_error("create", {"c1", "--pid-file"}) == "flag \"--pid-file\" needs a value");
}

TEST_CASE("cli: every flag the clients pass is accepted", "[cli]") {
  // ../shared/fixtures/clients/README.md: the calls Podman/conmon and the
  // containerd runc v2 shim make.
  auto g = parse_flags(global_flags(),
                       std::vector<std::string>{"--root", "/r", "--log", "/l", "--log-format", "json",
                                                "--systemd-cgroup", "--debug", "--cgroup-manager",
                                                "disabled", "create"},
                       false);
  REQUIRE(g);
  CHECK(g->positionals() == std::vector<std::string>{"create"});
  parse("create", {"--bundle", "/b", "--pid-file", "/p", "--console-socket", "/s", "--preserve-fds",
                   "1", "--no-pivot", "c1"});
  parse("exec", {"--pid-file", "/p", "--process", "/f", "--detach", "--tty", "--console-socket",
                 "/s", "--preserve-fds", "1", "c1"});
  CHECK(parse("kill", {"--all", "c1", "15"}).flag("all"));
  CHECK(parse("delete", {"--force", "c1"}).flag("force"));
  CHECK(parse("update", {"--resources=/r.json", "c1"}).value("resources") == "/r.json");
  CHECK(parse("update", {"-r", "-", "c1"}).value("resources") == "-");
  CHECK(parse("ps", {"--format", "json", "c1"}).value("format") == "json");
}

TEST_CASE("cli: the verb table is complete and consistent", "[cli]") {
  std::set<std::string_view> names;
  for (const auto& v : verbs()) {
    names.insert(v.name);
    std::set<std::string_view> flags;
    std::set<char> shorts;
    for (const auto& f : v.flags) {
      INFO(v.name << " --" << f.name);
      CHECK(flags.insert(f.name).second);
      if (f.short_name != 0) CHECK(shorts.insert(f.short_name).second);
      CHECK_FALSE(f.help.empty());
    }
    CHECK(flags.count("help") == 1);
  }
  for (auto n : {"create", "start", "run", "state", "kill", "delete", "list", "exec", "ps", "pause",
                 "resume", "update", "events", "spec", "features"})
    CHECK(names.count(n) == 1);
}

TEST_CASE("cli: help lists every verb", "[cli]") {
  auto h = global_help();
  for (const auto& v : verbs()) CHECK(h.find("  " + std::string(v.name) + " ") != std::string::npos);
  for (const auto& f : global_flags()) CHECK(h.find("--" + std::string(f.name)) != std::string::npos);
}

TEST_CASE("cli: version text", "[cli]") {
  auto v = version_text();
  CHECK(v.rfind("berth version ", 0) == 0);
  CHECK(v.find("\ncommit: ") != std::string::npos);
  CHECK(v.find("\nspec: 1.2.") != std::string::npos);
  CHECK(v.find("\nlibseccomp: 2.") != std::string::npos);
}
