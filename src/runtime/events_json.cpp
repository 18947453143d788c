// The pure half of `events`: Go durations and runc's JSON shape.
#include <cstdint>
#include <limits>

#include "src/runtime/base/error.hpp"
#include "src/runtime/events.hpp"

namespace berth::runtime {

namespace {

using ojson = nlohmann::ordered_json;

constexpr uint64_t kMaxDuration = uint64_t{1} << 63;  // Go's bound, before the sign

uint64_t unit_nanos(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\u00b5s" || u == "\u03bcs") return 1000;
  if (u == "ms") return 1000000;
  if (u == "s") return 1000000000;
  if (u == "m") return 60ULL * 1000000000;
  if (u == "h") return 3600ULL * 1000000000;
  return 0;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Go's `omitempty` on a number: the key only when non-zero.
template <class T>
void put_nonzero(ojson& j, const char* key, T v) {
  if (v != 0) j[key] = v;
}

void put_list(ojson& j, const char* key, const std::vector<uint64_t>& v) {
  if (!v.empty()) j[key] = v;
}

ojson cpu_json(const cgroups::CpuStats& c) {
  ojson usage = ojson::object();
  put_nonzero(usage, "total", c.total);
  put_list(usage, "percpu", c.percpu);
  put_list(usage, "percpu_kernel", c.percpu_kernel);
  put_list(usage, "percpu_user", c.percpu_user);
  usage["kernel"] = c.kernel;
  usage["user"] = c.user;
  ojson throttling = ojson::object();
  put_nonzero(throttling, "periods", c.periods);
  put_nonzero(throttling, "throttledPeriods", c.throttled_periods);
  put_nonzero(throttling, "throttledTime", c.throttled_time);
  return {{"usage", usage}, {"throttling", throttling}};
}

ojson cpuset_json(const cgroups::CpusetStats& c) {
  ojson j = ojson::object();
  if (!c.cpus.empty()) j["cpus"] = c.cpus;
  j["cpu_exclusive"] = c.cpu_exclusive;
  if (!c.mems.empty()) j["mems"] = c.mems;
  j["mem_hardwall"] = c.mem_hardwall;
  j["mem_exclusive"] = c.mem_exclusive;
  j["memory_migrate"] = c.memory_migrate;
  j["memory_spread_page"] = c.memory_spread_page;
  j["memory_spread_slab"] = c.memory_spread_slab;
  j["memory_pressure"] = c.memory_pressure;
  j["sched_load_balance"] = c.sched_load_balance;
  j["sched_relax_domain_level"] = c.sched_relax_domain_level;
  return j;
}

ojson memory_entry_json(const cgroups::MemoryEntry& e) {
  ojson j = {{"limit", e.limit}};
  put_nonzero(j, "usage", e.usage);
  put_nonzero(j, "max", e.max);
  j["failcnt"] = e.failcnt;
  return j;
}

ojson memory_json(const cgroups::MemoryStats& m) {
  ojson j = ojson::object();
  put_nonzero(j, "cache", m.cache);
  j["usage"] = memory_entry_json(m.usage);
  j["swap"] = memory_entry_json(m.swap);
  j["kernel"] = memory_entry_json(m.kernel);
  j["kernelTCP"] = memory_entry_json(m.kernel_tcp);
  if (!m.raw.empty()) {
    ojson raw = ojson::object();
    for (const auto& [k, v] : m.raw) raw[k] = v;  // std::map: sorted, as Go sorts map keys
    j["raw"] = raw;
  }
  return j;
}

void put_blkio(ojson& j, const char* key, const std::vector<cgroups::BlkioEntry>& entries) {
  if (entries.empty()) return;
  ojson list = ojson::array();
  for (const auto& e : entries) {
    ojson o = ojson::object();
    put_nonzero(o, "major", e.major);
    put_nonzero(o, "minor", e.minor);
    if (!e.op.empty()) o["op"] = e.op;
    put_nonzero(o, "value", e.value);
    list.push_back(std::move(o));
  }
  j[key] = std::move(list);
}

ojson blkio_json(const cgroups::BlkioStats& b) {
  ojson j = ojson::object();
  put_blkio(j, "ioServiceBytesRecursive", b.io_service_bytes_recursive);
  put_blkio(j, "ioServicedRecursive", b.io_serviced_recursive);
  put_blkio(j, "ioQueueRecursive", b.io_queued_recursive);
  put_blkio(j, "ioServiceTimeRecursive", b.io_service_time_recursive);
  put_blkio(j, "ioWaitTimeRecursive", b.io_wait_time_recursive);
  put_blkio(j, "ioMergedRecursive", b.io_merged_recursive);
  put_blkio(j, "ioTimeRecursive", b.io_time_recursive);
  put_blkio(j, "sectorsRecursive", b.sectors_recursive);
  return j;
}

}  // namespace

Result<std::chrono::nanoseconds> parse_go_duration(std::string_view orig) {
  auto invalid = [&](const std::string& why) { return fail("invalid duration " + quote(orig) + why); };
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return invalid("");
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0]))) return invalid("");
    uint64_t whole = 0, frac = 0, scale = 1;
    size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (whole > (kMaxDuration - 9) / 10) return invalid(": overflow");
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    bool pre = i > 0, post = false;
    if (i < s.size() && s[i] == '.') {
      size_t j = ++i;
      for (; i < s.size() && is_digit(s[i]); ++i) {
        if (scale > std::numeric_limits<uint64_t>::max() / 100) continue;  // beyond precision
        frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
        scale *= 10;
      }
      post = i > j;
    }
    if (!pre && !post) return invalid("");
    size_t u = i;
    while (u < s.size() && s[u] != '.' && !is_digit(s[u])) ++u;
    if (u == i) return invalid(": missing unit");
    std::string_view unit = s.substr(i, u - i);
    uint64_t n = unit_nanos(unit);
    if (n == 0) return invalid(": unknown unit " + quote(unit));
    if (whole > kMaxDuration / n) return invalid(": overflow");
    uint64_t v = whole * n;
    if (frac > 0) v += static_cast<uint64_t>(static_cast<long double>(frac) * n / scale);
    total += v;
    if (v > kMaxDuration || total > kMaxDuration) return invalid(": overflow");
    s.remove_prefix(u);
  }
  if (!neg && total > kMaxDuration - 1) return invalid(": overflow");
  int64_t signed_total = neg ? -static_cast<int64_t>(total - 1) - 1 : static_cast<int64_t>(total);
  return std::chrono::nanoseconds(signed_total);
}

nlohmann::ordered_json stats_json(const cgroups::Stats& s) {
  ojson hugetlb = ojson::object();
  for (const auto& [size, h] : s.hugetlb) {
    ojson e = ojson::object();
    put_nonzero(e, "usage", h.usage);
    put_nonzero(e, "max", h.max);
    e["failcnt"] = h.failcnt;
    hugetlb[size] = std::move(e);
  }
  ojson pids = ojson::object();
  put_nonzero(pids, "current", s.pids.current);
  put_nonzero(pids, "limit", s.pids.limit);
  return {
      {"cpu", cpu_json(s.cpu)},          {"cpuset", cpuset_json(s.cpuset)},
      {"memory", memory_json(s.memory)}, {"pids", pids},
      {"blkio", blkio_json(s.blkio)},    {"hugetlb", hugetlb},
      {"intel_rdt", ojson::object()},    {"network_interfaces", nullptr},
  };
}

std::string event_line(std::string_view type, std::string_view id,
                       const nlohmann::ordered_json& data) {
  ojson j = {{"type", type}, {"id", id}};
  if (!data.is_null()) j["data"] = data;
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace berth::runtime
