#include "src/runtime/commands.hpp"

namespace berth::runtime {

Result<int> cmd_spec(Context&, const ParsedArgs&) { return fail("spec: not implemented yet"); }

}  // namespace berth::runtime
