// The verbs.  Each is a thin handler over the library (STYLE.md: the CLI is
// thin); cli.cpp's table maps names and flags to these.
#pragma once

#include "src/runtime/cli.hpp"
#include "src/runtime/container.hpp"

namespace berth::runtime {

// Shared flag parsing of the verbs (lifecycle_verbs.cpp).
Result<int> parse_preserve_fds(const ParsedArgs& a);
Result<CreateOptions> create_options(const ParsedArgs& a);

Result<int> cmd_spec(Context& ctx, const ParsedArgs& args);
Result<int> cmd_features(Context& ctx, const ParsedArgs& args);
Result<int> cmd_create(Context& ctx, const ParsedArgs& args);
Result<int> cmd_start(Context& ctx, const ParsedArgs& args);
Result<int> cmd_run(Context& ctx, const ParsedArgs& args);
Result<int> cmd_state(Context& ctx, const ParsedArgs& args);
Result<int> cmd_kill(Context& ctx, const ParsedArgs& args);
Result<int> cmd_delete(Context& ctx, const ParsedArgs& args);
Result<int> cmd_list(Context& ctx, const ParsedArgs& args);
Result<int> cmd_exec(Context& ctx, const ParsedArgs& args);
Result<int> cmd_pause(Context& ctx, const ParsedArgs& args);
Result<int> cmd_resume(Context& ctx, const ParsedArgs& args);
Result<int> cmd_ps(Context& ctx, const ParsedArgs& args);
Result<int> cmd_update(Context& ctx, const ParsedArgs& args);
Result<int> cmd_events(Context& ctx, const ParsedArgs& args);

}  // namespace berth::runtime
