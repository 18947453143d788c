// File-system helpers shared by the cgroupfs managers (fs_v1.cpp, fs_v2.cpp).
// Internal to src/cgroups/.
//
// Every write error names file, value and cgroup directory:
//   write "memory.max"="1k" in "/sys/fs/cgroup/x": invalid argument
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "src/cgroups/manager.hpp"
#include "src/cgroups/plan.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::cgroups::fs {

// One write of a plan, routed to the directory it goes to.
struct Step {
  std::string dir;
  Write write;
};

// Writes `value` to dir/file (O_WRONLY|O_TRUNC, no O_CREAT: cgroup files
// exist or the feature is missing).
Result<void> write_in(const std::string& dir, std::string_view file, std::string_view value);
Result<std::string> read_in(const std::string& dir, std::string_view file);
bool exists_in(const std::string& dir, std::string_view file);

// Executes a plan in order.  best_effort writes that find no file (or an
// unsupported one) are skipped; retry_on_einval writes refused with EINVAL
// are retried once after all the others.
Result<void> execute(const std::vector<Step>& steps);

// mkdir -p of dir.path() below dir.mount (the mount itself must exist).
// Existing directories are joined, as runc does.  Returns the directories
// it made, outermost first.
Result<std::vector<std::string>> make_dirs(const CgroupDir& dir);

// cgroup2: enables the controllers each ancestor offers (all of them, or
// only those in `only` when it is not empty) in its cgroup.subtree_control,
// from the mount down to the parent of the leaf, skipping enabled ones.
void enable_controllers(const CgroupDir& dir, const std::vector<std::string>& only = {});

// rmdir of dir and every cgroup below it, deepest first.  EBUSY (a process
// still leaving) is retried a few times; a missing directory is success.
Result<void> remove_tree(const std::string& dir);

// The pids in cgroup.procs of dir and every cgroup below it.
Result<std::vector<pid_t>> procs_tree(const std::string& dir);

// kill(2) each pid; ESRCH (already gone) is not an error.
Result<void> signal_each(const std::vector<pid_t>& pids, int sig);

void sleep_ms(int ms);

// The whitespace-separated words of a list file (cgroup.controllers).
std::vector<std::string> words(std::string_view s);

nlohmann::json to_json(const CgroupDir& d);
// False when `j` is not an object with string "mount" and "path".
bool from_json(const nlohmann::json& j, CgroupDir& out);

}  // namespace berth::cgroups::fs
