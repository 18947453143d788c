#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "spec/config.hpp"
#include "spec/default_spec.hpp"
#include "spec/features.hpp"
#include "spec/validate.hpp"

using namespace berth::spec;

TEST_CASE("default spec parses, validates, and matches runc's defaults", "[default-spec]") {
  auto text = default_spec_json({});
  auto c = parse_config(text);
  REQUIRE(c);
  auto v = validate(*c, ValidateFor::kCreate);
  CHECK((v ? std::string() : v.error().message()) == "");
  CHECK(c->root->path == "rootfs");
  CHECK(c->root->readonly);
  CHECK(c->process->terminal);
  CHECK(c->process->no_new_privileges);
  CHECK(c->process->args == std::vector<std::string>{"sh"});
  REQUIRE(c->linux);
  CHECK(c->linux->namespaces.size() == 6);
  CHECK(c->linux->find_namespace(NamespaceType::kNetwork) != nullptr);
  CHECK(c->linux->find_namespace(NamespaceType::kUser) == nullptr);
  CHECK(c->mounts.size() == 7);
  CHECK(c->linux->masked_paths.size() == 10);
  CHECK(c->linux->readonly_paths.size() == 5);
  REQUIRE(c->linux->resources);
  CHECK(c->linux->resources->devices.size() == 1);
}

TEST_CASE("rootless default spec maps the caller and binds /sys", "[default-spec]") {
  auto text = default_spec_json({.rootless = true, .host_uid = 1000, .host_gid = 1001});
  auto c = parse_config(text);
  REQUIRE(c);
  auto v = validate(*c, ValidateFor::kCreate);
  CHECK((v ? std::string() : v.error().message()) == "");
  REQUIRE(c->linux);
  CHECK(c->linux->find_namespace(NamespaceType::kUser) != nullptr);
  CHECK(c->linux->find_namespace(NamespaceType::kNetwork) == nullptr);
  REQUIRE(c->linux->uid_mappings.size() == 1);
  CHECK(c->linux->uid_mappings[0].host_id == 1000);
  CHECK(c->linux->gid_mappings[0].host_id == 1001);
  CHECK_FALSE(c->linux->resources);
  for (const auto& m : c->mounts) {
    for (const auto& o : m.options) CHECK(o.rfind("gid=", 0) != 0);
    if (m.destination == "/sys") CHECK(m.type == "none");
  }
}

TEST_CASE("features JSON has the features.md shape", "[default-spec]") {
  Features f;
  f.oci_version_max = "1.2.1";
  f.namespaces = {"pid"};
  auto j = nlohmann::json::parse(features_json(f));
  CHECK(j["ociVersionMin"] == "1.0.0");
  CHECK(j["ociVersionMax"] == "1.2.1");
  CHECK(j["linux"]["namespaces"] == nlohmann::json::array({"pid"}));
  CHECK(j["linux"]["cgroup"]["v2"] == false);
  CHECK(j["linux"]["seccomp"]["enabled"] == false);
  CHECK_FALSE(j["linux"]["seccomp"].contains("actions"));
  CHECK(j["linux"]["mountExtensions"]["idmap"]["enabled"] == false);
}
