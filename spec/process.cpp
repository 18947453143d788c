#include "spec/process.hpp"

#include <linux/capability.h>
#include <linux/sched.h>
#include <sys/resource.h>

#include <array>
#include <charconv>

namespace berth::spec {

namespace {

template <class E>
using Name = Reader::Name<E>;

// Older uapi headers stop before the newest capabilities; the numbers are ABI
// and never change, so the table can name them regardless of the header.
#ifndef CAP_PERFMON
#define CAP_PERFMON 38  // Linux 5.8
#endif
#ifndef CAP_BPF
#define CAP_BPF 39  // Linux 5.8
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40  // Linux 5.9
#endif

// Indexed by capability number: capability_name() relies on kCapabilities[n]
// being CAP number n.
constexpr std::array<Name<int>, 41> kCapabilities = {{
    {"CAP_CHOWN", CAP_CHOWN},
    {"CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE},
    {"CAP_DAC_READ_SEARCH", CAP_DAC_READ_SEARCH},
    {"CAP_FOWNER", CAP_FOWNER},
    {"CAP_FSETID", CAP_FSETID},
    {"CAP_KILL", CAP_KILL},
    {"CAP_SETGID", CAP_SETGID},
    {"CAP_SETUID", CAP_SETUID},
    {"CAP_SETPCAP", CAP_SETPCAP},
    {"CAP_LINUX_IMMUTABLE", CAP_LINUX_IMMUTABLE},
    {"CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE},
    {"CAP_NET_BROADCAST", CAP_NET_BROADCAST},
    {"CAP_NET_ADMIN", CAP_NET_ADMIN},
    {"CAP_NET_RAW", CAP_NET_RAW},
    {"CAP_IPC_LOCK", CAP_IPC_LOCK},
    {"CAP_IPC_OWNER", CAP_IPC_OWNER},
    {"CAP_SYS_MODULE", CAP_SYS_MODULE},
    {"CAP_SYS_RAWIO", CAP_SYS_RAWIO},
    {"CAP_SYS_CHROOT", CAP_SYS_CHROOT},
    {"CAP_SYS_PTRACE", CAP_SYS_PTRACE},
    {"CAP_SYS_PACCT", CAP_SYS_PACCT},
    {"CAP_SYS_ADMIN", CAP_SYS_ADMIN},
    {"CAP_SYS_BOOT", CAP_SYS_BOOT},
    {"CAP_SYS_NICE", CAP_SYS_NICE},
    {"CAP_SYS_RESOURCE", CAP_SYS_RESOURCE},
    {"CAP_SYS_TIME", CAP_SYS_TIME},
    {"CAP_SYS_TTY_CONFIG", CAP_SYS_TTY_CONFIG},
    {"CAP_MKNOD", CAP_MKNOD},
    {"CAP_LEASE", CAP_LEASE},
    {"CAP_AUDIT_WRITE", CAP_AUDIT_WRITE},
    {"CAP_AUDIT_CONTROL", CAP_AUDIT_CONTROL},
    {"CAP_SETFCAP", CAP_SETFCAP},
    {"CAP_MAC_OVERRIDE", CAP_MAC_OVERRIDE},
    {"CAP_MAC_ADMIN", CAP_MAC_ADMIN},
    {"CAP_SYSLOG", CAP_SYSLOG},
    {"CAP_WAKE_ALARM", CAP_WAKE_ALARM},
    {"CAP_BLOCK_SUSPEND", CAP_BLOCK_SUSPEND},
    {"CAP_AUDIT_READ", CAP_AUDIT_READ},
    {"CAP_PERFMON", CAP_PERFMON},
    {"CAP_BPF", CAP_BPF},
    {"CAP_CHECKPOINT_RESTORE", CAP_CHECKPOINT_RESTORE},
}};

constexpr bool capabilities_in_kernel_order() {
  for (size_t i = 0; i < kCapabilities.size(); ++i)
    if (kCapabilities[i].value != static_cast<int>(i)) return false;
  return true;
}
static_assert(capabilities_in_kernel_order());

// In RLIMIT_* number order, the order of getrlimit(2) and prlimit(1).
constexpr Name<int> kRlimits[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};
static_assert(std::size(kRlimits) == RLIM_NLIMITS);

// SCHED_ISO is reserved in the uapi header and rejected by the kernel; the
// spec lists it, so it parses and sched_setattr() reports the failure.
constexpr Name<SchedPolicy> kSchedPolicies[] = {
    {"SCHED_OTHER", SchedPolicy::kOther},
    {"SCHED_FIFO", SchedPolicy::kFifo},
    {"SCHED_RR", SchedPolicy::kRr},
    {"SCHED_BATCH", SchedPolicy::kBatch},
    {"SCHED_ISO", SchedPolicy::kIso},
    {"SCHED_IDLE", SchedPolicy::kIdle},
    {"SCHED_DEADLINE", SchedPolicy::kDeadline},
};

constexpr Name<uint64_t> kSchedFlags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK},
    {"SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM},
    {"SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN},
    {"SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY},
    {"SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX},
};

constexpr Name<IoPrioClass> kIoPrioClasses[] = {
    {"IOPRIO_CLASS_RT", IoPrioClass::kRt},
    {"IOPRIO_CLASS_BE", IoPrioClass::kBe},
    {"IOPRIO_CLASS_IDLE", IoPrioClass::kIdle},
};

// Reader treats a null member as absent; a null array element has no such
// excuse and is reported instead of being skipped.
bool element_present(const Reader& e, std::string_view expected) {
  if (e.present()) return true;
  e.fail("expected " + std::string(expected) + ", got null");
  return false;
}

template <class E>
void require_enum(const Reader& r, std::span<const Name<E>> table, std::string_view what, E& out) {
  if (!r.present()) {
    r.fail("required");
    return;
  }
  r.get_enum<E>(out, table, what);
}

// An array of names, each mapped through `table`.
template <class E, class F>
void each_enum(const Reader& r, std::span<const Name<E>> table, std::string_view what, F&& add) {
  r.each([&](const Reader& e) {
    E v{};
    if (element_present(e, "string") && e.get_enum<E>(v, table, what)) add(v);
  });
}

void read_console_size(const Reader& r, ConsoleSize& out) {
  if (!r.expect_object()) return;
  r["height"].require(out.height);
  r["width"].require(out.width);
}

void read_user(const Reader& r, User& out) {
  if (!r.expect_object()) return;
  r["uid"].require(out.uid);
  r["gid"].require(out.gid);
  r["umask"].get(out.umask);
  r["additionalGids"].each([&](const Reader& e) {
    uint32_t gid = 0;
    if (element_present(e, "integer") && e.get(gid)) out.additional_gids.push_back(gid);
  });
  r["username"].get(out.username);
}

void read_capabilities(const Reader& r, Capabilities& out) {
  if (!r.expect_object()) return;
  auto set = [&](std::string_view key, std::optional<std::vector<int>>& caps) {
    Reader s = r[key];
    if (!s.expect_array()) return;
    auto& v = caps.emplace();
    each_enum<int>(s, kCapabilities, "capability", [&](int cap) { v.push_back(cap); });
  };
  set("bounding", out.bounding);
  set("effective", out.effective);
  set("inheritable", out.inheritable);
  set("permitted", out.permitted);
  set("ambient", out.ambient);
}

// soft <= hard is a cross-field rule of validate(), not a parse error.
void read_rlimit(const Reader& r, Rlimit& out) {
  if (!element_present(r, "object") || !r.expect_object()) return;
  Reader type = r["type"];
  if (type.require(out.type)) type.get_enum<int>(out.resource, kRlimits, "rlimit");
  r["hard"].require(out.hard);
  r["soft"].require(out.soft);
}

void read_scheduler(const Reader& r, Scheduler& out) {
  if (!r.expect_object()) return;
  require_enum<SchedPolicy>(r["policy"], kSchedPolicies, "scheduler policy", out.policy);
  r["nice"].get(out.nice);
  r["priority"].get(out.priority);
  each_enum<uint64_t>(r["flags"], kSchedFlags, "scheduler flag",
                      [&](uint64_t bit) { out.flags |= bit; });
  r["runtime"].get(out.runtime);
  r["deadline"].get(out.deadline);
  r["period"].get(out.period);
}

void read_io_priority(const Reader& r, IoPriority& out) {
  if (!r.expect_object()) return;
  require_enum<IoPrioClass>(r["class"], kIoPrioClasses, "io priority class", out.klass);
  r["priority"].get(out.priority);
}

bool parse_cpu_number(std::string_view s, uint32_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// The cpulist format of cpuset(7) without its stride extension, as runc and
// crun accept it: comma-separated CPUs or ascending ranges, "0-3,7".
bool valid_cpu_list(std::string_view list) {
  while (true) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    size_t dash = item.find('-');
    uint32_t lo = 0, hi = 0;
    if (!parse_cpu_number(item.substr(0, dash), lo)) return false;
    if (dash != std::string_view::npos && (!parse_cpu_number(item.substr(dash + 1), hi) || hi < lo))
      return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

void read_cpu_list(const Reader& r, std::string& out) {
  // An empty string means "not set", as for runc.
  if (r.get(out) && !out.empty() && !valid_cpu_list(out)) r.fail_value("invalid cpu list", out);
}

void read_exec_cpu_affinity(const Reader& r, CpuAffinity& out) {
  if (!r.expect_object()) return;
  read_cpu_list(r["initial"], out.initial);
  read_cpu_list(r["final"], out.final);
}

template <class T, class F>
void read_optional(const Reader& r, std::optional<T>& out, F&& read) {
  if (r.present()) read(r, out.emplace());
}

}  // namespace

void read_process(const Reader& r, Process& out) {
  if (!r.expect_object()) return;
  r["terminal"].get(out.terminal);
  read_optional(r["consoleSize"], out.console_size, read_console_size);
  if (auto u = r["user"]; u.present()) read_user(u, out.user);
  r["args"].get(out.args);
  r["commandLine"].get(out.command_line);
  r["env"].get(out.env);
  r["cwd"].get(out.cwd);
  read_optional(r["capabilities"], out.capabilities, read_capabilities);
  r["rlimits"].each([&](const Reader& e) { read_rlimit(e, out.rlimits.emplace_back()); });
  r["noNewPrivileges"].get(out.no_new_privileges);
  r["apparmorProfile"].get(out.apparmor_profile);
  // -1000..1000 is checked by validate(), with the other range rules.
  r["oomScoreAdj"].get(out.oom_score_adj);
  read_optional(r["scheduler"], out.scheduler, read_scheduler);
  r["selinuxLabel"].get(out.selinux_label);
  read_optional(r["ioPriority"], out.io_priority, read_io_priority);
  read_optional(r["execCPUAffinity"], out.exec_cpu_affinity, read_exec_cpu_affinity);
}

int capability_from_name(std::string_view name) {
  for (const auto& c : kCapabilities)
    if (c.name == name) return c.value;
  return -1;
}

std::string_view capability_name(int cap) {
  if (cap < 0 || static_cast<size_t>(cap) >= kCapabilities.size()) return {};
  return kCapabilities[static_cast<size_t>(cap)].name;
}

std::vector<std::string_view> capability_names() {
  std::vector<std::string_view> out;
  for (const auto& c : kCapabilities) out.push_back(c.name);
  return out;
}

int rlimit_from_name(std::string_view name) {
  for (const auto& l : kRlimits)
    if (l.name == name) return l.value;
  return -1;
}

std::vector<std::string_view> rlimit_names() {
  std::vector<std::string_view> out;
  for (const auto& l : kRlimits) out.push_back(l.name);
  return out;
}

}  // namespace berth::spec
