// OCI hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle").
//
// A hook runs with the container state JSON on stdin, its own args and env
// (nothing inherited), and a timeout in seconds.  The runtime waits with a
// pidfd and poll(2): no threads, no SIGALRM.  A hook that times out is
// killed with SIGKILL and reaped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/hooks.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::runtime {

// Runs one hook and waits for it.  Errors name the hook kind, index and path:
//   createRuntime hook #1 "/usr/bin/x": exited with status 3: <first line of its stderr>
//   poststart hook #0 "/x": timed out after 2 s
Result<void> run_hook(const spec::Hook& hook, std::string_view kind, size_t index,
                      std::string_view state_json);

// Runs hooks in order, stopping at the first failure.
Result<void> run_hooks(const std::vector<spec::Hook>& hooks, std::string_view kind,
                       std::string_view state_json);

// Runs every hook even if some fail (poststop); returns the first error.
Result<void> run_hooks_all(const std::vector<spec::Hook>& hooks, std::string_view kind,
                           std::string_view state_json);

}  // namespace berth::runtime
