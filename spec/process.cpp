#include "spec/process.hpp"

namespace berth::spec {}  // namespace berth::spec
