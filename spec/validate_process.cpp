// Validation rules about ociVersion, process and root
// (see validate.cpp for the table that orders them).
#include "spec/validate_rules.hpp"

namespace berth::spec::rules {

// --- ociVersion ---------------------------------------------------------------

static bool numeric_identifier(std::string_view s) {
  return all_digits(s) && (s.size() == 1 || s[0] != '0');
}
static bool alnum_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '-';
  });
}

// SemVer 2.0.0 (semver.org): MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], numeric
// identifiers without leading zeros, other identifiers [0-9A-Za-z-]+.
static bool is_semver(std::string_view v) {
  if (size_t plus = v.find('+'); plus != std::string_view::npos) {
    for (auto id : split(v.substr(plus + 1), '.'))
      if (!alnum_identifier(id)) return false;
    v = v.substr(0, plus);
  }
  if (size_t dash = v.find('-'); dash != std::string_view::npos) {
    for (auto id : split(v.substr(dash + 1), '.'))
      if (!alnum_identifier(id) || (all_digits(id) && !numeric_identifier(id))) return false;
    v = v.substr(0, dash);
  }
  auto core = split(v, '.');
  return core.size() == 3 && std::all_of(core.begin(), core.end(), numeric_identifier);
}

void check_oci_version(const Config& c, ValidateFor, Out& out) {
  if (!is_semver(c.oci_version))
    report(out, "ociVersion", "invalid version " + quote(c.oci_version));
  else if (split(c.oci_version, '.')[0] != "1")
    report(out, "ociVersion",
           "unsupported version " + quote(c.oci_version) + " (berth implements 1.x)");
}

// --- process and root ---------------------------------------------------------

// config.md: process is REQUIRED for start, root is REQUIRED on Linux.  Only a
// bundle about to be created must have them; `spec` output and tests may not.
void check_create_required(const Config& c, ValidateFor mode, Out& out) {
  if (mode != ValidateFor::kCreate) return;
  if (!c.process) report(out, "process", "required");
  if (!c.root) report(out, "root", "required");
}

void check_root(const Config& c, ValidateFor, Out& out) {
  if (c.root && c.root->path.empty()) report(out, "root.path", "must not be empty");
}

void check_process_args(const Config& c, ValidateFor, Out& out) {
  if (!c.process) return;
  const auto& args = c.process->args;
  if (args.empty())
    report(out, "process.args", "must contain at least one entry");
  else if (args[0].empty())
    report(out, "process.args[0]", "must not be empty");
}

void check_process_cwd(const Config& c, ValidateFor, Out& out) {
  if (c.process && !is_absolute(c.process->cwd))
    report(out, "process.cwd", not_absolute(c.process->cwd));
}

// environ(7) entries are NAME=value; a NUL would silently truncate the entry
// at execve.
void check_process_env(const Config& c, ValidateFor, Out& out) {
  if (!c.process) return;
  const auto& env = c.process->env;
  for (size_t i = 0; i < env.size(); ++i) {
    size_t eq = env[i].find('=');
    if (eq == std::string::npos)
      report(out, at("process.env", i), "missing '=' in " + quote(env[i]));
    else if (eq == 0)
      report(out, at("process.env", i), "empty variable name in " + quote(env[i]));
    else if (has_nul(env[i]))
      report(out, at("process.env", i), "contains a NUL byte: " + quote(env[i]));
  }
}

// config.md: duplicated rlimit types MUST be an error.  setrlimit(2) refuses
// soft > hard with EINVAL.
void check_rlimits(const Config& c, ValidateFor, Out& out) {
  if (!c.process) return;
  const auto& rl = c.process->rlimits;
  std::map<std::string_view, size_t> seen;
  for (size_t i = 0; i < rl.size(); ++i) {
    if (auto [it, fresh] = seen.emplace(rl[i].type, i); !fresh)
      report(out, at("process.rlimits", i) + ".type",
             "duplicate rlimit " + quote(rl[i].type) + " (also " +
                 at("process.rlimits", it->second) + ")");
    if (rl[i].soft > rl[i].hard)
      report(out, at("process.rlimits", i),
             "soft limit " + std::to_string(rl[i].soft) + " exceeds hard limit " +
                 std::to_string(rl[i].hard));
  }
}

void check_oom_score_adj(const Config& c, ValidateFor, Out& out) {
  if (!c.process || !c.process->oom_score_adj) return;
  int32_t v = *c.process->oom_score_adj;
  if (v < -1000 || v > 1000) report(out, "process.oomScoreAdj", out_of_range(v, "-1000", "1000"));
}

// In SchedPolicy order.
constexpr std::string_view kPolicyNames[] = {"SCHED_OTHER",   "SCHED_FIFO", "SCHED_RR",
                                             "SCHED_BATCH",   "SCHED_ISO",  "SCHED_IDLE",
                                             "SCHED_DEADLINE"};

// sched_setattr(2) and the kernel's __checkparam_dl(): nice applies to OTHER
// and BATCH, a static priority 1..99 to FIFO and RR (0 for the others), and
// DEADLINE needs 1024ns <= runtime <= deadline <= period (period 0 means
// "same as deadline"), each below 2^63.
void check_scheduler(const Config& c, ValidateFor, Out& out) {
  if (!c.process || !c.process->scheduler) return;
  const Scheduler& s = *c.process->scheduler;
  const std::string base = "process.scheduler";
  const std::string policy(kPolicyNames[static_cast<size_t>(s.policy)]);
  bool rt = s.policy == SchedPolicy::kFifo || s.policy == SchedPolicy::kRr;
  bool dl = s.policy == SchedPolicy::kDeadline;
  if ((s.policy == SchedPolicy::kOther || s.policy == SchedPolicy::kBatch) &&
      (s.nice < -20 || s.nice > 19))
    report(out, base + ".nice", out_of_range(s.nice, "-20", "19"));
  if (rt && (s.priority < 1 || s.priority > 99))
    report(out, base + ".priority", out_of_range(s.priority, "1", "99") + " for " + policy);
  if (!rt && s.priority != 0)
    report(out, base + ".priority", "only SCHED_FIFO and SCHED_RR take a priority, not " + policy);
  if (!dl) {
    if (s.runtime != 0 || s.deadline != 0 || s.period != 0)
      report(out, base, "runtime, deadline and period are only for SCHED_DEADLINE, not " + policy);
    return;
  }
  constexpr uint64_t kMinRuntime = 1024;  // 1 << DL_SCALE
  constexpr uint64_t kMax = uint64_t{1} << 63;
  if (s.deadline == 0)
    report(out, base + ".deadline", "required for SCHED_DEADLINE");
  else if (s.deadline >= kMax || s.period >= kMax)
    report(out, base, "deadline and period must be below 2^63 ns");
  else if (s.runtime < kMinRuntime)
    report(out, base + ".runtime",
           "value " + std::to_string(s.runtime) + " below the kernel's minimum of 1024 ns");
  else if (s.runtime > s.deadline)
    report(
        out, base + ".runtime",
        "value " + std::to_string(s.runtime) + " exceeds deadline " + std::to_string(s.deadline));
  else if (s.period != 0 && s.deadline > s.period)
    report(out, base + ".deadline",
           "value " + std::to_string(s.deadline) + " exceeds period " + std::to_string(s.period));
}

void check_io_priority(const Config& c, ValidateFor, Out& out) {
  if (!c.process || !c.process->io_priority) return;
  int32_t p = c.process->io_priority->priority;
  if (p < 0 || p > 7) report(out, "process.ioPriority.priority", out_of_range(p, "0", "7"));
}


void check_exec_cpu_affinity(const Config& c, ValidateFor, Out& out) {
  if (!c.process || !c.process->exec_cpu_affinity) return;
  const CpuAffinity& a = *c.process->exec_cpu_affinity;
  if (!valid_id_list(a.initial))
    report(out, "process.execCPUAffinity.initial", "invalid cpu list " + quote(a.initial));
  if (!valid_id_list(a.final))
    report(out, "process.execCPUAffinity.final", "invalid cpu list " + quote(a.final));
}

static bool id_mapped(const std::vector<IdMapping>& maps, uint32_t id) {
  return std::any_of(maps.begin(), maps.end(), [&](const IdMapping& m) {
    return id >= m.container_id && uint64_t{id} < uint64_t{m.container_id} + m.size;
  });
}

// With a user namespace, setuid/setgid/setgroups to an unmapped id fail with
// EINVAL in the child, long after create started; say so up front.
void check_user_mapped(const Config& c, ValidateFor, Out& out) {
  if (!c.process || !c.linux || !find_ns(c, NamespaceType::kUser)) return;
  const User& u = c.process->user;
  const Linux& l = *c.linux;
  if (!l.uid_mappings.empty() && !id_mapped(l.uid_mappings, u.uid))
    report(out, "process.user.uid", std::to_string(u.uid) + " is not mapped by linux.uidMappings");
  if (l.gid_mappings.empty()) return;
  if (!id_mapped(l.gid_mappings, u.gid))
    report(out, "process.user.gid", std::to_string(u.gid) + " is not mapped by linux.gidMappings");
  for (size_t i = 0; i < u.additional_gids.size(); ++i)
    if (!id_mapped(l.gid_mappings, u.additional_gids[i]))
      report(out, at("process.user.additionalGids", i),
             std::to_string(u.additional_gids[i]) + " is not mapped by linux.gidMappings");
}


}  // namespace berth::spec::rules
