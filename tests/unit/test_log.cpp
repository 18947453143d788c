#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "fixture_util.hpp"
#include "src/runtime/base/log.hpp"

using namespace berth;

TEST_CASE("log: json records are one object per line", "[log]") {
  auto rec = format_record(LogFormat::kJson, LogLevel::kError, "create \"c1\": bad \"x\"\n\ttab",
                           "2026-01-02T03:04:05.000000006Z");
  CHECK(rec ==
        "{\"level\":\"error\",\"msg\":\"create \\\"c1\\\": bad \\\"x\\\"\\n\\ttab\",\"time\":"
        "\"2026-01-02T03:04:05.000000006Z\"}\n");
  auto j = nlohmann::json::parse(rec);
  CHECK(j["msg"] == "create \"c1\": bad \"x\"\n\ttab");
}

TEST_CASE("log: text records follow logrus", "[log]") {
  auto rec = format_record(LogFormat::kText, LogLevel::kWarning, "x", "T");
  CHECK(rec == "time=\"T\" level=warning msg=\"x\"\n");
}

TEST_CASE("log: json escaping keeps output valid for any bytes", "[log]") {
  std::string out;
  json_escape(out, std::string("a\x01\x7f\xff\xc3\xa9", 6));
  CHECK(out == "a\\u0001\\u007f\xef\xbf\xbd\xc3\xa9");
  CHECK_NOTHROW(nlohmann::json::parse("\"" + out + "\""));
}

TEST_CASE("log: rfc3339 timestamps", "[log]") {
  auto t = rfc3339_now();
  REQUIRE(t.size() == 30);
  CHECK(t[4] == '-');
  CHECK(t[10] == 'T');
  CHECK(t.back() == 'Z');
}

TEST_CASE("log: levels and formats parse", "[log]") {
  CHECK(*parse_log_level("debug") == LogLevel::kDebug);
  CHECK(*parse_log_level("warn") == LogLevel::kWarning);
  CHECK(parse_log_level("loud").error().message() ==
        "unknown log level \"loud\" (debug, info, warning, error)");
  CHECK(*parse_log_format("json") == LogFormat::kJson);
  CHECK_FALSE(parse_log_format("xml"));
}

TEST_CASE("log: a file logger appends filtered records", "[log]") {
  char path[] = "/tmp/berth-log-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  {
    Logger l;
    REQUIRE(l.open(path));
    l.set_format(LogFormat::kJson);
    l.set_level(LogLevel::kInfo);
    l.debug("hidden");
    l.info("shown");
    l.log(LogLevel::kError, "bad");
  }
  std::string text = test::slurp(path);
  ::unlink(path);
  CHECK(text.find("hidden") == std::string::npos);
  CHECK(text.find("\"level\":\"info\",\"msg\":\"shown\"") != std::string::npos);
  CHECK(text.find("\"level\":\"error\",\"msg\":\"bad\"") != std::string::npos);
}

TEST_CASE("errors carry context and errno text", "[log]") {
  Error e = Error::from_errno("mount \"proc\" on \"/proc\"", EPERM);
  e.context("create \"c1\"");
  CHECK(e.message() == "create \"c1\": mount \"proc\" on \"/proc\": operation not permitted");
  CHECK(e.errnum() == EPERM);
}
