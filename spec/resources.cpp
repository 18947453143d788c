#include "spec/resources.hpp"

namespace berth::spec {}  // namespace berth::spec
