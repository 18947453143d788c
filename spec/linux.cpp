#include "spec/linux.hpp"

namespace berth::spec {}  // namespace berth::spec
