// Internal to spec/validate*.cpp: the rule functions and their helpers.
// The rules are split by subject (validate_process.cpp, validate_linux.cpp);
// validate.cpp holds the table that orders them.
#pragma once


#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "spec/validate.hpp"

namespace berth::spec::rules {

using Out = std::vector<Violation>;

inline void report(Out& out, std::string path, std::string message) {
  out.push_back(Violation{"", std::move(path), std::move(message)});
}

inline std::string at(std::string_view base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

inline bool is_absolute(std::string_view p) {
  return !p.empty() && p.front() == '/';
}
inline bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}
inline std::string not_absolute(std::string_view p) {
  return "not an absolute path " + quote(p);
}

template <class T>
std::string out_of_range(T v, std::string_view lo, std::string_view hi) {
  return "value " + std::to_string(v) + " out of range (" + std::string(lo) + " to " +
         std::string(hi) + ")";
}

inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s.remove_prefix(p + 1);
  }
}

inline const Namespace* find_ns(const Config& c, NamespaceType t) {
  return c.linux ? c.linux->find_namespace(t) : nullptr;
}

// `requires a user namespace (linux.namespaces has no "user")`
inline std::string requires_ns(NamespaceType t) {
  std::string_view name = namespace_type_name(t);
  std::string article = t == NamespaceType::kIpc ? "an " : "a ";
  return "requires " + article + std::string(name) + " namespace (linux.namespaces has no " +
         quote(name) + ")";
}

inline bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// "0-3,7": the cpu and node list format of config.md and config-linux.md
// (cpuset(7) lists without the stride extension).  Empty is an empty list.
inline bool valid_id_list(std::string_view s) {
  if (s.empty()) return true;
  auto number = [](std::string_view t, uint64_t& v) {
    if (!all_digits(t)) return false;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc() && end == t.data() + t.size();
  };
  for (auto item : split(s, ',')) {
    size_t dash = item.find('-');
    uint64_t lo = 0, hi = 0;
    if (!number(item.substr(0, dash), lo)) return false;
    if (dash != std::string_view::npos && (!number(item.substr(dash + 1), hi) || hi < lo))
      return false;
  }
  return true;
}

void check_oci_version(const Config& c, ValidateFor mode, Out& out);
void check_create_required(const Config& c, ValidateFor mode, Out& out);
void check_root(const Config& c, ValidateFor mode, Out& out);
void check_process_args(const Config& c, ValidateFor mode, Out& out);
void check_process_cwd(const Config& c, ValidateFor mode, Out& out);
void check_process_env(const Config& c, ValidateFor mode, Out& out);
void check_rlimits(const Config& c, ValidateFor mode, Out& out);
void check_oom_score_adj(const Config& c, ValidateFor mode, Out& out);
void check_scheduler(const Config& c, ValidateFor mode, Out& out);
void check_io_priority(const Config& c, ValidateFor mode, Out& out);
void check_exec_cpu_affinity(const Config& c, ValidateFor mode, Out& out);
void check_user_mapped(const Config& c, ValidateFor mode, Out& out);
void check_uts(const Config& c, ValidateFor mode, Out& out);
void check_mounts(const Config& c, ValidateFor mode, Out& out);
void check_mount_idmap(const Config& c, ValidateFor mode, Out& out);
void check_namespaces(const Config& c, ValidateFor mode, Out& out);
void check_user_namespace(const Config& c, ValidateFor mode, Out& out);
void check_time_namespace(const Config& c, ValidateFor mode, Out& out);
void check_sysctl(const Config& c, ValidateFor mode, Out& out);
void check_devices(const Config& c, ValidateFor mode, Out& out);
void check_cgroups_path(const Config& c, ValidateFor mode, Out& out);
void check_cgroup_unified(const Config& c, ValidateFor mode, Out& out);
void check_memory_swap(const Config& c, ValidateFor mode, Out& out);
void check_cpu_burst(const Config& c, ValidateFor mode, Out& out);
void check_blockio_rdma(const Config& c, ValidateFor mode, Out& out);
void check_masked_readonly(const Config& c, ValidateFor mode, Out& out);
void check_mount_namespace(const Config& c, ValidateFor mode, Out& out);
void check_seccomp_notify(const Config& c, ValidateFor mode, Out& out);
void check_seccomp_errno(const Config& c, ValidateFor mode, Out& out);
void check_hooks(const Config& c, ValidateFor mode, Out& out);
void check_personality(const Config& c, ValidateFor mode, Out& out);
void check_net_devices(const Config& c, ValidateFor mode, Out& out);
void check_intel_rdt(const Config& c, ValidateFor mode, Out& out);
void check_memory_policy(const Config& c, ValidateFor mode, Out& out);
void check_annotations(const Config& c, ValidateFor mode, Out& out);

}  // namespace berth::spec::rules
