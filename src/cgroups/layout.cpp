#include "src/cgroups/layout.hpp"

#include <sys/utsname.h>

#include "src/runtime/base/fileio.hpp"

namespace berth::cgroups {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && s.size() - i >= 4) {
      int v = 0;
      bool ok = true;
      for (size_t k = 1; k <= 3; ++k) {
        char c = s[i + k];
        if (c < '0' || c > '7') ok = false;
        v = v * 8 + (c - '0');
      }
      if (ok) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_controller_option(std::string_view o) {
  static constexpr std::string_view kNotControllers[] = {
      "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods"};
  for (auto n : kNotControllers)
    if (o == n) return false;
  if (o.starts_with("name=")) return true;
  return o.find('=') == std::string_view::npos;
}

}  // namespace

const V1Hierarchy* Layout::find_v1(std::string_view controller) const {
  for (const auto& h : v1)
    for (const auto& c : h.controllers)
      if (c == controller) return &h;
  return nullptr;
}

Layout parse_layout(std::string_view mountinfo) {
  Layout l;
  for (auto line : split(mountinfo, '\n')) {
    auto fields = split(line, ' ');
    // id parent major:minor root mount-point options [optional...] - type source super
    size_t dash = 0;
    for (size_t i = 6; i < fields.size(); ++i)
      if (fields[i] == "-") {
        dash = i;
        break;
      }
    if (dash == 0 || dash + 1 >= fields.size()) continue;
    std::string_view type = fields[dash + 1];
    std::string mount_point = unescape(fields[4]);
    if (type == "cgroup2") {
      if (l.unified_mount.empty()) l.unified_mount = mount_point;
    } else if (type == "cgroup" && dash + 3 < fields.size()) {
      V1Hierarchy h{mount_point, unescape(fields[3]), {}};
      for (auto o : split(fields[dash + 3], ','))
        if (is_controller_option(o)) h.controllers.emplace_back(o);
      bool seen = false;
      for (const auto& c : h.controllers) seen = seen || l.find_v1(c) != nullptr;
      if (!seen && !h.controllers.empty()) l.v1.push_back(std::move(h));
    }
  }
  if (!l.v1.empty()) l.kind = l.unified_mount.empty() ? LayoutKind::kV1 : LayoutKind::kHybrid;
  else if (!l.unified_mount.empty()) l.kind = LayoutKind::kV2;
  return l;
}

Result<Layout> detect_layout() {
  auto text = read_file("/proc/self/mountinfo");
  if (!text) return fail(std::move(text).error());
  return parse_layout(*text);
}

std::map<std::string, std::string> parse_proc_cgroup(std::string_view text) {
  std::map<std::string, std::string> out;
  for (auto line : split(text, '\n')) {
    auto c1 = line.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string path(line.substr(c2 + 1));
    std::string_view ctrls = line.substr(c1 + 1, c2 - c1 - 1);
    if (ctrls.empty()) {
      out[""] = path;
      continue;
    }
    for (auto c : split(ctrls, ',')) out[std::string(c)] = path;
  }
  return out;
}

std::string hierarchy_dir(const Layout& l, std::string_view controller, std::string_view path) {
  if (controller.empty()) return l.unified_mount + std::string(path == "/" ? "" : path);
  const V1Hierarchy* h = l.find_v1(controller);
  if (h == nullptr) return {};
  // The mount may show a sub-tree of the hierarchy (mountinfo root field).
  std::string_view rel = path;
  if (h->root != "/" && rel.starts_with(h->root)) rel.remove_prefix(h->root.size());
  return h->mount_point + std::string(rel == "/" ? "" : rel);
}

bool kernel_release_at_least(std::string_view release, int major, int minor) {
  int parts[2] = {0, 0};
  size_t i = 0;
  for (int& part : parts) {
    size_t start = i;
    while (i < release.size() && release[i] >= '0' && release[i] <= '9') part = part * 10 + (release[i++] - '0');
    if (i == start) return false;
    if (&part == &parts[0]) {
      if (i >= release.size() || release[i] != '.') return false;
      ++i;
    }
  }
  return parts[0] != major ? parts[0] > major : parts[1] >= minor;
}

bool kernel_has_clone_into_cgroup() {
  struct utsname u {};
  return ::uname(&u) == 0 && kernel_release_at_least(u.release, 5, 7);
}

std::string_view layout_name(LayoutKind k) {
  switch (k) {
    case LayoutKind::kNone: return "none";
    case LayoutKind::kV1: return "v1";
    case LayoutKind::kV2: return "v2";
    case LayoutKind::kHybrid: return "hybrid";
  }
  return "none";
}

}  // namespace berth::cgroups
