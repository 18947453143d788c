// Reader: typed access to a parsed JSON document that remembers where it is.
//
// Every error names the JSON path and the offending value:
//   config.json: process.rlimits[2].type: unknown rlimit "RLIMIT_FOO"
//
// The first error is sticky: it is recorded in the ParseContext and every
// later read is a no-op, so parse functions read straight through without
// checking after each field, and the caller checks ctx.ok() once at the end.
// No exceptions leave this file's implementation.
//
// Readers form a chain on the stack (each child points at its parent's path
// segment), so they can be neither copied nor moved; child readers are
// returned as prvalues and live for the full expression or a local scope.
//
// Conventions that follow the runtime-spec:
//  - unknown object members are ignored (config.md: "Runtimes MUST ignore
//    unknown properties");
//  - a JSON null is treated like an absent member, as encoding/json does for
//    runc's callers (containerd writes `"seccomp": null`).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/runtime/base/result.hpp"

namespace berth::spec {

using Json = nlohmann::json;

class ParseContext {
 public:
  // `source` prefixes every message: "config.json", "process.json", ...
  explicit ParseContext(std::string source) : source_(std::move(source)) {}

  bool ok() const { return !error_.has_value(); }
  // "config.json: <path>: <message>"
  const std::optional<std::string>& error() const { return error_; }
  const std::string& source() const { return source_; }
  // Records an error at `path` unless one is already recorded.
  void fail(const std::string& path, std::string_view message);
  Result<void> result() const;

 private:
  std::string source_;
  std::optional<std::string> error_;
};

// One link of the path chain: an object key or an array index.
struct PathSeg {
  const PathSeg* parent = nullptr;
  std::string_view key;  // empty when this is an index or the root
  size_t index = 0;
  bool is_index = false;
};

std::string render_path(const PathSeg* seg);

class Reader {
 public:
  // The root reader of a document.
  Reader(ParseContext& ctx, const Json& root) : ctx_(&ctx), v_(&root) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  Reader(Reader&&) = delete;

  ParseContext& ctx() const { return *ctx_; }
  bool ok() const { return ctx_->ok(); }
  // Present: the member exists and is not null.
  bool present() const { return v_ != nullptr && !v_->is_null(); }
  const Json* raw() const { return v_; }
  std::string path() const { return render_path(&seg_); }

  // Member of an object.  Absent members give a Reader that is !present().
  // Reading a member of a present non-object is a type error.
  Reader operator[](std::string_view key) const;
  // Number of elements when this is an array (type error otherwise, 0 if absent).
  size_t size() const;
  Reader at(size_t i) const;
  // Calls f(Reader&) for each element of an array.
  template <class F>
  void each(F&& f) const {
    size_t n = size();
    for (size_t i = 0; i < n && ok(); ++i) {
      Reader e = at(i);
      f(e);
    }
  }
  // Calls f(key, Reader&) for each member of an object, in key order.
  template <class F>
  void each_member(F&& f) const {
    if (!expect_object()) return;
    for (auto it = v_->begin(); it != v_->end() && ok(); ++it) {
      Reader e(*this, it.key(), &it.value());
      f(std::string_view(it.key()), e);
    }
  }

  // Type checks: record "expected X, got Y" and return false.
  bool expect_object() const;
  bool expect_array() const;
  // For array elements and map values: a null there is an error ("expected
  // object, got null"), where a null member counts as absent.
  bool expect_element_object() const;

  // Scalar reads.  Absent values leave `out` untouched and return false; a
  // present value of the wrong type or out of range records an error.
  bool get(std::string& out) const;
  bool get(bool& out) const;
  bool get(int64_t& out) const;
  bool get(uint64_t& out) const;
  bool get(int32_t& out) const;
  bool get(uint32_t& out) const;
  bool get(uint16_t& out) const;
  bool get(double& out) const;
  bool get(std::vector<std::string>& out) const;
  bool get(std::map<std::string, std::string>& out) const;
  template <class T>
  bool get(std::optional<T>& out) const {
    if (!present()) return false;
    T v{};
    if (!get(v)) return false;
    out = std::move(v);
    return true;
  }

  // A member that must be present.
  template <class T>
  bool require(T& out) const {
    if (!present()) {
      fail("required");
      return false;
    }
    return get(out);
  }

  // Enum from a table of names: records `unknown <what> "<value>"`.
  template <class E>
  struct Name {
    std::string_view name;
    E value;
  };
  template <class E>
  bool get_enum(E& out, std::span<const Name<E>> table, std::string_view what) const {
    std::string s;
    if (!get(s)) return false;
    for (const auto& n : table)
      if (n.name == s) {
        out = n.value;
        return true;
      }
    fail_value("unknown " + std::string(what), s);
    return false;
  }

  // Records an error at this path: "<path>: <message>".
  void fail(std::string_view message) const;
  // "<path>: <message> \"<value>\"" with the value quoted and escaped.
  void fail_value(std::string_view message, std::string_view value) const;

 private:
  Reader(const Reader& parent, std::string_view key, const Json* v);
  Reader(const Reader& parent, size_t index, const Json* v);
  void type_error(std::string_view expected) const;
  template <class I>
  bool get_int(I& out) const;

  ParseContext* ctx_;
  const Json* v_;
  PathSeg seg_;
};

// Quotes a value for an error message: "RLIMIT_FOO" (JSON string escaping).
using berth::quote;

// Parses JSON text.  A syntax error reads "<source>: invalid JSON at byte N: ...".
Result<Json> parse_json(std::string_view text, const std::string& source);

}  // namespace berth::spec
