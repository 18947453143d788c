#include "log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "fileio.hpp"

namespace berth {

Result<LogLevel> parse_log_level(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "warn" || s == "warning") return LogLevel::kWarning;
  if (s == "error") return LogLevel::kError;
  return fail("unknown log level \"" + std::string(s) + "\" (debug, info, warning, error)");
}

Result<LogFormat> parse_log_format(std::string_view s) {
  if (s == "text") return LogFormat::kText;
  if (s == "json") return LogFormat::kJson;
  return fail("unknown log format \"" + std::string(s) + "\" (text, json)");
}

std::string_view log_level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "error";
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0.
size_t utf8_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;  // overlong
  return n;
}

}  // namespace

void json_escape(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
      ++i;
      continue;
    }
    size_t n = utf8_len(s, i);
    if (n == 0) {  // invalid byte: U+FFFD, as Go's encoder does
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  json_escape(out, s);
  out += '"';
  return out;
}

std::string rfc3339_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  ::gmtime_r(&ts.tv_sec, &t);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec);
  return buf;
}

std::string format_record(LogFormat f, LogLevel l, std::string_view msg, std::string_view time) {
  std::string out;
  out.reserve(msg.size() + 64);
  if (f == LogFormat::kJson) {
    out += "{\"level\":\"";
    out += log_level_name(l);
    out += "\",\"msg\":\"";
    json_escape(out, msg);
    out += "\",\"time\":\"";
    out += time;
    out += "\"}\n";
  } else {  // logrus text format, which runc writes
    out += "time=\"";
    out += time;
    out += "\" level=";
    out += log_level_name(l);
    out += " msg=\"";
    json_escape(out, msg);
    out += "\"\n";
  }
  return out;
}

Result<void> Logger::open(const std::string& path) {
  if (path.empty()) return {};
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return fail_errno("open log file \"" + path + "\"");
  fd_ = std::move(fd);
  return {};
}

void Logger::log(LogLevel l, std::string_view msg) const {
  if (l < level_) return;
  std::string rec;
  if (fd_.valid() || format_ == LogFormat::kJson) {
    rec = format_record(format_, l, msg, rfc3339_now());
  } else {
    // A person reads stderr: keep it short.
    rec = "berth: ";
    if (l != LogLevel::kError) rec.append(log_level_name(l)).append(": ");
    rec.append(msg).append("\n");
  }
  // One write(2) per record, so concurrent writers (O_APPEND) never interleave.
  (void)write_all(fd_.valid() ? fd_.get() : 2, rec, "log");
}

void Logger::report(const Error& e) const {
  std::string msg = e.message();
  log(LogLevel::kError, msg);
  if (fd_.valid()) {
    std::string line = "berth: " + msg + "\n";
    (void)write_all(2, line, "stderr");
  }
}

}  // namespace berth
