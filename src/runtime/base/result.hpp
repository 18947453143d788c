// Result<T>: a value or an Error, shaped like std::expected<T, Error> so it can
// be swapped for it once the toolchain has it (g++ 12 does not).
//
// Runtime code does not throw: every fallible function returns a Result.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "error.hpp"

namespace berth {

struct Unexpected {
  Error error;
};

inline Unexpected fail(Error e) { return Unexpected{std::move(e)}; }
inline Unexpected fail(std::string message, int errnum = 0) {
  return Unexpected{Error(std::move(message), errnum)};
}
// From errno, at the syscall: fail_errno("mount \"proc\" on \"/proc\"").
inline Unexpected fail_errno(std::string what) { return Unexpected{Error::from_errno(std::move(what))}; }
inline Unexpected fail_errno(std::string what, int errnum) {
  return Unexpected{Error::from_errno(std::move(what), errnum)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { assert(!has_value()); return std::get<1>(v_); }
  const Error& error() const& { assert(!has_value()); return std::get<1>(v_); }
  Error&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : err_(std::move(u.error)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const { assert(ok_); }

  Error& error() & { assert(!ok_); return err_; }
  const Error& error() const& { assert(!ok_); return err_; }
  Error&& error() && { assert(!ok_); return std::move(err_); }

 private:
  Error err_;
  bool ok_ = true;
};

// Propagate an error with optional context:
//   BERTH_TRY(write_file(...));
//   auto fd = BERTH_TRY_VALUE(open_dir(...));   (GNU statement expression)
#define BERTH_TRY(expr)                                                 \
  do {                                                                  \
    auto&& berth_try_r_ = (expr);                                       \
    if (!berth_try_r_) return ::berth::Unexpected{std::move(berth_try_r_).error()}; \
  } while (0)

#define BERTH_TRY_CTX(expr, ctx)                                        \
  do {                                                                  \
    auto&& berth_try_r_ = (expr);                                       \
    if (!berth_try_r_)                                                  \
      return ::berth::Unexpected{std::move(berth_try_r_).error().context(ctx)}; \
  } while (0)

}  // namespace berth
