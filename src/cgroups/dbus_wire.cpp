// D-Bus marshalling (see dbus_wire.hpp).  The specification's rules this
// file follows: every value starts at a multiple of its alignment (BYTE and
// SIGNATURE 1, INT16 2, BOOLEAN/INT32/UINT32/STRING/OBJECT_PATH/ARRAY 4,
// INT64/UINT64/DOUBLE/STRUCT/DICT_ENTRY 8, VARIANT 1); strings are a UINT32
// length, the bytes and a NUL; an array's length counts the bytes of its
// elements only, not the padding before the first one.
#include "src/cgroups/dbus_wire.hpp"

#include <cstring>

namespace berth::cgroups::dbus {

namespace {

// The specification's limits: 64 MiB arrays, 128 MiB messages, 32 levels of
// struct and 32 of array nesting (64 in all).
constexpr size_t kMaxArray = 64u << 20;
constexpr size_t kMaxMessage = 128u << 20;
constexpr int kMaxDepth = 64;

size_t alignment_of(char c) {
  switch (c) {
    case 'y':
    case 'g':
    case 'v':
      return 1;
    case 'n':
    case 'q':
      return 2;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
      return 8;
    default:
      return 4;  // b i u s o h a
  }
}

Unexpected malformed(std::string_view what) {
  return fail("malformed D-Bus message: " + std::string(what));
}

}  // namespace

// ---- Writer --------------------------------------------------------------------

void Writer::raw(const void* p, size_t n) {
  const auto* c = static_cast<const uint8_t*>(p);
  b_.insert(b_.end(), c, c + n);
}

void Writer::align(size_t n) {
  while (b_.size() % n != 0) b_.push_back(0);
}

void Writer::byte(uint8_t v) {
  b_.push_back(v);
}
void Writer::boolean(bool v) {
  u32(v ? 1 : 0);
}

void Writer::u32(uint32_t v) {
  align(4);
  uint8_t le[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                   static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
  raw(le, 4);
}

void Writer::i32(int32_t v) {
  u32(static_cast<uint32_t>(v));
}

void Writer::u64(uint64_t v) {
  align(8);
  for (int i = 0; i < 8; ++i) b_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void Writer::string(std::string_view s) {
  u32(static_cast<uint32_t>(s.size()));
  raw(s.data(), s.size());
  b_.push_back(0);
}

void Writer::object_path(std::string_view s) {
  string(s);
}

void Writer::signature(std::string_view s) {
  b_.push_back(static_cast<uint8_t>(s.size()));
  raw(s.data(), s.size());
  b_.push_back(0);
}

size_t Writer::begin_array(size_t element_alignment) {
  u32(0);
  size_t mark = b_.size() - 4;
  align(element_alignment);
  // The length counts from the first element: remember where it starts in
  // the placeholder itself until end_array() fills it in.
  uint32_t start = static_cast<uint32_t>(b_.size());
  std::memcpy(&b_[mark], &start, 4);
  return mark;
}

void Writer::end_array(size_t mark) {
  uint32_t start = 0;
  std::memcpy(&start, &b_[mark], 4);
  uint32_t len = static_cast<uint32_t>(b_.size() - start);
  for (int i = 0; i < 4; ++i) b_[mark + i] = static_cast<uint8_t>(len >> (8 * i));
}

// ---- Reader --------------------------------------------------------------------

Result<void> Reader::need(size_t n) {
  if (n > b_.size() || pos_ > b_.size() - n) return malformed("truncated value");
  return {};
}

Result<void> Reader::align(size_t n) {
  size_t to = (pos_ + n - 1) / n * n;
  if (to > b_.size()) return malformed("truncated padding");
  for (; pos_ < to; ++pos_)
    if (b_[pos_] != 0) return malformed("non-zero padding");
  return {};
}

Result<uint64_t> Reader::fixed(size_t n) {
  BERTH_TRY(align(n));
  BERTH_TRY(need(n));
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t byte_v = b_[pos_ + (big_ ? n - 1 - i : i)];
    v |= byte_v << (8 * i);
  }
  pos_ += n;
  return v;
}

Result<uint8_t> Reader::byte() {
  BERTH_TRY(need(1));
  return b_[pos_++];
}

Result<bool> Reader::boolean() {
  auto v = fixed(4);
  if (!v) return fail(std::move(v).error());
  if (*v > 1) return malformed("boolean other than 0 or 1");
  return *v == 1;
}

Result<uint32_t> Reader::u32() {
  auto v = fixed(4);
  if (!v) return fail(std::move(v).error());
  return static_cast<uint32_t>(*v);
}

Result<int32_t> Reader::i32() {
  auto v = u32();
  if (!v) return fail(std::move(v).error());
  return static_cast<int32_t>(*v);
}

Result<uint64_t> Reader::u64() {
  return fixed(8);
}

Result<std::string> Reader::string() {
  auto len = u32();
  if (!len) return fail(std::move(len).error());
  BERTH_TRY(need(size_t{*len} + 1));
  std::string s(reinterpret_cast<const char*>(&b_[pos_]), *len);
  if (b_[pos_ + *len] != 0) return malformed("string without its NUL");
  if (s.find('\0') != std::string::npos) return malformed("NUL inside a string");
  pos_ += size_t{*len} + 1;
  return s;
}

Result<std::string> Reader::signature() {
  auto len = byte();
  if (!len) return fail(std::move(len).error());
  BERTH_TRY(need(size_t{*len} + 1));
  std::string s(reinterpret_cast<const char*>(&b_[pos_]), *len);
  if (b_[pos_ + *len] != 0) return malformed("signature without its NUL");
  pos_ += size_t{*len} + 1;
  return s;
}

Result<size_t> Reader::begin_array(size_t element_alignment) {
  auto len = u32();
  if (!len) return fail(std::move(len).error());
  if (*len > kMaxArray) return malformed("array over 64 MiB");
  BERTH_TRY(align(element_alignment));
  BERTH_TRY(need(*len));
  return pos_ + *len;
}

Result<void> Reader::skip(std::string_view type) {
  std::string_view t = first_complete_type(type);
  if (t.empty() || t.size() != type.size()) return malformed("bad type " + std::string(type));
  return skip_one(t, 0);
}

Result<void> Reader::skip_one(std::string_view& type, int depth) {
  if (depth > kMaxDepth) return malformed("nesting too deep");
  if (type.empty()) return malformed("missing type");
  char c = type.front();
  switch (c) {
    case 'y':
      type.remove_prefix(1);
      return byte().has_value() ? Result<void>() : malformed("truncated byte");
    case 'n':
    case 'q':
      type.remove_prefix(1);
      return fixed(2).has_value() ? Result<void>() : malformed("truncated int16");
    case 'b':
    case 'i':
    case 'u':
    case 'h':
      type.remove_prefix(1);
      return fixed(4).has_value() ? Result<void>() : malformed("truncated int32");
    case 'x':
    case 't':
    case 'd':
      type.remove_prefix(1);
      return fixed(8).has_value() ? Result<void>() : malformed("truncated int64");
    case 's':
    case 'o': {
      type.remove_prefix(1);
      auto s = string();
      if (!s) return fail(std::move(s).error());
      return {};
    }
    case 'g': {
      type.remove_prefix(1);
      auto s = signature();
      if (!s) return fail(std::move(s).error());
      return {};
    }
    case 'v': {
      type.remove_prefix(1);
      auto sig = signature();
      if (!sig) return fail(std::move(sig).error());
      std::string_view inner = *sig;
      if (first_complete_type(inner).size() != inner.size() || inner.empty())
        return malformed("variant signature " + *sig + " is not one complete type");
      return skip_one(inner, depth + 1);
    }
    case 'a': {
      std::string_view elem = first_complete_type(type.substr(1));
      if (elem.empty()) return malformed("bad array type");
      auto end = begin_array(alignment_of(elem.front()));
      if (!end) return fail(std::move(end).error());
      while (pos_ < *end) {
        std::string_view e = elem;
        BERTH_TRY(skip_one(e, depth + 1));
      }
      if (pos_ != *end) return malformed("array elements overrun its length");
      type.remove_prefix(1 + elem.size());
      return {};
    }
    case '(':
    case '{': {
      char close = c == '(' ? ')' : '}';
      BERTH_TRY(align(8));
      type.remove_prefix(1);
      while (!type.empty() && type.front() != close) BERTH_TRY(skip_one(type, depth + 1));
      if (type.empty()) return malformed("unterminated struct type");
      type.remove_prefix(1);
      return {};
    }
    default:
      return malformed(std::string("unknown type code '") + c + "'");
  }
}

std::string_view first_complete_type(std::string_view sig) {
  if (sig.empty()) return {};
  char c = sig.front();
  if (c == 'a') {
    auto elem = first_complete_type(sig.substr(1));
    return elem.empty() ? std::string_view{} : sig.substr(0, 1 + elem.size());
  }
  if (c == '(' || c == '{') {
    char close = c == '(' ? ')' : '}';
    size_t i = 1;
    int members = 0;
    while (i < sig.size() && sig[i] != close) {
      auto t = first_complete_type(sig.substr(i));
      if (t.empty()) return {};
      i += t.size();
      ++members;
    }
    if (i >= sig.size() || members == 0) return {};
    if (c == '{' && members != 2) return {};
    return sig.substr(0, i + 1);
  }
  if (std::string_view("ybnqiuxtdsoghv").find(c) != std::string_view::npos) return sig.substr(0, 1);
  return {};
}

// ---- properties ------------------------------------------------------------------

std::string_view signature_of(const PropertyValue& v) {
  static constexpr std::string_view kSigs[] = {"b", "t", "s", "au", "ay", "as", "a(ss)"};
  return kSigs[v.index()];
}

void write_properties(Writer& w, const std::vector<Property>& props) {
  size_t outer = w.begin_array(8);
  for (const auto& p : props) {
    w.begin_struct();
    w.string(p.name);
    w.signature(signature_of(p.value));
    switch (p.value.index()) {
      case 0:
        w.boolean(std::get<bool>(p.value));
        break;
      case 1:
        w.u64(std::get<uint64_t>(p.value));
        break;
      case 2:
        w.string(std::get<std::string>(p.value));
        break;
      case 3: {
        size_t a = w.begin_array(4);
        for (uint32_t x : std::get<std::vector<uint32_t>>(p.value)) w.u32(x);
        w.end_array(a);
        break;
      }
      case 4: {
        size_t a = w.begin_array(1);
        for (uint8_t x : std::get<std::vector<uint8_t>>(p.value)) w.byte(x);
        w.end_array(a);
        break;
      }
      case 5: {
        size_t a = w.begin_array(4);
        for (const auto& s : std::get<std::vector<std::string>>(p.value)) w.string(s);
        w.end_array(a);
        break;
      }
      default: {
        size_t a = w.begin_array(8);
        for (const auto& [first, second] : std::get<StringPairs>(p.value)) {
          w.begin_struct();
          w.string(first);
          w.string(second);
        }
        w.end_array(a);
        break;
      }
    }
  }
  w.end_array(outer);
}

Result<std::vector<Property>> read_properties(Reader& r) {
  auto end = r.begin_array(8);
  if (!end) return fail(std::move(end).error());
  std::vector<Property> out;
  while (r.offset() < *end) {
    BERTH_TRY(r.align(8));
    auto name = r.string();
    auto sig = name ? r.signature() : Result<std::string>(fail(name.error()));
    if (!sig) return fail(std::move(sig).error());
    Property p{*name, false};
    if (*sig == "b") {
      auto v = r.boolean();
      if (!v) return fail(std::move(v).error());
      p.value = *v;
    } else if (*sig == "t") {
      auto v = r.u64();
      if (!v) return fail(std::move(v).error());
      p.value = *v;
    } else if (*sig == "s") {
      auto v = r.string();
      if (!v) return fail(std::move(v).error());
      p.value = *v;
    } else if (*sig == "au" || *sig == "ay" || *sig == "as") {
      auto a = r.begin_array(sig->back() == 'y' ? 1 : 4);
      if (!a) return fail(std::move(a).error());
      std::vector<uint32_t> au;
      std::vector<uint8_t> ay;
      std::vector<std::string> as;
      while (r.offset() < *a) {
        if (sig->back() == 'u') {
          auto v = r.u32();
          if (!v) return fail(std::move(v).error());
          au.push_back(*v);
        } else if (sig->back() == 'y') {
          auto v = r.byte();
          if (!v) return fail(std::move(v).error());
          ay.push_back(*v);
        } else {
          auto v = r.string();
          if (!v) return fail(std::move(v).error());
          as.push_back(std::move(*v));
        }
      }
      if (sig->back() == 'u')
        p.value = std::move(au);
      else if (sig->back() == 'y')
        p.value = std::move(ay);
      else
        p.value = std::move(as);
    } else if (*sig == "a(ss)") {
      auto a = r.begin_array(8);
      if (!a) return fail(std::move(a).error());
      StringPairs pairs;
      while (r.offset() < *a) {
        BERTH_TRY(r.align(8));
        auto first = r.string();
        auto second = first ? r.string() : Result<std::string>(fail(first.error()));
        if (!second) return fail(std::move(second).error());
        pairs.emplace_back(std::move(*first), std::move(*second));
      }
      p.value = std::move(pairs);
    } else {
      return malformed("property " + *name + " of unsupported type " + *sig);
    }
    out.push_back(std::move(p));
  }
  return out;
}

// ---- messages ----------------------------------------------------------------------

namespace {

enum Field : uint8_t {
  kPath = 1,
  kInterface = 2,
  kMember = 3,
  kErrorName = 4,
  kReplySerial = 5,
  kDestination = 6,
  kSender = 7,
  kSignature = 8,
};

void string_field(Writer& w, uint8_t code, char type, const std::string& v) {
  if (v.empty()) return;
  w.begin_struct();
  w.byte(code);
  w.signature(std::string_view(&type, 1));
  if (type == 'g')
    w.signature(v);
  else
    w.string(v);
}

}  // namespace

std::vector<uint8_t> encode(const Message& m) {
  Writer w;
  w.byte('l');
  w.byte(static_cast<uint8_t>(m.type));
  w.byte(m.flags);
  w.byte(1);  // protocol version
  w.u32(static_cast<uint32_t>(m.body.size()));
  w.u32(m.serial);
  size_t fields = w.begin_array(8);
  string_field(w, kPath, 'o', m.path);
  string_field(w, kInterface, 's', m.interface);
  string_field(w, kMember, 's', m.member);
  string_field(w, kErrorName, 's', m.error_name);
  if (m.reply_serial != 0) {
    w.begin_struct();
    w.byte(kReplySerial);
    w.signature("u");
    w.u32(m.reply_serial);
  }
  string_field(w, kDestination, 's', m.destination);
  string_field(w, kSender, 's', m.sender);
  string_field(w, kSignature, 'g', m.signature);
  w.end_array(fields);
  w.align(8);
  std::vector<uint8_t> out = w.take();
  out.insert(out.end(), m.body.begin(), m.body.end());
  return out;
}

namespace {

Result<void> read_field(Reader& r, Message& m) {
  BERTH_TRY(r.align(8));
  auto code = r.byte();
  auto sig = code ? r.signature() : Result<std::string>(fail(code.error()));
  if (!sig) return fail(std::move(sig).error());
  auto want = [&](std::string_view t) -> Result<void> {
    if (*sig != t) return malformed("header field " + std::to_string(*code) + " of type " + *sig);
    return {};
  };
  auto str = [&](std::string& into, std::string_view t) -> Result<void> {
    BERTH_TRY(want(t));
    auto v = t == "g" ? r.signature() : r.string();
    if (!v) return fail(std::move(v).error());
    into = std::move(*v);
    return {};
  };
  switch (*code) {
    case kPath:
      return str(m.path, "o");
    case kInterface:
      return str(m.interface, "s");
    case kMember:
      return str(m.member, "s");
    case kErrorName:
      return str(m.error_name, "s");
    case kDestination:
      return str(m.destination, "s");
    case kSender:
      return str(m.sender, "s");
    case kSignature:
      return str(m.signature, "g");
    case kReplySerial: {
      BERTH_TRY(want("u"));
      auto v = r.u32();
      if (!v) return fail(std::move(v).error());
      m.reply_serial = *v;
      return {};
    }
    default: {
      // Unknown fields (UNIX_FDS among them) are skipped, as the
      // specification asks.
      std::string_view t = *sig;
      if (first_complete_type(t).size() != t.size() || t.empty())
        return malformed("header field signature " + *sig);
      return r.skip(t);
    }
  }
}

}  // namespace

Result<size_t> decode(std::span<const uint8_t> buf, Message& out) {
  if (buf.size() < 16) return size_t{0};
  if (buf[0] != 'l' && buf[0] != 'B') return malformed("endianness byte " + std::to_string(buf[0]));
  bool big = buf[0] == 'B';
  if (buf[1] < 1 || buf[1] > 4) return malformed("message type " + std::to_string(buf[1]));
  if (buf[3] != 1) return malformed("protocol version " + std::to_string(buf[3]));
  Reader fixed_part(buf.subspan(4, 12), big);
  uint32_t body_len = *fixed_part.u32();
  uint32_t serial = *fixed_part.u32();
  uint32_t fields_len = *fixed_part.u32();
  if (serial == 0) return malformed("serial 0");
  size_t header_end = 16 + size_t{fields_len};
  size_t body_start = (header_end + 7) / 8 * 8;
  size_t total = body_start + body_len;
  if (fields_len > kMaxArray || total > kMaxMessage) return malformed("message over 128 MiB");
  if (buf.size() < total) return size_t{0};

  Message m;
  m.type = static_cast<MsgType>(buf[1]);
  m.flags = buf[2];
  m.serial = serial;
  m.big_endian = big;
  Reader r(buf.subspan(0, body_start), big);
  for (int i = 0; i < 12; ++i) (void)r.byte();
  auto end = r.begin_array(8);
  if (!end) return fail(std::move(end).error());
  while (r.offset() < *end) BERTH_TRY(read_field(r, m));
  if (r.offset() != *end) return malformed("header fields overrun their length");
  BERTH_TRY(r.align(8));
  m.body.assign(buf.begin() + static_cast<std::ptrdiff_t>(body_start),
                buf.begin() + static_cast<std::ptrdiff_t>(total));
  out = std::move(m);
  return total;
}

}  // namespace berth::cgroups::dbus
