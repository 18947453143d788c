#include "src/runtime/sched_attrs.hpp"

#include <sched.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace berth::runtime {

namespace {

// struct sched_attr of sched_setattr(2) (glibc 2.36 has no wrapper).
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

int policy_number(spec::SchedPolicy p) {
  switch (p) {
    case spec::SchedPolicy::kOther: return SCHED_OTHER;
    case spec::SchedPolicy::kFifo: return SCHED_FIFO;
    case spec::SchedPolicy::kRr: return SCHED_RR;
    case spec::SchedPolicy::kBatch: return SCHED_BATCH;
    case spec::SchedPolicy::kIso: return 4;  // SCHED_ISO: reserved, the kernel refuses it
    case spec::SchedPolicy::kIdle: return SCHED_IDLE;
    case spec::SchedPolicy::kDeadline: return 6;  // SCHED_DEADLINE
  }
  return SCHED_OTHER;
}

// "0-3,7" -> the numbers; the syntax was validated at parse time.
std::vector<unsigned> parse_list(const std::string& list) {
  std::vector<unsigned> out;
  size_t i = 0;
  while (i < list.size()) {
    size_t j = list.find(',', i);
    if (j == std::string::npos) j = list.size();
    std::string item = list.substr(i, j - i);
    auto dash = item.find('-');
    unsigned lo = static_cast<unsigned>(std::strtoul(item.c_str(), nullptr, 10));
    unsigned hi = dash == std::string::npos ? lo : static_cast<unsigned>(std::strtoul(item.c_str() + dash + 1, nullptr, 10));
    for (unsigned k = lo; k <= hi && k < 65536; ++k) out.push_back(k);
    i = j + 1;
  }
  return out;
}

}  // namespace

Result<void> apply_scheduler(const std::optional<spec::Scheduler>& s) {
  if (!s) return {};
  SchedAttr a{};
  a.size = sizeof a;
  a.sched_policy = static_cast<uint32_t>(policy_number(s->policy));
  a.sched_flags = s->flags;
  a.sched_nice = s->nice;
  a.sched_priority = static_cast<uint32_t>(s->priority);
  a.sched_runtime = s->runtime;
  a.sched_deadline = s->deadline;
  a.sched_period = s->period;
  if (::syscall(SYS_sched_setattr, 0, &a, 0) != 0) return fail_errno("sched_setattr (process.scheduler)");
  return {};
}

Result<void> apply_io_priority(const std::optional<spec::IoPriority>& p) {
  if (!p) return {};
  constexpr int kWhoProcess = 1;  // IOPRIO_WHO_PROCESS
  int value = (static_cast<int>(p->klass) << 13) | p->priority;
  if (::syscall(SYS_ioprio_set, kWhoProcess, 0, value) != 0) return fail_errno("ioprio_set (process.ioPriority)");
  return {};
}

Result<void> apply_cpu_affinity(const std::string& list, const char* which) {
  if (list.empty()) return {};
  cpu_set_t set;
  CPU_ZERO(&set);
  for (unsigned c : parse_list(list))
    if (c < CPU_SETSIZE) CPU_SET(c, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    return fail_errno(std::string("sched_setaffinity (process.execCPUAffinity.") + which + " " + quote(list) + ")");
  return {};
}

Result<void> apply_personality(const std::optional<spec::Personality>& p) {
  if (!p) return {};
  unsigned long persona = p->domain == spec::PersonalityDomain::kLinux32 ? PER_LINUX32 : PER_LINUX;
  if (::personality(persona) < 0) return fail_errno("personality (linux.personality)");
  return {};
}

Result<void> apply_memory_policy(const std::optional<spec::MemoryPolicy>& m) {
  if (!m) return {};
  using M = spec::MemoryPolicyMode;
  // MPOL_* of <linux/mempolicy.h>; WEIGHTED_INTERLEAVE needs Linux 6.9.
  int mode = 0;
  switch (m->mode) {
    case M::kDefault: mode = 0; break;
    case M::kPreferred: mode = 1; break;
    case M::kBind: mode = 2; break;
    case M::kInterleave: mode = 3; break;
    case M::kLocal: mode = 4; break;
    case M::kPreferredMany: mode = 5; break;
    case M::kWeightedInterleave: mode = 6; break;
  }
  for (const auto& f : m->flags) {
    if (f == "MPOL_F_STATIC_NODES") mode |= 1 << 15;
    else if (f == "MPOL_F_RELATIVE_NODES") mode |= 1 << 14;
    else if (f == "MPOL_F_NUMA_BALANCING") mode |= 1 << 13;
  }
  std::vector<unsigned long> mask(16, 0);  // 1024 nodes
  constexpr unsigned kBits = 8 * sizeof(unsigned long);
  for (unsigned n : parse_list(m->nodes))
    if (n < mask.size() * kBits) mask[n / kBits] |= 1UL << (n % kBits);
  bool no_nodes = m->nodes.empty();
  if (::syscall(SYS_set_mempolicy, mode, no_nodes ? nullptr : mask.data(), no_nodes ? 0 : mask.size() * kBits + 1) != 0)
    return fail_errno("set_mempolicy (linux.memoryPolicy)");
  return {};
}

}  // namespace berth::runtime
