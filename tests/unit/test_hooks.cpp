#include <catch2/catch.hpp>
#include <string>

#include "spec/config.hpp"

using namespace berth;
using spec::Hooks;

namespace {

std::string config_with_hooks(const std::string& hooks) {
  return R"({"ociVersion": "1.2.0", "hooks": )" + hooks + "}";
}

Hooks parse_ok(const std::string& hooks) {
  auto c = spec::parse_config(config_with_hooks(hooks), "config.json");
  INFO(hooks);
  REQUIRE(c);
  REQUIRE(c->hooks);
  return *c->hooks;
}

std::string error_of(const std::string& hooks) {
  auto c = spec::parse_config(config_with_hooks(hooks), "config.json");
  return c ? std::string() : c.error().message();
}

}  // namespace

TEST_CASE("hooks: every field of a hook is read", "[hooks]") {
  Hooks h = parse_ok(R"({"createRuntime": [
    {"path": "/usr/bin/netns-setup", "args": ["netns-setup", "--id", "x"],
     "env": ["A=1", "B=2"], "timeout": 30},
    {"path": "/bin/true"}
  ]})");
  REQUIRE(h.create_runtime.size() == 2);
  const auto& a = h.create_runtime[0];
  CHECK(a.path == "/usr/bin/netns-setup");
  CHECK(a.args == std::vector<std::string>{"netns-setup", "--id", "x"});
  CHECK(a.env == std::vector<std::string>{"A=1", "B=2"});
  CHECK(a.timeout == std::optional<int64_t>(30));
  const auto& b = h.create_runtime[1];
  CHECK(b.path == "/bin/true");
  CHECK(b.args.empty());
  CHECK(b.env.empty());
  CHECK_FALSE(b.timeout);
}

TEST_CASE("hooks: all six kinds land in their lists", "[hooks]") {
  Hooks h = parse_ok(R"({
    "prestart": [{"path": "/p"}],
    "createRuntime": [{"path": "/cr1"}, {"path": "/cr2"}],
    "createContainer": [{"path": "/cc"}],
    "startContainer": [{"path": "/sc"}],
    "poststart": [{"path": "/ps"}],
    "poststop": [{"path": "/pst1"}, {"path": "/pst2"}, {"path": "/pst3"}],
    "futureHook": [{"nonsense": true}]
  })");
  REQUIRE(h.prestart.size() == 1);
  CHECK(h.prestart[0].path == "/p");
  REQUIRE(h.create_runtime.size() == 2);
  CHECK(h.create_runtime[1].path == "/cr2");
  REQUIRE(h.create_container.size() == 1);
  CHECK(h.create_container[0].path == "/cc");
  REQUIRE(h.start_container.size() == 1);
  CHECK(h.start_container[0].path == "/sc");
  REQUIRE(h.poststart.size() == 1);
  CHECK(h.poststart[0].path == "/ps");
  REQUIRE(h.poststop.size() == 3);
  CHECK(h.poststop[2].path == "/pst3");
}

TEST_CASE("hooks: empty and null lists", "[hooks]") {
  Hooks h = parse_ok(R"({"prestart": [], "poststop": null})");
  CHECK(h.prestart.empty());
  CHECK(h.poststop.empty());
  auto c = spec::parse_config(R"({"ociVersion": "1.2.0", "hooks": null})");
  REQUIRE(c);
  CHECK_FALSE(c->hooks);
}

TEST_CASE("hooks: timeouts must be positive", "[hooks]") {
  CHECK(parse_ok(R"({"poststop": [{"path": "/x", "timeout": 1}]})").poststop[0].timeout == 1);
  CHECK(error_of(R"({"poststop": [{"path": "/x", "timeout": 0}]})") ==
        "config.json: hooks.poststop[0].timeout: timeout must be greater than zero, got 0");
  CHECK(error_of(R"({"poststart": [{"path": "/a"}, {"path": "/x", "timeout": -5}]})") ==
        "config.json: hooks.poststart[1].timeout: timeout must be greater than zero, got -5");
  CHECK(error_of(R"({"prestart": [{"path": "/x", "timeout": "10"}]})") ==
        R"(config.json: hooks.prestart[0].timeout: expected integer, got string "10")");
  CHECK(error_of(R"({"prestart": [{"path": "/x", "timeout": 9223372036854775808}]})") ==
        "config.json: hooks.prestart[0].timeout: value 9223372036854775808 out of range (max "
        "9223372036854775807)");
}

TEST_CASE("hooks: errors", "[hooks]") {
  CHECK(error_of(R"({"createContainer": [{"args": ["x"]}]})") ==
        "config.json: hooks.createContainer[0].path: required");
  CHECK(error_of(R"({"prestart": {"path": "/x"}})") ==
        R"(config.json: hooks.prestart: expected array, got object {"path":"/x"})");
  CHECK(error_of(R"({"startContainer": ["/bin/true"]})") ==
        R"(config.json: hooks.startContainer[0]: expected object, got string "/bin/true")");
  CHECK(error_of(R"({"startContainer": [null]})") ==
        "config.json: hooks.startContainer[0]: expected object, got null");
  CHECK(error_of(R"({"poststart": [{"path": 1}]})") ==
        "config.json: hooks.poststart[0].path: expected string, got integer 1");
  CHECK(error_of(R"({"poststart": [{"path": "/x", "args": "x"}]})") ==
        R"(config.json: hooks.poststart[0].args: expected array, got string "x")");
  CHECK(error_of(R"({"poststart": [{"path": "/x", "env": [1]}]})") ==
        "config.json: hooks.poststart[0].env[0]: expected string, got integer 1");
  CHECK(error_of(R"([])") == "config.json: hooks: expected object, got array []");
}
