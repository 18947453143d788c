#include "src/runtime/commands.hpp"

namespace berth::runtime {

Result<int> cmd_features(Context&, const ParsedArgs&) { return fail("features: not implemented yet"); }

}  // namespace berth::runtime
