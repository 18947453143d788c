// SHA-256 against the FIPS 180-2 appendix B examples and the NIST long
// message vector, fed whole and in awkward pieces.
#include <catch2/catch.hpp>
#include <string>

#include "src/runtime/base/sha256.hpp"

using namespace berth;

namespace {

std::string in_pieces(const std::string& data, size_t piece) {
  Sha256 h;
  for (size_t at = 0; at < data.size(); at += piece)
    h.update(std::string_view(data).substr(at, piece));
  return to_hex(h.finish());
}

}  // namespace

TEST_CASE("sha256: FIPS 180-2 vectors", "[sha256]") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha256_hex(two_blocks) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string million(1000000, 'a');
  CHECK(sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  for (size_t piece : {1, 3, 55, 63, 64, 65, 1000}) {
    INFO("pieces of " << piece);
    CHECK(in_pieces(two_blocks, piece) == sha256_hex(two_blocks));
    CHECK(in_pieces(million.substr(0, 10007), piece) == sha256_hex(million.substr(0, 10007)));
  }
}

TEST_CASE("sha256: lengths around the padding boundary", "[sha256]") {
  // 55 bytes leave room for the padding and length in one block, 56 do not
  // (values from Python's hashlib); every length across two block edges,
  // whole and in pieces, agrees.
  CHECK(sha256_hex(std::string(55, 'a')) ==
        "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(sha256_hex(std::string(56, 'a')) ==
        "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  for (size_t n = 50; n < 140; ++n)
    CHECK(in_pieces(std::string(n, 'x'), 7) == sha256_hex(std::string(n, 'x')));
}
