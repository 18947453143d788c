#include "spec/reader.hpp"

#include <limits>

#include "src/runtime/base/log.hpp"

namespace berth::spec {

void ParseContext::fail(const std::string& path, std::string_view message) {
  if (error_) return;
  std::string m = source_;
  m += ": ";
  if (!path.empty()) m.append(path).append(": ");
  m.append(message);
  error_ = std::move(m);
}

Result<void> ParseContext::result() const {
  if (error_) return berth::fail(*error_);
  return {};
}

std::string render_path(const PathSeg* seg) {
  std::vector<const PathSeg*> chain;
  for (const PathSeg* s = seg; s != nullptr; s = s->parent)
    if (s->is_index || !s->key.empty()) chain.push_back(s);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const PathSeg* s = *it;
    if (s->is_index) {
      out += '[';
      out += std::to_string(s->index);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += s->key;
    }
  }
  return out;
}

Reader::Reader(const Reader& parent, std::string_view key, const Json* v)
    : ctx_(parent.ctx_), v_(v), seg_{&parent.seg_, key, 0, false} {}

Reader::Reader(const Reader& parent, size_t index, const Json* v)
    : ctx_(parent.ctx_), v_(v), seg_{&parent.seg_, {}, index, true} {}

void Reader::fail(std::string_view message) const { ctx_->fail(path(), message); }

void Reader::fail_value(std::string_view message, std::string_view value) const {
  std::string m(message);
  m += ' ';
  m += quote(value);
  fail(m);
}

namespace {

std::string_view type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number";
    default: return "value";
  }
}

// A short rendering of the offending value for type errors.
std::string short_dump(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

}  // namespace

void Reader::type_error(std::string_view expected) const {
  std::string m = "expected ";
  m.append(expected).append(", got ").append(type_name(*v_));
  if (!v_->is_null()) m.append(" ").append(short_dump(*v_));
  fail(m);
}

bool Reader::expect_object() const {
  if (!ok() || !present()) return false;
  if (!v_->is_object()) {
    type_error("object");
    return false;
  }
  return true;
}

bool Reader::expect_element_object() const {
  if (ok() && !present()) {
    fail("expected object, got null");
    return false;
  }
  return expect_object();
}

bool Reader::expect_array() const {
  if (!ok() || !present()) return false;
  if (!v_->is_array()) {
    type_error("array");
    return false;
  }
  return true;
}

Reader Reader::operator[](std::string_view key) const {
  const Json* child = nullptr;
  if (ok() && present()) {
    if (!v_->is_object()) {
      type_error("object");
    } else {
      auto it = v_->find(key);
      if (it != v_->end()) child = &*it;
    }
  }
  return Reader(*this, key, child);
}

size_t Reader::size() const { return expect_array() ? v_->size() : 0; }

Reader Reader::at(size_t i) const {
  const Json* child = (ok() && present() && v_->is_array() && i < v_->size()) ? &(*v_)[i] : nullptr;
  return Reader(*this, i, child);
}

bool Reader::get(std::string& out) const {
  if (!ok() || !present()) return false;
  if (!v_->is_string()) {
    type_error("string");
    return false;
  }
  out = v_->get_ref<const std::string&>();
  return true;
}

bool Reader::get(bool& out) const {
  if (!ok() || !present()) return false;
  if (!v_->is_boolean()) {
    type_error("boolean");
    return false;
  }
  out = v_->get<bool>();
  return true;
}

template <class I>
bool Reader::get_int(I& out) const {
  if (!ok() || !present()) return false;
  using L = std::numeric_limits<I>;
  if (v_->is_number_unsigned()) {
    uint64_t u = v_->get<uint64_t>();
    if (u > static_cast<uint64_t>(L::max())) {
      fail("value " + std::to_string(u) + " out of range (max " + std::to_string(L::max()) + ")");
      return false;
    }
    out = static_cast<I>(u);
    return true;
  }
  if (v_->is_number_integer()) {
    int64_t s = v_->get<int64_t>();
    if constexpr (!L::is_signed) {
      if (s < 0) {
        fail("value " + std::to_string(s) + " out of range (must not be negative)");
        return false;
      }
      if (static_cast<uint64_t>(s) > static_cast<uint64_t>(L::max())) {
        fail("value " + std::to_string(s) + " out of range (max " + std::to_string(L::max()) + ")");
        return false;
      }
    } else {
      if (s < static_cast<int64_t>(L::min()) || s > static_cast<int64_t>(L::max())) {
        fail("value " + std::to_string(s) + " out of range (" + std::to_string(L::min()) + " to " +
             std::to_string(L::max()) + ")");
        return false;
      }
    }
    out = static_cast<I>(s);
    return true;
  }
  type_error("integer");
  return false;
}

bool Reader::get(int64_t& out) const { return get_int(out); }
bool Reader::get(uint64_t& out) const { return get_int(out); }
bool Reader::get(int32_t& out) const { return get_int(out); }
bool Reader::get(uint32_t& out) const { return get_int(out); }
bool Reader::get(uint16_t& out) const { return get_int(out); }

bool Reader::get(double& out) const {
  if (!ok() || !present()) return false;
  if (!v_->is_number()) {
    type_error("number");
    return false;
  }
  out = v_->get<double>();
  return true;
}

bool Reader::get(std::vector<std::string>& out) const {
  if (!expect_array()) return false;
  std::vector<std::string> v;
  v.reserve(v_->size());
  each([&](Reader& e) {
    std::string s;
    if (!e.present()) {
      e.type_error("string");
      return;
    }
    if (e.get(s)) v.push_back(std::move(s));
  });
  if (!ok()) return false;
  out = std::move(v);
  return true;
}

bool Reader::get(std::map<std::string, std::string>& out) const {
  if (!expect_object()) return false;
  std::map<std::string, std::string> m;
  each_member([&](std::string_view k, Reader& e) {
    std::string s;
    if (!e.present()) {
      e.type_error("string");
      return;
    }
    if (e.get(s)) m.emplace(std::string(k), std::move(s));
  });
  if (!ok()) return false;
  out = std::move(m);
  return true;
}

Result<Json> parse_json(std::string_view text, const std::string& source) {
  // The non-throwing parse: a discarded value signals a syntax error, and a
  // second pass with the throwing parser recovers the byte offset.  The second
  // pass only runs on bad input.
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) return j;
  try {
    Json again = Json::parse(text);
    (void)again;
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 1,
    // column 5: syntax error while parsing value - invalid literal; last read: 'x'"
    auto pos = what.find("syntax error");
    std::string detail = pos == std::string::npos ? what : what.substr(pos);
    return fail(source + ": invalid JSON at byte " + std::to_string(e.byte) + ": " + detail);
  } catch (...) {
  }
  return fail(source + ": invalid JSON");
}

}  // namespace berth::spec
