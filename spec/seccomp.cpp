#include "spec/seccomp.hpp"

namespace berth::spec {}  // namespace berth::spec
