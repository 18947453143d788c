// Which cgroup hierarchies the host mounts: pure v2, pure v1, or hybrid (v1
// controllers plus a cgroup2 mount, usually /sys/fs/cgroup/unified, holding
// few or no controllers).  crun 1.8 refuses hybrid hosts; berth supports all
// three, so the Manager factory (a later commit) starts here.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "src/runtime/base/result.hpp"

namespace berth::cgroups {

enum class LayoutKind { kNone, kV1, kV2, kHybrid };

struct V1Hierarchy {
  std::string mount_point;               // "/sys/fs/cgroup/memory"
  std::string root;                      // mountinfo field 4: the hierarchy path mounted there
  std::vector<std::string> controllers;  // "cpu", "cpuacct", or "name=systemd"
};

struct Layout {
  LayoutKind kind = LayoutKind::kNone;
  std::string unified_mount;  // cgroup2 mount point, empty when none
  std::vector<V1Hierarchy> v1;

  // The v1 hierarchy holding `controller`, or nullptr.
  const V1Hierarchy* find_v1(std::string_view controller) const;
};

// From the text of /proc/self/mountinfo.  The first mount of each hierarchy
// wins (bind mounts of a hierarchy elsewhere are ignored).
Layout parse_layout(std::string_view mountinfo);

// Reads /proc/self/mountinfo.
Result<Layout> detect_layout();

std::string_view layout_name(LayoutKind k);

// Whether a uname(2) release such as "6.1.0-56-amd64" is at least
// major.minor (an unparsable one is not).
bool kernel_release_at_least(std::string_view release, int major, int minor);
// clone3(CLONE_INTO_CGROUP) exists (Linux 5.7).
bool kernel_has_clone_into_cgroup();

// /proc/<pid>/cgroup: controller -> cgroup path.  v1 lines give one entry
// per controller ("memory", "name=systemd"); the v2 line "0::/x" gives "".
std::map<std::string, std::string> parse_proc_cgroup(std::string_view text);

// The directory of `path` in the hierarchy holding `controller` ("" = v2).
std::string hierarchy_dir(const Layout& l, std::string_view controller, std::string_view path);

}  // namespace berth::cgroups
