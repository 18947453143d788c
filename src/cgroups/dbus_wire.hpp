// The D-Bus wire format, as much of it as the systemd cgroup driver needs:
// a marshaller and an unmarshaller for the basic types, arrays, structs and
// variants, and the message header (D-Bus specification, "Message
// Protocol").  Pure: no I/O, so unit tests check exact bytes.
//
// Alignment is counted from the start of the buffer being written or read;
// a message body starts on an 8-byte boundary of the message, so counting
// from the body's own start gives the same padding.
//
// Writing is always little-endian; reading takes either byte order, since a
// bus daemon forwards each message in its sender's order.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "src/runtime/base/result.hpp"

namespace berth::cgroups::dbus {

enum class MsgType : uint8_t {
  kInvalid = 0,
  kMethodCall = 1,
  kMethodReturn = 2,
  kError = 3,
  kSignal = 4
};

// Header flag: the sender wants no reply.
inline constexpr uint8_t kNoReplyExpected = 0x1;

class Writer {
 public:
  void byte(uint8_t v);
  void boolean(bool v);  // a UINT32 0 or 1
  void u32(uint32_t v);
  void i32(int32_t v);
  void u64(uint64_t v);
  void string(std::string_view s);       // 's'
  void object_path(std::string_view s);  // 'o'
  void signature(std::string_view s);    // 'g': a one-byte length
  // Arrays: begin_array() writes the length placeholder and the padding to
  // the elements' alignment and returns a mark; end_array() fills in the
  // length (the padding before the first element is not counted).
  size_t begin_array(size_t element_alignment);
  void end_array(size_t mark);
  // Structs and dict entries start on 8 bytes.
  void begin_struct() { align(8); }
  void align(size_t n);

  const std::vector<uint8_t>& bytes() const { return b_; }
  std::vector<uint8_t> take() { return std::move(b_); }

 private:
  void raw(const void* p, size_t n);
  std::vector<uint8_t> b_;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b, bool big_endian = false) : b_(b), big_(big_endian) {}

  Result<uint8_t> byte();
  Result<bool> boolean();
  Result<uint32_t> u32();
  Result<int32_t> i32();
  Result<uint64_t> u64();
  Result<std::string> string();
  Result<std::string> object_path() { return string(); }
  Result<std::string> signature();
  // Reads an array's length and the padding before its elements; returns
  // the offset where the array ends.
  Result<size_t> begin_array(size_t element_alignment);
  Result<void> align(size_t n);
  // Skips one value of a single complete type ("a(sv)", "v", "u", ...).
  Result<void> skip(std::string_view type);

  size_t offset() const { return pos_; }
  bool at_end() const { return pos_ >= b_.size(); }

 private:
  Result<void> need(size_t n);
  Result<uint64_t> fixed(size_t n);
  Result<void> skip_one(std::string_view& type, int depth);
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
  bool big_ = false;
};

// The signature's first single complete type ("a{sv}u" -> "a{sv}"); empty
// when it is malformed.
std::string_view first_complete_type(std::string_view sig);

// A value in an a(sv) property list (systemd's unit properties).  Types:
// b, t (uint64), s, au, ay, as, a(ss) (DeviceAllow).
using StringPairs = std::vector<std::pair<std::string, std::string>>;
using PropertyValue = std::variant<bool, uint64_t, std::string, std::vector<uint32_t>,
                                   std::vector<uint8_t>, std::vector<std::string>, StringPairs>;
struct Property {
  std::string name;
  PropertyValue value;
  bool operator==(const Property&) const = default;
};
std::string_view signature_of(const PropertyValue& v);
// Writes the properties as a(sv).
void write_properties(Writer& w, const std::vector<Property>& props);
// Reads a(sv) written with the types above (a test fake's side).
Result<std::vector<Property>> read_properties(Reader& r);

struct Message {
  MsgType type = MsgType::kInvalid;
  uint8_t flags = 0;
  uint32_t serial = 0;
  // Header fields; empty / 0 when absent.
  std::string path, interface, member, error_name, destination, sender, signature;
  uint32_t reply_serial = 0;
  std::vector<uint8_t> body;
  bool big_endian = false;  // of a received message: how to read body

  Reader body_reader() const { return Reader(body, big_endian); }
};

// The whole message: header, header fields, padding, body.
std::vector<uint8_t> encode(const Message& m);

// Decodes the message at the front of `buf`: the number of bytes it took,
// or 0 when `buf` does not hold all of it yet.  Malformed input (bad
// endianness byte, version, field types, sizes over the specification's
// 128 MiB message limit) is an error.
Result<size_t> decode(std::span<const uint8_t> buf, Message& out);

}  // namespace berth::cgroups::dbus
