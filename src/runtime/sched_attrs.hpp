// Scheduling and execution-domain attributes of the container process
// (config.md process.scheduler, ioPriority, execCPUAffinity; config-linux.md
// personality, memoryPolicy), applied by the init and by exec.
#pragma once

#include <optional>
#include <string>

#include "spec/linux.hpp"
#include "spec/process.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::runtime {

// sched_setattr(2) with policy, nice, priority, flags and the deadline triple.
Result<void> apply_scheduler(const std::optional<spec::Scheduler>& s);
// ioprio_set(IOPRIO_WHO_PROCESS, self, class << 13 | priority).
Result<void> apply_io_priority(const std::optional<spec::IoPriority>& p);
// sched_setaffinity from a cpu list ("0-3,7"); empty leaves it alone.
Result<void> apply_cpu_affinity(const std::string& list, const char* which);
// personality(2): PER_LINUX or PER_LINUX32.
Result<void> apply_personality(const std::optional<spec::Personality>& p);
// set_mempolicy(2) with the mode, flags and node list.
Result<void> apply_memory_policy(const std::optional<spec::MemoryPolicy>& m);

}  // namespace berth::runtime
