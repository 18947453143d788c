// Reading a cgroup directory's stat files into Stats, one controller at a
// time, for the managers' stats() (fs_v1.cpp, fs_v2.cpp).  Internal to
// src/cgroups/.
//
// A file that does not exist leaves its fields at zero (an optional kernel
// feature, or a controller not enabled in this cgroup); any other read or
// parse error is returned, naming the file and the directory:
//   read "memory.stat" in "/sys/fs/cgroup/memory/c1": malformed line "x"
#pragma once

#include <string>
#include <string_view>

#include "src/cgroups/stats.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::cgroups::fs {

// A v1 hierarchy's controller: cpu, cpuacct, cpuset, memory, pids, blkio,
// hugetlb.  Other controllers have no statistics (success, nothing read).
Result<void> stat_v1(std::string_view controller, const std::string& dir, Stats& out);

// A cgroup2 controller: cpu, memory, io, pids, hugetlb.  Others: nothing.
Result<void> stat_v2(std::string_view controller, const std::string& dir, Stats& out);

}  // namespace berth::cgroups::fs
