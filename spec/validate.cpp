#include "spec/validate.hpp"

namespace berth::spec {}  // namespace berth::spec
