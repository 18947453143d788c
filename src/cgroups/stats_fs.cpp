// Which file fills which field follows runc's cgroupfs drivers
// (libcontainer/cgroups/fs/*.go GetStats for v1, fs2/*.go stat* for
// cgroup2), with one difference: a missing file is never an error here,
// where runc fails on some (memory.kmem.* vanish on newer kernels).
#include "src/cgroups/stats_fs.hpp"

#include <dirent.h>

#include <cerrno>
#include <optional>

#include "src/cgroups/fs_common.hpp"
#include "src/runtime/base/error.hpp"

namespace berth::cgroups::fs {

namespace {

// The kernel-internal ENOTSUPP leaks out of some cgroup files (memory.kmem.*
// since 5.16); it has no libc name.
constexpr int kKernelEnotsupp = 524;

bool absent(int e) {
  return e == ENOENT || e == EOPNOTSUPP || e == kKernelEnotsupp;
}

// The file's text; nullopt when the file does not exist.
Result<std::optional<std::string>> read_opt(const std::string& dir, std::string_view file) {
  auto text = read_in(dir, file);
  if (text) return std::optional<std::string>(std::move(*text));
  if (absent(text.error().errnum())) return std::optional<std::string>();
  return fail(std::move(text).error());
}

// Parses dir/file into `out`; false (and `out` untouched) when it is missing.
template <class T, class Parse>
Result<bool> read_into(const std::string& dir, std::string_view file, Parse parse, T& out) {
  auto text = read_opt(dir, file);
  if (!text) return fail(std::move(text).error());
  if (!*text) return false;
  auto v = parse(**text);
  if (!v) return fail(std::move(v).error().context("read " + quote(file) + " in " + quote(dir)));
  out = std::move(*v);
  return true;
}

#define BERTH_READ(dir, file, parse, out) \
  if (auto r_ = read_into(dir, file, parse, out); !r_) return fail(std::move(r_).error())

// The names of the entries of a directory (empty when it cannot be read).
std::vector<std::string> file_names(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) out.emplace_back(e->d_name);
  ::closedir(d);
  return out;
}

// One MemoryEntry from up to four files; an empty name is not read.
struct MemoryFiles {
  std::string usage, max, failcnt, limit;
};

Result<void> memory_entry(const std::string& dir, const MemoryFiles& f, MemoryEntry& out) {
  const std::pair<const std::string*, uint64_t*> table[] = {{&f.usage, &out.usage},
                                                            {&f.max, &out.max},
                                                            {&f.failcnt, &out.failcnt},
                                                            {&f.limit, &out.limit}};
  for (auto [file, field] : table)
    if (!file->empty()) BERTH_READ(dir, *file, parse_stat_uint, *field);
  return {};
}

MemoryFiles v1_memory_files(const std::string& prefix) {
  return {prefix + "usage_in_bytes", prefix + "max_usage_in_bytes", prefix + "failcnt",
          prefix + "limit_in_bytes"};
}

// ---- v1 ---------------------------------------------------------------------

Result<void> v1_cpuacct(const std::string& dir, CpuStats& cpu) {
  BERTH_READ(dir, "cpuacct.usage", parse_stat_uint, cpu.total);
  CpuModes modes;
  BERTH_READ(dir, "cpuacct.stat", parse_cpuacct_stat, modes);
  cpu.user = modes.user;
  cpu.kernel = modes.kernel;
  BERTH_READ(dir, "cpuacct.usage_percpu", parse_uint_list, cpu.percpu);
  PercpuModes percpu;
  BERTH_READ(dir, "cpuacct.usage_all", parse_cpuacct_usage_all, percpu);
  cpu.percpu_user = std::move(percpu.user);
  cpu.percpu_kernel = std::move(percpu.kernel);
  return {};
}

Result<void> v1_cpuset(const std::string& dir, CpusetStats& c) {
  BERTH_READ(dir, "cpuset.cpus", parse_cpu_list, c.cpus);
  BERTH_READ(dir, "cpuset.mems", parse_cpu_list, c.mems);
  const std::pair<const char*, uint64_t*> flags[] = {
      {"cpuset.cpu_exclusive", &c.cpu_exclusive},
      {"cpuset.mem_hardwall", &c.mem_hardwall},
      {"cpuset.mem_exclusive", &c.mem_exclusive},
      {"cpuset.memory_migrate", &c.memory_migrate},
      {"cpuset.memory_spread_page", &c.memory_spread_page},
      {"cpuset.memory_spread_slab", &c.memory_spread_slab},
      {"cpuset.memory_pressure", &c.memory_pressure},
      {"cpuset.sched_load_balance", &c.sched_load_balance},
  };
  for (auto [file, field] : flags) BERTH_READ(dir, file, parse_stat_uint, *field);
  BERTH_READ(dir, "cpuset.sched_relax_domain_level", parse_stat_int, c.sched_relax_domain_level);
  return {};
}

Result<void> v1_memory(const std::string& dir, MemoryStats& m) {
  BERTH_READ(dir, "memory.stat", parse_key_values, m.raw);
  if (auto it = m.raw.find("cache"); it != m.raw.end()) m.cache = it->second;
  BERTH_TRY(memory_entry(dir, v1_memory_files("memory."), m.usage));
  BERTH_TRY(memory_entry(dir, v1_memory_files("memory.memsw."), m.swap));
  BERTH_TRY(memory_entry(dir, v1_memory_files("memory.kmem."), m.kernel));
  return memory_entry(dir, v1_memory_files("memory.kmem.tcp."), m.kernel_tcp);
}

Result<void> pids(const std::string& dir, PidsStats& p) {
  BERTH_READ(dir, "pids.current", parse_stat_uint, p.current);
  BERTH_READ(dir, "pids.max", parse_stat_uint, p.limit);
  if (p.limit == kUnlimited) p.limit = 0;  // runc's "no limit"
  return {};
}

// runc's order of preference: the bfq debug files, bfq, cfq, throttle
// recursive, throttle.  A group is used when its first file has entries;
// within it, files are read until one is missing or empty.
Result<void> v1_blkio(const std::string& dir, BlkioStats& b) {
  using Table = std::vector<BlkioEntry> BlkioStats::*;
  struct Source {
    const char* file;
    Table table;
  };
  const std::vector<std::vector<Source>> groups = {
      {{"blkio.bfq.sectors_recursive", &BlkioStats::sectors_recursive},
       {"blkio.bfq.io_service_time_recursive", &BlkioStats::io_service_time_recursive},
       {"blkio.bfq.io_wait_time_recursive", &BlkioStats::io_wait_time_recursive},
       {"blkio.bfq.io_merged_recursive", &BlkioStats::io_merged_recursive},
       {"blkio.bfq.io_queued_recursive", &BlkioStats::io_queued_recursive},
       {"blkio.bfq.time_recursive", &BlkioStats::io_time_recursive},
       {"blkio.bfq.io_serviced_recursive", &BlkioStats::io_serviced_recursive},
       {"blkio.bfq.io_service_bytes_recursive", &BlkioStats::io_service_bytes_recursive}},
      {{"blkio.bfq.io_serviced_recursive", &BlkioStats::io_serviced_recursive},
       {"blkio.bfq.io_service_bytes_recursive", &BlkioStats::io_service_bytes_recursive}},
      {{"blkio.sectors_recursive", &BlkioStats::sectors_recursive},
       {"blkio.io_service_time_recursive", &BlkioStats::io_service_time_recursive},
       {"blkio.io_wait_time_recursive", &BlkioStats::io_wait_time_recursive},
       {"blkio.io_merged_recursive", &BlkioStats::io_merged_recursive},
       {"blkio.io_queued_recursive", &BlkioStats::io_queued_recursive},
       {"blkio.time_recursive", &BlkioStats::io_time_recursive},
       {"blkio.io_serviced_recursive", &BlkioStats::io_serviced_recursive},
       {"blkio.io_service_bytes_recursive", &BlkioStats::io_service_bytes_recursive}},
      {{"blkio.throttle.io_serviced_recursive", &BlkioStats::io_serviced_recursive},
       {"blkio.throttle.io_service_bytes_recursive", &BlkioStats::io_service_bytes_recursive}},
      {{"blkio.throttle.io_serviced", &BlkioStats::io_serviced_recursive},
       {"blkio.throttle.io_service_bytes", &BlkioStats::io_service_bytes_recursive}},
  };
  for (const auto& group : groups) {
    for (size_t i = 0; i < group.size(); ++i) {
      std::vector<BlkioEntry> entries;
      BERTH_READ(dir, group[i].file, parse_blkio, entries);
      if (entries.empty()) {
        if (i == 0) break;  // try the next group
        return {};
      }
      b.*group[i].table = std::move(entries);
    }
    if (!(b == BlkioStats{})) return {};
  }
  return {};
}

Result<void> v1_hugetlb(const std::string& dir, std::map<std::string, HugetlbStats>& out) {
  for (const auto& size : hugetlb_sizes(file_names(dir), ".usage_in_bytes")) {
    HugetlbStats h;
    const std::string p = "hugetlb." + size;
    BERTH_READ(dir, p + ".usage_in_bytes", parse_stat_uint, h.usage);
    BERTH_READ(dir, p + ".max_usage_in_bytes", parse_stat_uint, h.max);
    BERTH_READ(dir, p + ".failcnt", parse_stat_uint, h.failcnt);
    out[size] = h;
  }
  return {};
}

// ---- cgroup2 ----------------------------------------------------------------

Result<void> v2_memory(const std::string& dir, MemoryStats& m) {
  auto has = read_into(dir, "memory.stat", parse_key_values, m.raw);
  if (!has) return fail(std::move(has).error());
  if (!*has) return {};  // the memory controller is not enabled here
  if (auto it = m.raw.find("file"); it != m.raw.end()) m.cache = it->second;
  // memory.peak: kernel 5.19.
  BERTH_TRY(memory_entry(dir, {"memory.current", "memory.peak", "", "memory.max"}, m.usage));
  MemoryEntry swap_only;
  BERTH_TRY(memory_entry(dir, {"memory.swap.current", "", "", "memory.swap.max"}, swap_only));
  m.swap = v1_compatible_swap(m.usage, swap_only);
  return {};
}

Result<void> v2_pids(const std::string& dir, PidsStats& p) {
  if (exists_in(dir, "pids.current")) return pids(dir, p);
  // Without the pids controller, count the processes (runc does the same).
  auto procs = read_opt(dir, "cgroup.procs");
  if (!procs) return fail(std::move(procs).error());
  if (*procs) {
    p.current = 0;
    for (char c : **procs) p.current += c == '\n' ? 1 : 0;
  }
  p.limit = 0;
  return {};
}

Result<void> v2_hugetlb(const std::string& dir, std::map<std::string, HugetlbStats>& out) {
  for (const auto& size : hugetlb_sizes(file_names(dir), ".current")) {
    HugetlbStats h;
    const std::string p = "hugetlb." + size;
    BERTH_READ(dir, p + ".current", parse_stat_uint, h.usage);
    KeyValues events;
    BERTH_READ(dir, p + ".events", parse_key_values, events);
    if (auto it = events.find("max"); it != events.end()) h.failcnt = it->second;
    out[size] = h;
  }
  return {};
}

}  // namespace

Result<void> stat_v1(std::string_view controller, const std::string& dir, Stats& out) {
  if (controller == "cpu") {
    KeyValues kv;
    BERTH_READ(dir, "cpu.stat", parse_key_values, kv);
    apply_cpu_stat_v1(kv, out.cpu);
    return {};
  }
  if (controller == "cpuacct") return v1_cpuacct(dir, out.cpu);
  if (controller == "cpuset") return v1_cpuset(dir, out.cpuset);
  if (controller == "memory") return v1_memory(dir, out.memory);
  if (controller == "pids") return pids(dir, out.pids);
  if (controller == "blkio") return v1_blkio(dir, out.blkio);
  if (controller == "hugetlb") return v1_hugetlb(dir, out.hugetlb);
  return {};
}

Result<void> stat_v2(std::string_view controller, const std::string& dir, Stats& out) {
  if (controller == "cpu") {
    // cpu.stat exists even without the cpu controller (usage only).
    KeyValues kv;
    BERTH_READ(dir, "cpu.stat", parse_key_values, kv);
    apply_cpu_stat_v2(kv, out.cpu);
    return {};
  }
  if (controller == "memory") return v2_memory(dir, out.memory);
  if (controller == "io") {
    BERTH_READ(dir, "io.stat", parse_io_stat, out.blkio);
    return {};
  }
  if (controller == "pids") return v2_pids(dir, out.pids);
  if (controller == "hugetlb") return v2_hugetlb(dir, out.hugetlb);
  return {};
}

}  // namespace berth::cgroups::fs
