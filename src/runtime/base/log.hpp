// Logger: the one place where berth writes diagnostics.
//
// runc's callers read its log: containerd's shim and conmon pass
// `--log FILE --log-format json` and parse one JSON object per line,
// `{"level":"error","msg":"...","time":"<RFC3339>"}`, to show the user why a
// container failed.  Without --log, records go to stderr.  An error is
// reported once, at the top, by report(); code below returns Errors instead
// of logging them.
//
// The Logger is created in main() and passed down by reference: no global.
#pragma once

#include <string>
#include <string_view>

#include "error.hpp"
#include "result.hpp"
#include "unique_fd.hpp"

namespace berth {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

Result<LogLevel> parse_log_level(std::string_view s);
Result<LogFormat> parse_log_format(std::string_view s);
std::string_view log_level_name(LogLevel l);

// Appends `s` to `out` as the body of a JSON string (no quotes), escaping
// control characters, quotes, backslashes and invalid UTF-8 bytes.
void json_escape(std::string& out, std::string_view s);

// Formats one record, newline included.  `time` is RFC 3339 (UTC, with
// nanoseconds).  Exposed for tests.
std::string format_record(LogFormat f, LogLevel l, std::string_view msg, std::string_view time);
std::string rfc3339_now();

class Logger {
 public:
  Logger() = default;
  // Opens `path` for appending (created 0644).  An empty path logs to stderr.
  Result<void> open(const std::string& path);
  void set_format(LogFormat f) { format_ = f; }
  void set_level(LogLevel l) { level_ = l; }
  LogLevel level() const { return level_; }
  LogFormat format() const { return format_; }
  bool has_file() const { return fd_.valid(); }
  // The log file's fd, so a child can write records the parent relays.
  int fd() const { return fd_.valid() ? fd_.get() : 2; }

  void log(LogLevel l, std::string_view msg) const;
  void debug(std::string_view msg) const { log(LogLevel::kDebug, msg); }
  void info(std::string_view msg) const { log(LogLevel::kInfo, msg); }
  void warn(std::string_view msg) const { log(LogLevel::kWarning, msg); }

  // The fatal error of a command: one record in the log (file or stderr)
  // and, when the log is a file, one plain `berth: <msg>` line on stderr for
  // the person at the terminal.
  void report(const Error& e) const;

 private:
  UniqueFd fd_;
  LogFormat format_ = LogFormat::kText;
  LogLevel level_ = LogLevel::kWarning;
};

}  // namespace berth
