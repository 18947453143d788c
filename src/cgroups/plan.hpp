// Pure translation of linux.resources into cgroup file writes.
//
// plan_v2() targets the unified hierarchy (cgroup2), plan_v1() the legacy
// per-controller hierarchies.  Neither touches the file system: what a plan
// needs to know about the host (is BFQ the io scheduler, does the kernel have
// hugetlb reservation files, is there a cgroup2 mount beside v1) comes in as
// HostFacts, which the manager reads first.  A fs writer (fs_common.hpp)
// executes the list in order.
//
// Unset values ("absent" in the spec, and 0 where runc treats 0 as unset:
// memory limit/reservation/swap/kernel, cpu shares/quota/period) produce no
// write, so `update` leaves the cgroup's current value alone.
//
// Devices are planned for v1 only: on cgroup2 the device controller is an
// eBPF program (device_bpf.hpp), not a file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spec/resources.hpp"
#include "src/runtime/base/result.hpp"

namespace berth::cgroups {

struct Write {
  std::string controller;  // routes the write on v1/hybrid hosts: "memory", "cpu", ...
  std::string file;        // "memory.max"
  std::string value;       // "max"
  // A missing or unsupported file (feature compiled out, or dropped by a
  // newer kernel) is skipped instead of failing the plan.
  bool best_effort = false;
  // EINVAL is retried once after the rest of the plan: pairs the kernel
  // cross-checks against the *current* value of the other (cfs period/quota,
  // memory limit/memsw) can only be ordered by trying.
  bool retry_on_einval = false;
  // plan_v1 only: a linux.resources.unified entry, for the cgroup2 mount of
  // a hybrid host.  plan_v2 leaves it false.
  bool unified = false;

  bool operator==(const Write&) const = default;
};

struct HostFacts {
  bool bfq = false;            // io.bfq.weight (v2) / blkio.bfq.weight (v1) exists
  bool hugetlb_rsvd = false;   // hugetlb.<size>.rsvd.* exists (kernel 5.7)
  bool unified_mount = false;  // plan_v1: a cgroup2 mount exists (hybrid host)
  // plan_v2: cpu.max as it is now ("max 100000"), read when a plan sets only
  // one of cpu.quota and cpu.period; empty when unknown.
  std::string cpu_max;
};

// The device rules a container always gets after its own (runc's
// AllowedDevices): mknod of any node (access still needs a rule), and the
// default devices of config-linux.md plus /dev/pts/*, /dev/ptmx and
// /dev/console, which every container needs to run at all.
std::vector<spec::DeviceCgroupRule> default_device_rules();

// `r` with its device rules made complete: "deny all" first (a container
// gets no device it was not given), then the config's rules in order, then
// default_device_rules().
spec::Resources with_default_devices(const spec::Resources& r);

Result<std::vector<Write>> plan_v2(const spec::Resources& r, const HostFacts& host = {});
Result<std::vector<Write>> plan_v1(const spec::Resources& r, const HostFacts& host = {});

// --- conversions, shared and unit-tested --------------------------------------

// cpu.shares [2, 262144] -> cpu.weight [1, 10000], 1024 -> 100.  0 = unset.
// The quadratic fit on log2(shares) of runc >= 1.3 / crun >= 1.15, which keeps
// the default at the default (the older linear map turned 1024 into 39).
uint64_t cpu_shares_to_weight(uint64_t shares);

// OCI memory.swap is memory+swap (v1 memsw); memory.swap.max is swap alone.
// -1 = "max", 0 = leave alone; errors name what is wrong.
Result<int64_t> memory_swap_to_v2(int64_t swap, int64_t limit);

// blkio.weight [10, 1000] -> io.weight [1, 10000], linearly.  0 = unset.
uint64_t blkio_weight_to_io_weight(uint64_t weight);

// --- pieces shared by plan_v1.cpp and plan_v2.cpp -----------------------------
namespace plan_detail {

Write write(std::string controller, std::string file, std::string value);
// "<major>:<minor>"
std::string device_number(int64_t major, int64_t minor);
// hugetlb.<size>.<suffix> and, when the kernel has them, .rsvd.<suffix>.
Result<void> plan_hugetlb(const std::vector<spec::HugepageLimit>& limits, const HostFacts& host,
                          std::string_view suffix, std::vector<Write>& out);
Result<void> plan_rdma(const std::map<std::string, spec::Rdma>& rdma, std::vector<Write>& out);
// Validates the keys, drops earlier writes to the same files (unified wins),
// appends the entries.
Result<void> plan_unified(const std::map<std::string, std::string>& unified, bool mark_unified,
                          std::vector<Write>& out);

}  // namespace plan_detail

}  // namespace berth::cgroups
