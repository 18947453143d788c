// plan_v2: linux.resources -> cgroup2 file writes, plus the conversions and
// pieces plan_v1 shares.  Kernel versions are where each file appeared.
#include <cmath>
#include <set>

#include "src/cgroups/plan.hpp"

namespace berth::cgroups {

using plan_detail::write;

uint64_t cpu_shares_to_weight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  // Quadratic in log2(shares) through (2, 1), (1024, 100) and (262144, 10000):
  // the default stays the default on both sides, and the ends map to the ends.
  double l = std::log2(static_cast<double>(shares));
  double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return static_cast<uint64_t>(std::ceil(std::pow(10.0, exponent)));
}

Result<int64_t> memory_swap_to_v2(int64_t swap, int64_t limit) {
  // v1 compatibility: "memory unlimited, swap unset" means both unlimited.
  if (limit == -1 && swap == 0) return int64_t{-1};
  if (swap == -1 || swap == 0) return swap;
  if (limit == -1) return swap;  // unlimited memory: the swap bound stands alone
  if (limit == 0) return fail("unable to set swap limit without memory limit");
  if (limit < 0) return fail("invalid memory limit " + std::to_string(limit));
  if (swap < limit)
    return fail("memory+swap limit " + std::to_string(swap) + " must be >= memory limit " +
                std::to_string(limit));
  return swap - limit;
}

uint64_t blkio_weight_to_io_weight(uint64_t weight) {
  if (weight == 0) return 0;
  if (weight < 10) weight = 10;  // below blkio's range; keep the result >= 1
  return 1 + (weight - 10) * 9999 / 990;
}

namespace plan_detail {

Write write(std::string controller, std::string file, std::string value) {
  Write w;
  w.controller = std::move(controller);
  w.file = std::move(file);
  w.value = std::move(value);
  return w;
}

std::string device_number(int64_t major, int64_t minor) {
  return std::to_string(major) + ":" + std::to_string(minor);
}

Result<void> plan_hugetlb(const std::vector<spec::HugepageLimit>& limits, const HostFacts& host,
                          std::string_view suffix, std::vector<Write>& out) {
  for (size_t i = 0; i < limits.size(); ++i) {
    const auto& h = limits[i];
    // The spec's "<size><unit>B" is the kernel's own name ("2MB", "1GB"); the
    // reader validated it, but it becomes part of a file name, so check again.
    std::string_view s = h.page_size;
    size_t digits = s.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string_view::npos || s.size() - digits != 2 ||
        std::string_view("KMGTP").find(s[digits]) == std::string_view::npos || s.back() != 'B')
      return fail("linux.resources.hugepageLimits[" + std::to_string(i) +
                  "].pageSize: invalid hugepage size " + quote(s));
    std::string value = std::to_string(h.limit);
    std::string prefix = "hugetlb." + h.page_size + ".";
    out.push_back(write("hugetlb", prefix + std::string(suffix), value));
    // Reservation accounting (kernel 5.7) also bounds MAP_NORESERVE-less
    // reservations; runc sets both to the same value.
    if (host.hugetlb_rsvd)
      out.push_back(write("hugetlb", prefix + "rsvd." + std::string(suffix), value));
  }
  return {};
}

Result<void> plan_rdma(const std::map<std::string, spec::Rdma>& rdma, std::vector<Write>& out) {
  for (const auto& [device, limits] : rdma) {
    if (device.empty() || device.find_first_of(" \t\n") != std::string::npos)
      return fail("linux.resources.rdma: invalid device name " + quote(device));
    std::string line = device;
    if (limits.hca_handles) line += " hca_handle=" + std::to_string(*limits.hca_handles);
    if (limits.hca_objects) line += " hca_object=" + std::to_string(*limits.hca_objects);
    if (line.size() != device.size()) out.push_back(write("rdma", "rdma.max", line));
  }
  return {};
}

Result<void> plan_unified(const std::map<std::string, std::string>& unified, bool mark_unified,
                          std::vector<Write>& out) {
  std::set<std::string> files;
  for (const auto& [key, value] : unified) {
    size_t dot = key.find('.');
    if (key.find('/') != std::string::npos || dot == 0 || dot == std::string::npos ||
        dot + 1 == key.size())
      return fail("linux.resources.unified: key " + quote(key) +
                  " must be a file name of the form <controller>.<parameter>");
    files.insert(key);
  }
  // Unified entries override what the typed fields planned for the same
  // file of the same hierarchy (on a hybrid host v1 "pids.max" is another file).
  std::erase_if(
      out, [&](const Write& w) { return w.unified == mark_unified && files.count(w.file) != 0; });
  for (const auto& [key, value] : unified) {
    std::string controller = key.substr(0, key.find('.'));
    // Multi-line values (io.max for several devices) are written a line at a
    // time: the kernel parses one entry per write(2).
    size_t start = 0;
    bool any = false;
    while (start <= value.size()) {
      size_t end = value.find('\n', start);
      if (end == std::string::npos) end = value.size();
      std::string line = value.substr(start, end - start);
      if (!line.empty() || (!any && end == value.size())) {
        Write w = write(controller, key, line);
        w.unified = mark_unified;
        out.push_back(std::move(w));
        any = true;
      }
      start = end + 1;
    }
  }
  return {};
}

}  // namespace plan_detail

namespace {

std::string max_or(int64_t v) {
  return v == -1 ? std::string("max") : std::to_string(v);
}

Result<void> check_limit(std::optional<int64_t> v, std::string_view field) {
  if (v && *v < -1)
    return fail("linux.resources.memory." + std::string(field) + ": invalid value " +
                std::to_string(*v));
  return {};
}

// Kernel 4.5.  Swappiness, kernel memory and the OOM killer switch have no
// cgroup2 file and are ignored, as runc does.
Result<void> plan_memory(const spec::Memory& m, std::vector<Write>& out) {
  BERTH_TRY(check_limit(m.limit, "limit"));
  BERTH_TRY(check_limit(m.reservation, "reservation"));
  int64_t limit = m.limit.value_or(0), swap = m.swap.value_or(0), low = m.reservation.value_or(0);
  if (limit == 0 && swap == 0 && low == 0) return {};
  auto v = memory_swap_to_v2(swap, limit);
  if (!v) return fail(std::move(v).error().context("linux.resources.memory.swap"));
  std::string swap_max = *v == 0 ? std::string() : max_or(*v);
  if (*v == 0 && swap > 0) swap_max = "0";  // swap == limit: explicitly no swap
  if (!swap_max.empty()) {
    // Without swap accounting (CONFIG_MEMCG_SWAP off, swapaccount=0) the file
    // is absent; "max" and "0" then hold anyway.
    Write w = write("memory", "memory.swap.max", swap_max);
    w.best_effort = swap_max == "max" || swap_max == "0";
    out.push_back(std::move(w));
  }
  if (limit != 0) out.push_back(write("memory", "memory.max", max_or(limit)));
  if (low != 0) out.push_back(write("memory", "memory.low", max_or(low)));
  return {};
}

// Kernel 4.15; cpu.max.burst 5.14, cpu.idle 5.15.  Real-time knobs have no
// cgroup2 equivalent and are ignored, as runc does.
void plan_cpu(const spec::Cpu& c, const HostFacts& host, std::vector<Write>& out) {
  if (c.idle) out.push_back(write("cpu", "cpu.idle", std::to_string(*c.idle)));
  if (uint64_t weight = cpu_shares_to_weight(c.shares.value_or(0)); weight != 0)
    out.push_back(write("cpu", "cpu.weight", std::to_string(weight)));
  int64_t quota = c.quota.value_or(0);
  uint64_t period = c.period.value_or(0);
  bool set_max = quota != 0 || period != 0;
  if (c.burst) {
    // The kernel wants burst <= quota: before cpu.max when lowering burst,
    // after it when raising both; EINVAL defers it.
    Write w = write("cpu", "cpu.max.burst", std::to_string(*c.burst));
    w.retry_on_einval = set_max;
    out.push_back(std::move(w));
  }
  if (set_max) {
    // cpu.max holds both values, where v1 has a file for each.  When only
    // one is given (`update --cpu-period 50000`), the other keeps its
    // current value, as runc's update does by merging with the stored
    // config: otherwise a new period would silently lift the quota ("max")
    // and a new quota reset the period.  With nothing known (a fresh
    // cgroup reads "max 100000" anyway): "max" and 100000.
    std::string cur_quota = "max", cur_period = "100000";
    if (size_t sp = host.cpu_max.find(' '); sp != std::string::npos && sp > 0) {
      std::string q = host.cpu_max.substr(0, sp);
      if (q == "max" || q.find_first_not_of("0123456789") == std::string::npos) cur_quota = q;
      std::string rest = host.cpu_max.substr(sp + 1);
      rest = rest.substr(0, rest.find_first_not_of("0123456789"));
      if (!rest.empty()) cur_period = rest;
    }
    std::string v = quota > 0 ? std::to_string(quota) : quota < 0 ? std::string("max") : cur_quota;
    v += " " + (period != 0 ? std::to_string(period) : cur_period);
    out.push_back(write("cpu", "cpu.max", v));
  }
}

void plan_cpuset(const spec::Cpu& c, std::vector<Write>& out) {
  if (!c.cpus.empty()) out.push_back(write("cpuset", "cpuset.cpus", c.cpus));
  if (!c.mems.empty()) out.push_back(write("cpuset", "cpuset.mems", c.mems));
}

// Kernel 4.5; io.weight per-device entries need io.cost (5.4).  With BFQ as
// the scheduler io.bfq.weight takes blkio's own 1..1000 scale and io.weight
// would be ignored by it, so only one of the two files is written.
void plan_io(const spec::BlockIo& b, const HostFacts& host, std::vector<Write>& out) {
  using plan_detail::device_number;
  const std::string file = host.bfq ? "io.bfq.weight" : "io.weight";
  auto weight = [&](uint64_t w) {
    return std::to_string(host.bfq ? w : blkio_weight_to_io_weight(w));
  };
  if (b.weight && *b.weight != 0) out.push_back(write("io", file, weight(*b.weight)));
  for (const auto& d : b.weight_device)
    if (d.weight && *d.weight != 0)
      out.push_back(write("io", file, device_number(d.major, d.minor) + " " + weight(*d.weight)));
  auto throttle = [&](const std::vector<spec::ThrottleDevice>& v, const char* key) {
    for (const auto& t : v)
      out.push_back(
          write("io", "io.max",
                device_number(t.major, t.minor) + " " + key + "=" + std::to_string(t.rate)));
  };
  throttle(b.throttle_read_bps, "rbps");
  throttle(b.throttle_write_bps, "wbps");
  throttle(b.throttle_read_iops, "riops");
  throttle(b.throttle_write_iops, "wiops");
}

}  // namespace

Result<std::vector<Write>> plan_v2(const spec::Resources& r, const HostFacts& host) {
  std::vector<Write> out;
  // runc's order: pids, memory, io, cpu, cpuset, hugetlb, rdma, unified.
  if (r.pids && r.pids->limit)
    out.push_back(
        write("pids", "pids.max", *r.pids->limit > 0 ? std::to_string(*r.pids->limit) : "max"));
  if (r.memory) BERTH_TRY(plan_memory(*r.memory, out));
  if (r.block_io) plan_io(*r.block_io, host, out);
  if (r.cpu) {
    plan_cpu(*r.cpu, host, out);
    plan_cpuset(*r.cpu, out);
  }
  BERTH_TRY(plan_detail::plan_hugetlb(r.hugepage_limits, host, "max", out));
  BERTH_TRY(plan_detail::plan_rdma(r.rdma, out));
  BERTH_TRY(plan_detail::plan_unified(r.unified, false, out));
  return out;
}

}  // namespace berth::cgroups
