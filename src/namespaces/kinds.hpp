// The kernel side of namespace types: clone flags and /proc/<pid>/ns names.
#pragma once

#include <string>
#include <string_view>

#include "spec/linux.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::ns {

// CLONE_NEWPID, CLONE_NEWNET, ...
int clone_flag(spec::NamespaceType t);
// The file name under /proc/<pid>/ns: "pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time".
std::string_view proc_name(spec::NamespaceType t);

// The type of the namespace file `path` (ioctl NS_GET_NSTYPE, Linux 4.11),
// checked against what linux.namespaces says it is, before anything joins
// it: setns() would only say EINVAL.  Errors:
//   "/proc/1/ns/net" is a namespace of type "network", not "ipc"
Result<void> check_namespace_file(spec::NamespaceType want, const std::string& path);

}  // namespace berth::ns
