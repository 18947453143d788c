// The kernel side of namespace types: clone flags and /proc/<pid>/ns names.
#pragma once

#include <string_view>

#include "spec/linux.hpp"

namespace berth::ns {

// CLONE_NEWPID, CLONE_NEWNET, ...
int clone_flag(spec::NamespaceType t);
// The file name under /proc/<pid>/ns: "pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time".
std::string_view proc_name(spec::NamespaceType t);

}  // namespace berth::ns
