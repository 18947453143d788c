// Rootless containers: berth run by a user without root (runc's "rootless
// EUID" mode, docs/rootless.md there).  What changes, and where:
//   - the state root defaults to $XDG_RUNTIME_DIR/berth (cli.cpp);
//   - the config must have a user namespace, and mount uid=/gid= options
//     must name mapped ids (spec::validate_rootless);
//   - the user namespace's maps are written directly when they map only the
//     caller's own ids, else by newuidmap/newgidmap (namespaces/idmap.hpp);
//   - cgroups, in rootless mode (--rootless; by default also root inside a
//     user namespace): without a delegated hierarchy the container's cgroup
//     cannot be made; that is ignored when the config sets no limits, and
//     fails when it does.  Device rules are never applied (no eBPF or
//     devices controller for an unprivileged user; runc skips them too).
// Everything here is pure: create.cpp does the side effects.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "spec/resources.hpp"
#include "src/runtime/base/error.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::runtime {

// --rootless true|false|auto; "auto" is rootless when euid != 0 or when
// berth runs inside a user namespace (its root is not the host's).
bool rootless_mode(std::string_view flag, uid_t euid, bool in_user_namespace);

// Whether /proc/self/uid_map's text is anything but the initial namespace's
// identity map "0 0 4294967295".
bool is_nested_user_namespace(std::string_view uid_map);

// The --root default: "/run/berth" for root; "$XDG_RUNTIME_DIR/berth" for
// anyone else (runc: $XDG_RUNTIME_DIR/runc), an error saying to pass --root
// when that is unset or not absolute.
Result<std::string> default_state_root(uid_t euid, const char* xdg_runtime_dir);

// Whether `r` asks any cgroup controller for something (a cgroup file would
// be written), device rules aside.
bool sets_cgroup_limits(const spec::Resources& r);

// A cgroup the caller may not create (EACCES, EPERM, EROFS): what a
// rootless container without delegation meets.
bool is_permission_error(const Error& e);

}  // namespace berth::runtime
