#include "spec/hooks.hpp"

namespace berth::spec {}  // namespace berth::spec
