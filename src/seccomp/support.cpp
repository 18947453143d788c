#include "src/seccomp/support.hpp"

#include <seccomp.h>

namespace berth::seccomp {

std::string library_version() {
  const scmp_version* v = seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

unsigned api_level() { return seccomp_api_get(); }

}  // namespace berth::seccomp
