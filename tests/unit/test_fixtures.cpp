// Real client configs must parse and validate; every invalid config must fail
// with exactly the message in its .err file.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "fixture_util.hpp"
#include "spec/config.hpp"
#include "spec/validate.hpp"

using namespace berth;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The first error of parse + validate(kCreate), or "" when the config is fine.
std::string first_error(const std::string& text) {
  auto c = spec::parse_config(text, "config.json");
  if (!c) return c.error().message();
  auto v = spec::validate(*c, spec::ValidateFor::kCreate, "config.json");
  if (!v) return v.error().message();
  return "";
}

}  // namespace

TEST_CASE("client configs parse and validate", "[fixtures]") {
  auto dir = test::source_root() / "tests/fixtures/clients";
  for (const auto& p : json_files(dir)) {
    auto name = p.filename().string();
    INFO(name);
    std::string text = test::slurp(p);
    if (name.find("process") != std::string::npos) {
      auto r = spec::parse_process(text, name);
      CHECK((r ? std::string() : r.error().message()) == "");
    } else if (name.find("resources") != std::string::npos) {
      auto r = spec::parse_resources(text, name);
      CHECK((r ? std::string() : r.error().message()) == "");
    } else {
      CHECK(first_error(text) == "");
    }
  }
}

TEST_CASE("valid configs parse and validate", "[fixtures]") {
  for (const auto& p : json_files(test::source_root() / "tests/fixtures/valid")) {
    INFO(p.filename().string());
    CHECK(first_error(test::slurp(p)) == "");
  }
}

TEST_CASE("invalid configs fail with their exact message", "[fixtures]") {
  auto files = json_files(test::source_root() / "tests/fixtures/invalid");
  CHECK(files.size() >= 40);
  for (const auto& p : files) {
    INFO(p.filename().string());
    auto err_file = p;
    err_file.replace_extension(".err");
    REQUIRE(fs::exists(err_file));
    CHECK(first_error(test::slurp(p)) == test::trim(test::slurp(err_file)));
  }
}
