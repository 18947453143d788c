// The pure half of the systemd cgroup driver (see systemd.hpp): cgroupsPath
// parsing, unit names, and the translation of linux.resources into unit
// properties.  Property names and types are systemd's D-Bus API
// (org.freedesktop.systemd1(5)); which ones are set, and when, follows
// runc's opencontainers/cgroups/systemd (v1.go, v2.go, common.go).
#include "src/cgroups/systemd.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <optional>

#include "src/cgroups/plan.hpp"
#include "src/cgroups/text.hpp"

namespace berth::cgroups::systemd {

namespace {

constexpr uint64_t kInfinity = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kDefaultCfsPeriod = 100000;
// systemd versions that added the properties below.
constexpr int kQuotaPeriodVersion = 242;  // CPUQuotaPeriodUSec
constexpr int kAllowedCpusVersion = 244;  // AllowedCPUs, AllowedMemoryNodes
constexpr int kCpuIdleVersion = 252;      // CPUWeight=0 means cpu.idle=1

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t i = 0;
  for (;;) {
    size_t j = s.find(sep, i);
    out.push_back(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) return out;
    i = j + 1;
  }
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

dbus::Property prop(std::string name, dbus::PropertyValue v) {
  return {std::move(name), std::move(v)};
}

void add_cpu_quota(int64_t& quota, uint64_t period, int version, std::vector<dbus::Property>& out) {
  // Older systemd cannot take the period; the cgroupfs write still sets it.
  if (period != 0 && version >= kQuotaPeriodVersion)
    out.push_back(prop("CPUQuotaPeriodUSec", period));
  if (quota != 0 || period != 0)
    out.push_back(prop("CPUQuotaPerSecUSec", cpu_quota_per_sec(quota, period, quota)));
}

// `cpus_field`/`mems_field` name the inputs in errors.
Result<void> add_cpuset(std::string_view cpus, std::string_view mems, int version,
                        const std::string& cpus_field, const std::string& mems_field,
                        std::vector<dbus::Property>& out) {
  if (version < kAllowedCpusVersion) return {};  // the cgroupfs writes still set them
  if (!cpus.empty()) {
    auto mask = cpu_list_mask(cpus);
    if (!mask) return fail(std::move(mask).error().context(cpus_field));
    out.push_back(prop("AllowedCPUs", std::move(*mask)));
  }
  if (!mems.empty()) {
    auto mask = cpu_list_mask(mems);
    if (!mask) return fail(std::move(mask).error().context(mems_field));
    out.push_back(prop("AllowedMemoryNodes", std::move(*mask)));
  }
  return {};
}

// The memory.* / pids.max value "max" or a number.
Result<uint64_t> max_or_number(const std::string& key, std::string_view v) {
  uint64_t n = kInfinity;
  if (v != "max" && !parse_u64(v, n))
    return fail("linux.resources.unified: " + quote(key) + ": invalid value " + quote(v));
  return n;
}

// runc's unifiedResToSystemdProps: the cgroup2 files systemd has a property
// for.  Keys are validated by plan_v2 as well; everything else is left to
// the cgroupfs writes.
Result<void> unified_properties(const std::map<std::string, std::string>& unified, int version,
                                std::vector<dbus::Property>& out) {
  static const std::map<std::string, std::string> kMemory = {{"memory.high", "MemoryHigh"},
                                                             {"memory.low", "MemoryLow"},
                                                             {"memory.min", "MemoryMin"},
                                                             {"memory.max", "MemoryMax"},
                                                             {"memory.swap.max", "MemorySwapMax"}};
  bool idle = false;
  if (auto it = unified.find("cpu.idle"); it != unified.end())
    idle = trim(it->second) == "1" && version >= kCpuIdleVersion;
  for (const auto& [key, raw] : unified) {
    std::string_view v = trim(raw);
    auto bad = [&] {
      return fail("linux.resources.unified: " + quote(key) + ": invalid value " + quote(raw));
    };
    if (key == "cpu.idle") {
      if (idle) out.push_back(prop("CPUWeight", uint64_t{0}));
    } else if (key == "cpu.weight") {
      uint64_t w = 0;
      if (!parse_u64(v, w)) return bad();
      if (!idle) out.push_back(prop("CPUWeight", w));
    } else if (key == "cpu.max") {
      auto f = split(v, ' ');
      uint64_t q = 0, period = kDefaultCfsPeriod;
      if (f.empty() || f.size() > 2 || (f[0] != "max" && !parse_u64(f[0], q)) ||
          (f.size() == 2 && !parse_u64(f[1], period)))
        return bad();
      int64_t quota = f[0] == "max" ? 0 : static_cast<int64_t>(q);
      add_cpu_quota(quota, period, version, out);
    } else if (key == "cpuset.cpus" || key == "cpuset.mems") {
      std::string field = "linux.resources.unified: " + quote(key);
      BERTH_TRY(add_cpuset(key == "cpuset.cpus" ? v : std::string_view{},
                           key == "cpuset.mems" ? v : std::string_view{}, version, field, field,
                           out));
    } else if (auto m = kMemory.find(key); m != kMemory.end()) {
      auto n = max_or_number(key, v);
      if (!n) return fail(std::move(n).error());
      out.push_back(prop(m->second, *n));
    } else if (key == "pids.max") {
      auto n = max_or_number(key, v);
      if (!n) return fail(std::move(n).error());
      out.push_back(prop("TasksMax", *n == 0 ? uint64_t{1} : *n));  // systemd refuses 0
    }
  }
  return {};
}

// One DeviceAllow entry being built: a 'c' or 'b' rule.
struct AllowEntry {
  char type;
  std::optional<int64_t> major, minor;
  std::string access;
};

// /proc/devices: ("c"|"b", major) -> driver name.
std::map<std::pair<char, int64_t>, std::string> device_groups(std::string_view text) {
  std::map<std::pair<char, int64_t>, std::string> out;
  char type = 0;
  for (auto line : split(text, '\n')) {
    line = trim(line);
    if (line == "Character devices:")
      type = 'c';
    else if (line == "Block devices:")
      type = 'b';
    else if (type != 0) {
      size_t sp = line.find(' ');
      uint64_t major = 0;
      if (sp != std::string_view::npos && parse_u64(line.substr(0, sp), major))
        out[{type, static_cast<int64_t>(major)}] = std::string(trim(line.substr(sp + 1)));
    }
  }
  return out;
}

bool has_all(std::string_view have, std::string_view want) {
  return std::all_of(want.begin(), want.end(),
                     [&](char c) { return have.find(c) != std::string_view::npos; });
}

// Replays the rules from "deny everything"; false when a deny cuts into a
// wildcard allow, which an allow list cannot express.
bool replay_rules(const std::vector<spec::DeviceCgroupRule>& rules,
                  std::vector<AllowEntry>& allow) {
  for (const auto& r : rules) {
    std::string access = r.access.empty() ? std::string("rwm") : r.access;
    for (char t : {'c', 'b'}) {
      if (r.type != 'a' && r.type != t) continue;
      if (r.allow) {
        allow.push_back({t, r.major, r.minor, access});
        continue;
      }
      for (auto& e : allow) {
        if (e.type != t) continue;
        bool covers = (!r.major || (e.major && *e.major == *r.major)) &&
                      (!r.minor || (e.minor && *e.minor == *r.minor));
        bool overlaps = (!r.major || !e.major || *e.major == *r.major) &&
                        (!r.minor || !e.minor || *e.minor == *r.minor);
        bool shared = std::any_of(access.begin(), access.end(),
                                  [&](char c) { return e.access.find(c) != std::string::npos; });
        if (covers)
          std::erase_if(e.access, [&](char c) { return access.find(c) != std::string::npos; });
        else if (overlaps && shared)
          return false;
      }
      std::erase_if(allow, [](const AllowEntry& e) { return e.access.empty(); });
    }
  }
  return true;
}

}  // namespace

std::vector<dbus::Property> device_properties(const std::vector<spec::DeviceCgroupRule>& rules,
                                              std::string_view proc_devices) {
  // An empty DeviceAllow= first clears what the unit had (update).
  std::vector<dbus::Property> out = {prop("DeviceAllow", dbus::StringPairs{}),
                                     prop("DevicePolicy", "strict")};
  std::vector<AllowEntry> allow;
  if (!replay_rules(rules, allow)) return out;
  auto all_of_type = [&](char t) {
    return std::any_of(allow.begin(), allow.end(), [&](const AllowEntry& e) {
      return e.type == t && !e.major && !e.minor && has_all(e.access, "rwm");
    });
  };
  if (all_of_type('c') && all_of_type('b'))
    return {prop("DevicePolicy", "auto"), prop("DeviceAllow", dbus::StringPairs{})};
  auto groups = device_groups(proc_devices);
  dbus::StringPairs list;
  for (const auto& e : allow) {
    std::string kind = e.type == 'c' ? "char" : "block";
    std::string path;
    if (!e.major) {
      if (e.minor) continue;  // "*:n": no systemd form
      path = kind + "-*";
    } else if (!e.minor) {
      auto g = groups.find({e.type, *e.major});
      if (g == groups.end()) continue;  // no driver of that major: nothing to allow
      path = kind + "-" + g->second;
    } else {
      path = "/dev/" + kind + "/" + std::to_string(*e.major) + ":" + std::to_string(*e.minor);
    }
    list.emplace_back(std::move(path), e.access);
  }
  out.push_back(prop("DeviceAllow", std::move(list)));
  return out;
}

Result<std::string> expand_slice(std::string_view slice) {
  auto bad = [&] { return fail("invalid slice name " + quote(slice)); };
  constexpr std::string_view kSuffix = ".slice";
  if (slice.size() <= kSuffix.size() || !slice.ends_with(kSuffix) ||
      slice.find('/') != std::string_view::npos)
    return bad();
  std::string_view name = slice.substr(0, slice.size() - kSuffix.size());
  if (name == "-") return std::string("/");
  std::string path, prefix;
  for (auto part : split(name, '-')) {
    if (part.empty()) return bad();  // "a--b.slice", "-a.slice", "a-.slice"
    path += "/" + prefix + std::string(part) + std::string(kSuffix);
    prefix += std::string(part) + "-";
  }
  return path;
}

Result<UnitPath> parse_cgroups_path(std::string_view cgroups_path, std::string_view id) {
  std::string_view slice = "system.slice", prefix = "berth", name = id;
  auto bad = [&](std::string_view why) {
    return fail("linux.cgroupsPath: " + quote(cgroups_path) + ": " + std::string(why));
  };
  if (!cgroups_path.empty()) {
    auto parts = split(cgroups_path, ':');
    if (parts.size() != 3)
      return bad("the systemd cgroup driver needs the form \"slice:prefix:name\"");
    if (!parts[0].empty()) slice = parts[0];
    prefix = parts[1];
    name = parts[2];
  }
  if (name.empty()) return bad("empty unit name");
  if (name.find('/') != std::string_view::npos || prefix.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos || prefix.find('\0') != std::string_view::npos)
    return bad("the prefix and name may not contain \"/\"");
  auto slice_path = expand_slice(slice);
  if (!slice_path) return bad(slice_path.error().what());
  UnitPath u;
  u.slice = slice;
  if (name.ends_with(".slice"))
    u.unit = name;
  else if (prefix.empty())
    u.unit = std::string(name) + ".scope";
  else
    u.unit = std::string(prefix) + "-" + std::string(name) + ".scope";
  u.path = (*slice_path == "/" ? std::string() : *slice_path) + "/" + u.unit;
  return u;
}

int parse_version(std::string_view v) {
  while (!v.empty() && (v.front() == '"' || v.front() == 'v')) v.remove_prefix(1);
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p == v.data()) return -1;
  return n;
}

std::vector<dbus::Property> unit_properties(const UnitPath& u, std::string_view id, pid_t pid,
                                            bool v2) {
  std::vector<dbus::Property> p;
  p.push_back(prop("Description", "berth container " + std::string(id)));
  if (u.is_slice()) {
    // A slice's parent follows from its name; Wants= makes systemd start it.
    p.push_back(prop("Wants", std::vector<std::string>{u.slice}));
  } else {
    p.push_back(prop("Slice", u.slice));
    // The container may manage its own sub-cgroups (systemd >= 218).
    p.push_back(prop("Delegate", true));
  }
  if (pid > 0) p.push_back(prop("PIDs", std::vector<uint32_t>{static_cast<uint32_t>(pid)}));
  // Accounting enables the controllers in the unit's cgroup, which the
  // cgroupfs writes need; the kernel also handles joining a memory cgroup
  // late badly.
  p.push_back(prop("MemoryAccounting", true));
  p.push_back(prop("CPUAccounting", true));
  p.push_back(prop(v2 ? "IOAccounting" : "BlockIOAccounting", true));
  p.push_back(prop("TasksAccounting", true));
  // Without this the scope gets Conflicts=/Before=shutdown.target and
  // other default ordering that has no meaning for a container.
  p.push_back(prop("DefaultDependencies", false));
  return p;
}

uint64_t cpu_quota_per_sec(int64_t quota, uint64_t period, int64_t& rounded_quota) {
  rounded_quota = quota;
  if (quota <= 0) return kInfinity;
  if (period == 0) period = kDefaultCfsPeriod;
  uint64_t per_sec = static_cast<uint64_t>(quota) * 1000000 / period;
  if (per_sec % 10000 != 0) {
    per_sec = (per_sec / 10000 + 1) * 10000;
    rounded_quota = static_cast<int64_t>(per_sec * period / 1000000);
  }
  return per_sec;
}

Result<std::vector<uint8_t>> cpu_list_mask(std::string_view list) {
  auto bad = [&] { return fail("invalid cpu list " + quote(list)); };
  std::vector<uint8_t> mask;
  list = trim(list);
  if (list.empty()) return bad();
  for (auto item : split(list, ',')) {
    auto range = split(item, '-');
    uint64_t lo = 0, hi = 0;
    if (range.size() > 2 || !parse_u64(range[0], lo)) return bad();
    hi = lo;
    if (range.size() == 2 && !parse_u64(range[1], hi)) return bad();
    // 8192 matches the kernel's largest NR_CPUS; it bounds the mask too.
    if (hi < lo || hi >= 8192) return bad();
    if (mask.size() <= hi / 8) mask.resize(hi / 8 + 1, 0);
    for (uint64_t c = lo; c <= hi; ++c)
      mask[c / 8] = static_cast<uint8_t>(mask[c / 8] | (1u << (c % 8)));
  }
  return mask;
}

Result<std::vector<dbus::Property>> resource_properties(spec::Resources& r, bool v2, int version) {
  std::vector<dbus::Property> out;
  if (r.memory) {
    int64_t limit = r.memory->limit.value_or(0);
    // -1 ("unlimited") becomes UINT64_MAX, systemd's "infinity".
    if (limit != 0)
      out.push_back(prop(v2 ? "MemoryMax" : "MemoryLimit", static_cast<uint64_t>(limit)));
    if (v2) {
      if (int64_t low = r.memory->reservation.value_or(0); low != 0)
        out.push_back(prop("MemoryLow", static_cast<uint64_t>(low)));
      auto swap = memory_swap_to_v2(r.memory->swap.value_or(0), limit);
      if (!swap) return fail(std::move(swap).error().context("linux.resources.memory.swap"));
      if (*swap != 0) out.push_back(prop("MemorySwapMax", static_cast<uint64_t>(*swap)));
    }
  }
  if (r.cpu) {
    bool idle = v2 && r.cpu->idle.value_or(0) == 1 && version >= kCpuIdleVersion;
    if (idle) out.push_back(prop("CPUWeight", uint64_t{0}));
    if (uint64_t shares = r.cpu->shares.value_or(0); shares != 0 && !idle) {
      if (v2)
        out.push_back(prop("CPUWeight", cpu_shares_to_weight(shares)));
      else
        out.push_back(prop("CPUShares", shares));
    }
    int64_t quota = r.cpu->quota.value_or(0);
    add_cpu_quota(quota, r.cpu->period.value_or(0), version, out);
    if (r.cpu->quota && quota != *r.cpu->quota) r.cpu->quota = quota;
  }
  if (r.block_io && r.block_io->weight.value_or(0) != 0) {
    // runc sets only v1's BlockIOWeight; on cgroup2 systemd rewrites
    // io.weight from IOWeight= whenever it re-applies the unit (daemon-reload),
    // so the translated weight goes to systemd too.
    if (v2)
      out.push_back(prop("IOWeight", blkio_weight_to_io_weight(*r.block_io->weight)));
    else
      out.push_back(prop("BlockIOWeight", uint64_t{*r.block_io->weight}));
  }
  if (r.pids && r.pids->limit) {
    // The cgroupfs plans write "max" for <= 0 as well.
    int64_t l = *r.pids->limit;
    out.push_back(prop("TasksMax", l > 0 ? static_cast<uint64_t>(l) : kInfinity));
  }
  if (r.cpu)
    BERTH_TRY(add_cpuset(r.cpu->cpus, r.cpu->mems, version, "linux.resources.cpu.cpus",
                         "linux.resources.cpu.mems", out));
  if (v2) BERTH_TRY(unified_properties(r.unified, version, out));
  return out;
}

}  // namespace berth::cgroups::systemd
