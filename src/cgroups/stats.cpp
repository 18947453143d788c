#include "src/cgroups/stats.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "src/runtime/base/error.hpp"
#include "src/cgroups/text.hpp"

namespace berth::cgroups {

namespace {

constexpr uint64_t kNanosPerTick = 1000000000ULL / 100;  // USER_HZ

// The lines of a file, without the empty ones.
std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!trim(line).empty()) out.push_back(line);
  }
  return out;
}

// Fields split on any of `seps`, empty fields dropped (Go's FieldsFunc).
std::vector<std::string_view> fields(std::string_view s, std::string_view seps = " \t") {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find_first_of(seps, i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool digits_to_u64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Unexpected malformed(std::string_view what, std::string_view line) {
  return fail(std::string(what) + " " + quote(line));
}

}  // namespace

Result<uint64_t> parse_stat_uint(std::string_view text) {
  std::string_view s = trim(text);
  if (s == "max") return kUnlimited;
  uint64_t v = 0;
  if (digits_to_u64(s, v)) return v;
  // Negative numbers, even below INT64_MIN, read as 0 like runc's ParseUint.
  if (s.size() > 1 && s[0] == '-' &&
      s.substr(1).find_first_not_of("0123456789") == std::string_view::npos)
    return uint64_t{0};
  return malformed("invalid number", s);
}

Result<int64_t> parse_stat_int(std::string_view text) {
  std::string_view s = trim(text);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    return malformed("invalid number", s);
  return v;
}

Result<KeyValues> parse_key_values(std::string_view text) {
  KeyValues out;
  for (std::string_view line : lines(text)) {
    auto f = fields(line);
    if (f.size() != 2) return malformed("malformed line", line);
    auto v = parse_stat_uint(f[1]);
    if (!v) return malformed("malformed line", line);
    out[std::string(f[0])] = *v;
  }
  return out;
}

Result<std::vector<uint64_t>> parse_uint_list(std::string_view text) {
  std::vector<uint64_t> out;
  for (std::string_view f : fields(text, " \t\n")) {
    uint64_t v = 0;
    if (!digits_to_u64(f, v)) return malformed("invalid number", f);
    out.push_back(v);
  }
  return out;
}

Result<CpuModes> parse_cpuacct_stat(std::string_view text) {
  auto f = fields(text, " \t\n");
  CpuModes m;
  if (f.size() < 4 || f[0] != "user" || f[2] != "system" || !digits_to_u64(f[1], m.user) ||
      !digits_to_u64(f[3], m.kernel))
    return malformed("malformed content", trim(text));
  m.user *= kNanosPerTick;
  m.kernel *= kNanosPerTick;
  return m;
}

Result<PercpuModes> parse_cpuacct_usage_all(std::string_view text) {
  PercpuModes out;
  auto ls = lines(text);
  for (size_t i = 1; i < ls.size(); ++i) {  // line 0: "cpu user system"
    auto f = fields(ls[i]);
    if (f.size() != 3) continue;
    uint64_t user = 0, kernel = 0;
    if (!digits_to_u64(f[1], user) || !digits_to_u64(f[2], kernel))
      return malformed("malformed line", ls[i]);
    out.user.push_back(user);
    out.kernel.push_back(kernel);
  }
  return out;
}

void apply_cpu_stat_v1(const KeyValues& kv, CpuStats& out) {
  for (const auto& [k, v] : kv) {
    if (k == "nr_periods")
      out.periods = v;
    else if (k == "nr_throttled")
      out.throttled_periods = v;
    else if (k == "throttled_time")
      out.throttled_time = v;
  }
}

void apply_cpu_stat_v2(const KeyValues& kv, CpuStats& out) {
  for (const auto& [k, v] : kv) {
    if (k == "usage_usec")
      out.total = v * 1000;
    else if (k == "user_usec")
      out.user = v * 1000;
    else if (k == "system_usec")
      out.kernel = v * 1000;
    else if (k == "nr_periods")
      out.periods = v;
    else if (k == "nr_throttled")
      out.throttled_periods = v;
    else if (k == "throttled_usec")
      out.throttled_time = v * 1000;
  }
}

Result<std::vector<BlkioEntry>> parse_blkio(std::string_view text) {
  std::vector<BlkioEntry> out;
  for (std::string_view line : lines(text)) {
    auto f = fields(line, " \t:");
    if (f.size() == 2 && f[0] == "Total") continue;
    if (f.size() != 3 && f.size() != 4) return malformed("malformed line", line);
    BlkioEntry e;
    if (f.size() == 4) e.op = std::string(f[2]);
    if (!digits_to_u64(f[0], e.major) || !digits_to_u64(f[1], e.minor) ||
        !digits_to_u64(f.back(), e.value))
      return malformed("malformed line", line);
    out.push_back(std::move(e));
  }
  return out;
}

Result<BlkioStats> parse_io_stat(std::string_view text) {
  BlkioStats out;
  for (std::string_view line : lines(text)) {
    auto f = fields(line);
    if (f.size() < 2) continue;
    auto dev = fields(f[0], ":");
    BlkioEntry base;
    if (dev.size() != 2 || !digits_to_u64(dev[0], base.major) || !digits_to_u64(dev[1], base.minor))
      continue;  // runc skips keys that are not MAJ:MIN
    for (size_t i = 1; i < f.size(); ++i) {
      size_t eq = f[i].find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = f[i].substr(0, eq);
      std::vector<BlkioEntry>* table = nullptr;
      BlkioEntry e = base;
      if (key == "rbytes" || key == "wbytes")
        table = &out.io_service_bytes_recursive;
      else if (key == "rios" || key == "wios")
        table = &out.io_serviced_recursive;
      else
        continue;
      e.op = key[0] == 'r' ? "Read" : "Write";
      if (!digits_to_u64(f[i].substr(eq + 1), e.value)) return malformed("malformed line", line);
      table->push_back(std::move(e));
    }
  }
  return out;
}

Result<std::vector<uint16_t>> parse_cpu_list(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return fail("empty cpu list");
  std::vector<uint16_t> out;
  for (std::string_view part : fields(s, ",")) {
    auto range = fields(part, "-");
    uint64_t lo = 0, hi = 0;
    bool ok = (range.size() == 1 || range.size() == 2) && part.front() != '-' &&
              part.back() != '-' && digits_to_u64(range[0], lo) &&
              digits_to_u64(range.back(), hi) && lo <= hi && hi <= UINT16_MAX;
    if (!ok) return malformed("invalid cpu list", s);
    for (uint64_t c = lo; c <= hi; ++c) out.push_back(static_cast<uint16_t>(c));
  }
  return out;
}

std::vector<std::string> hugetlb_sizes(const std::vector<std::string>& files,
                                       std::string_view suffix) {
  constexpr std::string_view kPrefix = "hugetlb.";
  std::set<std::string> sizes;
  for (std::string_view f : files) {
    if (!f.starts_with(kPrefix) || !f.ends_with(suffix) ||
        f.size() <= kPrefix.size() + suffix.size())
      continue;
    std::string_view size = f.substr(kPrefix.size(), f.size() - kPrefix.size() - suffix.size());
    if (size.find('.') == std::string_view::npos) sizes.emplace(size);
  }
  return {sizes.begin(), sizes.end()};
}

MemoryEntry v1_compatible_swap(const MemoryEntry& memory, const MemoryEntry& swap_only) {
  MemoryEntry out = swap_only;
  out.usage += memory.usage;
  // runc adds the limits unless swap's is "max"; a "max" memory limit makes
  // the sum unlimited too (runc's uint64 addition would wrap around).
  if (out.limit != kUnlimited)
    out.limit = memory.limit == kUnlimited ? kUnlimited : out.limit + memory.limit;
  out.max = 0;
  return out;
}

}  // namespace berth::cgroups
