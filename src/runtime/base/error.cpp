#include "error.hpp"

#include <cerrno>
#include <cctype>
#include <cstring>

namespace berth {

std::string errno_text(int errnum) {
  // strerrordesc_np is async-signal-safe-ish and locale independent (glibc 2.32).
  const char* d = strerrordesc_np(errnum);
  if (d == nullptr) return "errno " + std::to_string(errnum);
  std::string s(d);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

Error Error::from_errno(std::string what) { return from_errno(std::move(what), errno); }

Error Error::from_errno(std::string what, int errnum) { return Error(std::move(what), errnum); }

Error& Error::context(std::string_view ctx) & {
  std::string m;
  m.reserve(ctx.size() + 2 + message_.size());
  m.append(ctx).append(": ").append(message_);
  message_ = std::move(m);
  return *this;
}

Error&& Error::context(std::string_view ctx) && { return std::move(context(ctx)); }

std::string Error::message() const {
  if (errnum_ == 0) return message_;
  return message_ + ": " + errno_text(errnum_);
}

}  // namespace berth
