// config.md "process": what runs in the container and with which identity.
// Also the document of `exec --process FILE`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/reader.hpp"

namespace berth::spec {

struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
};

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
  std::string username;  // Windows only; parsed, ignored on Linux
};

// The five capability sets, each a list of kernel capability numbers
// (CAP_CHOWN = 0 ...).  Names are checked against the kernel's table at parse
// time: an unknown name is an error (config.md: "Any value which cannot be
// mapped to a relevant kernel interface MUST cause an error").
struct Capabilities {
  std::optional<std::vector<int>> bounding, effective, inheritable, permitted, ambient;
};

struct Rlimit {
  int resource = 0;  // RLIMIT_* value
  std::string type;  // "RLIMIT_NOFILE", as written
  uint64_t hard = 0;
  uint64_t soft = 0;
};

enum class SchedPolicy { kOther, kFifo, kRr, kBatch, kIso, kIdle, kDeadline };
struct Scheduler {
  SchedPolicy policy = SchedPolicy::kOther;
  int32_t nice = 0;
  int32_t priority = 0;
  uint64_t flags = 0;  // SCHED_FLAG_* bits
  uint64_t runtime = 0, deadline = 0, period = 0;
};

enum class IoPrioClass { kRt = 1, kBe = 2, kIdle = 3 };
struct IoPriority {
  IoPrioClass klass = IoPrioClass::kBe;
  int32_t priority = 0;
};

struct CpuAffinity {
  std::string initial;  // cpu list, "0-3,7"
  std::string final;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::string command_line;  // Windows only
  std::vector<std::string> env;
  std::string cwd;
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::string apparmor_profile;
  std::optional<int32_t> oom_score_adj;
  std::optional<Scheduler> scheduler;
  std::string selinux_label;
  std::optional<IoPriority> io_priority;
  std::optional<CpuAffinity> exec_cpu_affinity;
};

void read_process(const Reader& r, Process& out);

// Name tables, shared with `features` and the CLI (--cap).
// Capability number for "CAP_CHOWN", or -1.
int capability_from_name(std::string_view name);
std::string_view capability_name(int cap);
// Every capability name berth knows, in kernel order.
std::vector<std::string_view> capability_names();
// RLIMIT_* for "RLIMIT_NOFILE", or -1.
int rlimit_from_name(std::string_view name);
std::vector<std::string_view> rlimit_names();

}  // namespace berth::spec
