// Error: what went wrong, where, and the errno that caused it.
//
// An Error is created at the failing syscall with the object it touched
// (`mount "proc" on "/proc"` + EPERM) and gains context at module
// boundaries (`create "c1"`).  It is printed once, at the top, by the
// logger.  See ERRORS.md beside this file.
#pragma once

#include <string>
#include <string_view>

namespace berth {

class Error {
 public:
  Error() = default;
  explicit Error(std::string message, int errnum = 0) : message_(std::move(message)), errnum_(errnum) {}

  // Error from the current errno: `what: strerror(errno)`.
  static Error from_errno(std::string what);
  static Error from_errno(std::string what, int errnum);

  // Prepends context: `ctx: <previous message>`.  Returns *this for chaining.
  Error& context(std::string_view ctx) &;
  Error&& context(std::string_view ctx) &&;

  // The whole message, context first, cause last, errno text included.
  std::string message() const;
  // The message without the trailing strerror text.
  const std::string& what() const { return message_; }
  int errnum() const { return errnum_; }

 private:
  std::string message_;
  int errnum_ = 0;
};

// "ENOENT"-style name is not used in messages; strerror text is, because it is
// what runc prints and what users search for.
std::string errno_text(int errnum);

// A value quoted for a message: "RLIMIT_FOO", with JSON string escaping so
// control characters and quotes in paths cannot garble a log line.
std::string quote(std::string_view s);

}  // namespace berth
