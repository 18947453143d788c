#include "spec/mount.hpp"

namespace berth::spec {}  // namespace berth::spec
