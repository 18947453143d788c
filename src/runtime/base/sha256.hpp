// SHA-256 (FIPS 180-4), for content keys such as the seccomp program cache's
// (src/seccomp/cache.hpp).  A key, not a secret: nothing here is constant-time,
// and berth takes no crypto library for it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  // Feeds bytes; may be called any number of times before finish().
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // The digest of everything fed so far.  The object is spent afterwards:
  // feeding it again or finishing twice gives meaningless results.
  Digest finish();

 private:
  void block(const uint8_t* p);

  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t used_ = 0;     // bytes in buf_
  uint64_t total_ = 0;  // bytes fed, for the length field
};

// Lower-case hex of a digest (64 characters).
std::string to_hex(const Sha256::Digest& d);

// One-shot helper: to_hex of the SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace berth
