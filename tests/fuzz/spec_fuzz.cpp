// libFuzzer target: every document berth reads from a caller must be
// rejected cleanly or accepted, never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "spec/config.hpp"
#include "spec/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto c = berth::spec::parse_config(text)) {
    (void)berth::spec::validate(*c, berth::spec::ValidateFor::kCreate);
    (void)berth::spec::validate(*c, berth::spec::ValidateFor::kAny);
  }
  (void)berth::spec::parse_process(text);
  (void)berth::spec::parse_resources(text);
  return 0;
}
