// Resource statistics of a container's cgroup, and pure parsers of the
// kernel's cgroup stat files (no I/O: unit-tested on strings).
//
// The fields are those of runc's libcontainer cgroups.Stats that `runc
// events` prints (types/events.go), in the same units: CPU times in
// nanoseconds, memory in bytes.  Which file fills which field follows runc's
// cgroupfs drivers (libcontainer/cgroups/fs for v1, fs2 for cgroup2); the
// reading side is in stats_fs.cpp.  A value the host lacks stays zero, as
// in runc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/runtime/base/result.hpp"

namespace berth::cgroups {

// "max" in a limit file (runc reads it as math.MaxUint64).
inline constexpr uint64_t kUnlimited = UINT64_MAX;

struct CpuStats {
  uint64_t total = 0;                   // cpuacct.usage / cpu.stat usage_usec
  std::vector<uint64_t> percpu;         // cpuacct.usage_percpu (v1 only)
  std::vector<uint64_t> percpu_kernel;  // cpuacct.usage_all (v1 only)
  std::vector<uint64_t> percpu_user;
  uint64_t kernel = 0;
  uint64_t user = 0;
  uint64_t periods = 0;  // cpu.stat nr_periods
  uint64_t throttled_periods = 0;
  uint64_t throttled_time = 0;
  bool operator==(const CpuStats&) const = default;
};

// v1 cpuset files (runc fills nothing here on cgroup2).
struct CpusetStats {
  std::vector<uint16_t> cpus;
  uint64_t cpu_exclusive = 0;
  std::vector<uint16_t> mems;
  uint64_t mem_hardwall = 0;
  uint64_t mem_exclusive = 0;
  uint64_t memory_migrate = 0;
  uint64_t memory_spread_page = 0;
  uint64_t memory_spread_slab = 0;
  uint64_t memory_pressure = 0;
  uint64_t sched_load_balance = 0;
  int64_t sched_relax_domain_level = 0;
  bool operator==(const CpusetStats&) const = default;
};

// One memory counter group: memory.{usage_in_bytes,max_usage_in_bytes,
// failcnt,limit_in_bytes} and the memsw/kmem/kmem.tcp variants on v1;
// memory.{current,max,peak} and memory.swap.* on cgroup2.
struct MemoryEntry {
  uint64_t limit = 0;
  uint64_t usage = 0;
  uint64_t max = 0;
  uint64_t failcnt = 0;
  bool operator==(const MemoryEntry&) const = default;
};

struct MemoryStats {
  uint64_t cache = 0;  // memory.stat "cache" (v1) or "file" (cgroup2)
  MemoryEntry usage;
  MemoryEntry swap;  // memory+swap, on cgroup2 too (runc's v1-compatible sum)
  MemoryEntry kernel;
  MemoryEntry kernel_tcp;
  std::map<std::string, uint64_t> raw;  // memory.stat as is
  bool operator==(const MemoryStats&) const = default;
};

struct PidsStats {
  uint64_t current = 0;
  uint64_t limit = 0;  // 0: no limit ("max")
  bool operator==(const PidsStats&) const = default;
};

// One line of a blkio file: "8:0 Read 4096".  `op` is empty in files
// without one (blkio.time_recursive).
struct BlkioEntry {
  uint64_t major = 0;
  uint64_t minor = 0;
  std::string op;
  uint64_t value = 0;
  bool operator==(const BlkioEntry&) const = default;
};

struct BlkioStats {
  std::vector<BlkioEntry> io_service_bytes_recursive;
  std::vector<BlkioEntry> io_serviced_recursive;
  std::vector<BlkioEntry> io_queued_recursive;
  std::vector<BlkioEntry> io_service_time_recursive;
  std::vector<BlkioEntry> io_wait_time_recursive;
  std::vector<BlkioEntry> io_merged_recursive;
  std::vector<BlkioEntry> io_time_recursive;
  std::vector<BlkioEntry> sectors_recursive;
  bool operator==(const BlkioStats&) const = default;
};

struct HugetlbStats {
  uint64_t usage = 0;
  uint64_t max = 0;  // v1 only
  uint64_t failcnt = 0;
  bool operator==(const HugetlbStats&) const = default;
};

struct Stats {
  CpuStats cpu;
  CpusetStats cpuset;
  MemoryStats memory;
  PidsStats pids;
  BlkioStats blkio;
  std::map<std::string, HugetlbStats> hugetlb;  // page size ("2MB") -> stats
  bool operator==(const Stats&) const = default;
};

// ---- parsers: each takes a file's whole text; errors quote the bad line ----

// A single-value file ("123\n", "max\n").  "max" is kUnlimited; a negative
// number reads as 0 (runc's fscommon.ParseUint: memory.soft_limit can be -1).
Result<uint64_t> parse_stat_uint(std::string_view text);
Result<int64_t> parse_stat_int(std::string_view text);

// Flat keyed files, "KEY VALUE" per line (cpu.stat, memory.stat,
// memory.events, hugetlb.*.events).  Values as parse_stat_uint.
using KeyValues = std::map<std::string, uint64_t>;
Result<KeyValues> parse_key_values(std::string_view text);

// Whitespace-separated numbers (cpuacct.usage_percpu).
Result<std::vector<uint64_t>> parse_uint_list(std::string_view text);

// cpuacct.stat, "user TICKS\nsystem TICKS\n", in nanoseconds (USER_HZ is
// 100 on every Linux architecture, as runc assumes).
struct CpuModes {
  uint64_t user = 0;
  uint64_t kernel = 0;
};
Result<CpuModes> parse_cpuacct_stat(std::string_view text);

// cpuacct.usage_all: a "cpu user system" header, then "CPU USER SYSTEM"
// lines in nanoseconds.  Lines with another column count are skipped.
struct PercpuModes {
  std::vector<uint64_t> user;
  std::vector<uint64_t> kernel;
};
Result<PercpuModes> parse_cpuacct_usage_all(std::string_view text);

// cpu.stat of either version into `out`: v1 has the throttling counters;
// cgroup2 also the usage, in microseconds.
void apply_cpu_stat_v1(const KeyValues& kv, CpuStats& out);
void apply_cpu_stat_v2(const KeyValues& kv, CpuStats& out);

// A v1 blkio file: "MAJ:MIN OP VALUE" or "MAJ:MIN VALUE" lines; the
// "Total N" line is skipped.
Result<std::vector<BlkioEntry>> parse_blkio(std::string_view text);

// cgroup2 io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"),
// mapped like runc onto the v1 tables: rbytes/wbytes -> service bytes,
// rios/wios -> serviced, as "Read"/"Write"; other keys are skipped.
Result<BlkioStats> parse_io_stat(std::string_view text);

// A cpuset list, "0-3,7" -> {0,1,2,3,7}.  Empty text is an error.
Result<std::vector<uint16_t>> parse_cpu_list(std::string_view text);

// The hugepage sizes that have a file "hugetlb.SIZE<suffix>" among `files`
// (a cgroup directory's entries), sorted: {"hugetlb.2MB.current",
// "hugetlb.2MB.rsvd.current"} with ".current" -> {"2MB"}.
std::vector<std::string> hugetlb_sizes(const std::vector<std::string>& files,
                                       std::string_view suffix);

// cgroup2 reports swap alone; runc adds memory to it so that "swap" means
// memory+swap as on v1 (a "max" limit stays max; no peak of the sum).
MemoryEntry v1_compatible_swap(const MemoryEntry& memory, const MemoryEntry& swap_only);

}  // namespace berth::cgroups
