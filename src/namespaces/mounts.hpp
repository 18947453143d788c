// The container's mounts (config.md "mounts"), applied inside its mount
// namespace before pivot_root.  Every destination is resolved inside the
// rootfs (in_root.hpp); sources of bind mounts are host paths, relative ones
// taken from the bundle as the spec says.
#pragma once

#include <string>
#include <vector>

#include "spec/mount.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::ns {

// Where the host's cgroup hierarchies are, for "cgroup" mounts.  Filled by the
// runtime from the cgroup module (this module must not depend on it).
struct CgroupView {
  bool unified_only = false;  // pure cgroup v2 host
  bool new_cgroupns = false;  // the container has its own cgroup namespace
  // v1/hybrid: one bind per hierarchy, e.g. {"memory", "/sys/fs/cgroup/memory/<cg>"};
  // v2: one entry {"", "/sys/fs/cgroup/<cg>"}.
  struct Bind {
    std::string name;
    std::string host_path;
  };
  std::vector<Bind> binds;
};

struct MountContext {
  int rootfd = -1;          // O_PATH fd of the rootfs mount point
  std::string bundle;       // absolute, for relative bind sources
  bool in_user_ns = false;  // remounts must keep the source's locked flags
  CgroupView cgroups;
  bool host_network = false;  // no network namespace of its own: sysfs goes read-only
  std::string mount_label;    // linux.mountLabel: SELinux context of fresh (non-bind) mounts
};

// Mounts one entry of config.json "mounts".  Errors name the destination:
//   mount "proc" on "/proc": operation not permitted
// premade: a detached mount tree to move there instead of binding the
// source (an id-mapped mount made by the parent), or -1.
Result<void> mount_entry(const MountContext& ctx, const spec::Mount& m, int premade = -1);

}  // namespace berth::ns
