#include <catch2/catch.hpp>

#include "spec/reader.hpp"

using namespace berth::spec;

namespace {

struct Doc {
  explicit Doc(const char* text) : json(Json::parse(text)), ctx("config.json"), r(ctx, json) {}
  Json json;
  ParseContext ctx;
  Reader r;
  std::string err() const { return ctx.error().value_or(""); }
};

}  // namespace

TEST_CASE("reader: paths name objects and array indexes", "[reader]") {
  Doc d(R"({"a": {"b": [1, {"c": "x"}]}})");
  int64_t v = 0;
  d.r["a"]["b"].at(1)["c"].get(v);
  CHECK(d.err() == R"(config.json: a.b[1].c: expected integer, got string "x")");
}

TEST_CASE("reader: the first error is sticky", "[reader]") {
  Doc d(R"({"a": "x", "b": 1})");
  bool b = false;
  std::string s;
  d.r["b"].get(s);
  d.r["a"].get(b);
  CHECK(d.err() == "config.json: b: expected string, got integer 1");
  CHECK_FALSE(d.r["a"].get(s));  // no reads after an error
}

TEST_CASE("reader: absent and null members leave values untouched", "[reader]") {
  Doc d(R"({"n": null})");
  std::string s = "keep";
  CHECK_FALSE(d.r["n"].get(s));
  CHECK_FALSE(d.r["missing"].get(s));
  CHECK(s == "keep");
  CHECK(d.ctx.ok());
  CHECK_FALSE(d.r["missing"]["deeper"].present());
  CHECK(d.ctx.ok());
}

TEST_CASE("reader: require reports missing members", "[reader]") {
  Doc d(R"({"root": {}})");
  std::string s;
  d.r["root"]["path"].require(s);
  CHECK(d.err() == "config.json: root.path: required");
}

TEST_CASE("reader: integer ranges", "[reader]") {
  SECTION("negative into unsigned") {
    Doc d(R"({"uid": -1})");
    uint32_t u = 0;
    d.r["uid"].get(u);
    CHECK(d.err() == "config.json: uid: value -1 out of range (must not be negative)");
  }
  SECTION("too large for uint32") {
    Doc d(R"({"uid": 4294967296})");
    uint32_t u = 0;
    d.r["uid"].get(u);
    CHECK(d.err() == "config.json: uid: value 4294967296 out of range (max 4294967295)");
  }
  SECTION("uint64 max fits") {
    Doc d(R"({"v": 18446744073709551615})");
    uint64_t u = 0;
    CHECK(d.r["v"].get(u));
    CHECK(u == UINT64_MAX);
  }
  SECTION("uint64 max does not fit int64") {
    Doc d(R"({"v": 18446744073709551615})");
    int64_t i = 0;
    d.r["v"].get(i);
    CHECK(d.err() == "config.json: v: value 18446744073709551615 out of range (max 9223372036854775807)");
  }
  SECTION("int32 bounds") {
    Doc d(R"({"v": -2147483649})");
    int32_t i = 0;
    d.r["v"].get(i);
    CHECK(d.err() == "config.json: v: value -2147483649 out of range (-2147483648 to 2147483647)");
  }
  SECTION("floats are not integers") {
    Doc d(R"({"v": 1.5})");
    int64_t i = 0;
    d.r["v"].get(i);
    CHECK(d.err() == "config.json: v: expected integer, got number 1.5");
  }
}

TEST_CASE("reader: string arrays and maps", "[reader]") {
  Doc d(R"({"a": ["x", "y"], "m": {"k": "v"}, "bad": ["x", 2], "badm": {"k": 1}})");
  std::vector<std::string> a;
  std::map<std::string, std::string> m;
  CHECK(d.r["a"].get(a));
  CHECK(a == std::vector<std::string>{"x", "y"});
  CHECK(d.r["m"].get(m));
  CHECK(m.at("k") == "v");
  d.r["bad"].get(a);
  CHECK(d.err() == "config.json: bad[1]: expected string, got integer 2");
}

TEST_CASE("reader: map values report their key", "[reader]") {
  Doc d(R"({"m": {"k": 1}})");
  std::map<std::string, std::string> m;
  d.r["m"].get(m);
  CHECK(d.err() == "config.json: m.k: expected string, got integer 1");
}

TEST_CASE("reader: member of a non-object", "[reader]") {
  Doc d(R"({"process": []})");
  std::string s;
  d.r["process"]["cwd"].get(s);
  CHECK(d.err() == "config.json: process: expected object, got array []");
}

TEST_CASE("reader: enums from tables", "[reader]") {
  enum class E { kA, kB };
  static constexpr Reader::Name<E> kTable[] = {{"A", E::kA}, {"B", E::kB}};
  Doc d(R"({"ok": "B", "bad": "C\"x"})");
  E e = E::kA;
  CHECK(d.r["ok"].get_enum<E>(e, kTable, "letter"));
  CHECK(e == E::kB);
  d.r["bad"].get_enum<E>(e, kTable, "letter");
  CHECK(d.err() == R"(config.json: bad: unknown letter "C\"x")");
}

TEST_CASE("reader: long values are shortened in type errors", "[reader]") {
  Doc d(R"({"v": "0123456789012345678901234567890123456789012345"})");
  int64_t i = 0;
  d.r["v"].get(i);
  CHECK(d.err() == R"(config.json: v: expected integer, got string "012345678901234567890123456789012345...)");
}

TEST_CASE("parse_json: syntax errors name the byte offset", "[reader]") {
  auto r = parse_json("{\"a\": tru}", "config.json");
  REQUIRE_FALSE(r);
  CHECK(r.error().message().rfind("config.json: invalid JSON at byte 10: syntax error", 0) == 0);
  auto empty = parse_json("", "config.json");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message().rfind("config.json: invalid JSON at byte 1:", 0) == 0);
}
