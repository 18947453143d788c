// Chooses and places a Manager: cgroupsPath rules (see manager.hpp), the
// layout-driven choice between fs1 and fs2, and reopening from state.json.
#include "src/cgroups/fs_common.hpp"
#include "src/runtime/base/fileio.hpp"

namespace berth::cgroups {

// systemd_manager.cpp: a systemd record of persist().
Result<std::unique_ptr<Manager>> open_systemd_manager(const nlohmann::json& j);

namespace {

std::string join(const std::string& base, const std::string& rel) {
  if (base.empty() || base == "/") return "/" + rel;
  return base + "/" + rel;
}

std::string parent_of(const std::string& p) {
  size_t slash = p.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return p.substr(0, slash);
}

// The runtime's own cgroup in a hierarchy, below that hierarchy's mount
// (the mount may show a sub-tree: mountinfo's root field).
std::string own_path(const std::map<std::string, std::string>& self, const std::string& key,
                     const std::string& mount_root) {
  auto it = self.find(key);
  std::string own = it == self.end() ? std::string("/") : it->second;
  if (mount_root != "/" && !mount_root.empty() && own.starts_with(mount_root)) {
    own.erase(0, mount_root.size());
    if (own.empty()) own = "/";
  }
  return own;
}

// The cleaned inner path, or an error for one naming a hierarchy root.
Result<std::string> inner_path(std::string_view cgroups_path, std::string_view id) {
  std::string inner = clean_cgroups_path(cgroups_path);
  if (inner.empty()) inner = clean_cgroups_path(id);
  if (inner.empty() || inner == "/" || inner == ".")
    return fail("linux.cgroupsPath: " + quote(cgroups_path) +
                " names a hierarchy root or the runtime's own cgroup");
  return inner;
}

}  // namespace

std::string clean_cgroups_path(std::string_view p) {
  if (p.empty()) return {};
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view part = p.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();  // never above "/"
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (auto part : parts) out.append("/").append(part);
  if (p.front() == '/') return out.empty() ? std::string("/") : out;
  return out.empty() ? std::string(".") : out.substr(1);
}

Result<std::vector<CgroupDir>> resolve_v1_dirs(const Layout& layout,
                                               const std::map<std::string, std::string>& self,
                                               std::string_view cgroups_path, std::string_view id) {
  auto inner = inner_path(cgroups_path, id);
  if (!inner) return fail(std::move(inner).error());
  std::vector<CgroupDir> out;
  for (const auto& h : layout.v1) {
    CgroupDir d{h.mount_point, *inner, h.controllers};
    if (!inner->starts_with("/"))
      d.path = join(own_path(self, h.controllers.front(), h.root), *inner);
    out.push_back(std::move(d));
  }
  return out;
}

Result<Placement> Manager::open_placement(const SubCgroups& sub) const {
  std::string_view v2_sub;
  if (auto it = sub.find(""); it != sub.end()) v2_sub = it->second;
  if (auto it = sub.find("unified"); it != sub.end()) v2_sub = it->second;
  auto fd = open_v2_dir(v2_sub);
  if (!fd) return fail(std::move(fd).error());
  Placement p;
  p.v2_dir = std::move(*fd);
  p.parent_places = !p.v2_dir;
  return p;
}

Result<CgroupDir> resolve_v2_dir(const Layout& layout,
                                 const std::map<std::string, std::string>& self,
                                 std::string_view cgroups_path, std::string_view id) {
  auto inner = inner_path(cgroups_path, id);
  if (!inner) return fail(std::move(inner).error());
  CgroupDir d{layout.unified_mount, *inner, {}};
  if (!inner->starts_with("/")) {
    std::string own = own_path(self, "", "/");
    // Pure cgroup2: beneath the parent, since the runtime's own cgroup holds
    // a process (the runtime) and so cannot delegate domain controllers.  On
    // a hybrid host the cgroup2 side carries no such controllers in
    // practice, and runc places it beside the v1 ones: beneath our own.
    if (layout.kind == LayoutKind::kV2) own = parent_of(own);
    d.path = join(own, *inner);
  }
  return d;
}

Result<std::unique_ptr<Manager>> make_manager(const Layout& layout,
                                              const std::map<std::string, std::string>& self,
                                              std::string_view cgroups_path, std::string_view id) {
  switch (layout.kind) {
    case LayoutKind::kNone:
      return fail("cgroups: no cgroup file system is mounted");
    case LayoutKind::kV2: {
      auto d = resolve_v2_dir(layout, self, cgroups_path, id);
      if (!d) return fail(std::move(d).error());
      return make_fs2_manager(std::move(*d));
    }
    case LayoutKind::kV1:
    case LayoutKind::kHybrid: {
      auto v1 = resolve_v1_dirs(layout, self, cgroups_path, id);
      if (!v1) return fail(std::move(v1).error());
      std::optional<CgroupDir> unified;
      if (layout.kind == LayoutKind::kHybrid) {
        auto d = resolve_v2_dir(layout, self, cgroups_path, id);
        if (!d) return fail(std::move(d).error());
        unified = std::move(*d);
      }
      return make_fs1_manager(std::move(*v1), std::move(unified));
    }
  }
  return fail("cgroups: unknown layout");
}

Result<std::unique_ptr<Manager>> make_manager(std::string_view cgroups_path, std::string_view id) {
  auto layout = detect_layout();
  if (!layout) return fail(std::move(layout).error());
  auto self = read_file("/proc/self/cgroup");
  if (!self) return fail(std::move(self).error());
  return make_manager(*layout, parse_proc_cgroup(*self), cgroups_path, id);
}

Result<std::unique_ptr<Manager>> open_manager(std::string_view persisted) {
  auto bad = [] { return fail("cgroups: invalid cgroup record in state"); };
  auto j = nlohmann::json::parse(persisted, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad();
  auto driver = j.find("driver");
  if (driver == j.end() || !driver->is_string()) return bad();
  if (*driver == "systemd") {
    // Its "inner" record is a cgroupfs one, never another systemd one.
    auto inner = j.find("inner");
    if (inner == j.end() || !inner->is_object() || inner->value("driver", "") == "systemd") return bad();
    return open_systemd_manager(j);
  }
  std::optional<CgroupDir> unified;
  if (auto u = j.find("unified"); u != j.end()) {
    if (!fs::from_json(*u, unified.emplace())) return bad();
  }
  if (*driver == "fs2") {
    if (!unified) return bad();
    return make_fs2_manager(std::move(*unified));
  }
  if (*driver != "fs1") return bad();
  auto v1 = j.find("v1");
  if (v1 == j.end() || !v1->is_array()) return bad();
  std::vector<CgroupDir> dirs;
  for (const auto& e : *v1)
    if (!fs::from_json(e, dirs.emplace_back()) || dirs.back().controllers.empty()) return bad();
  return make_fs1_manager(std::move(dirs), std::move(unified));
}

Result<std::string> sub_cgroup_dir(const std::string& dir, std::string_view sub) {
  if (sub.empty()) return dir;
  std::string clean = clean_cgroups_path(sub);
  // Cleaning keeps ".." from climbing; a leading "/" or a result of "."
  // would mean the container's own cgroup or outside it: refuse both.
  if (sub.front() == '/' || clean.empty() || clean == "." || clean.front() == '/')
    return fail("invalid sub-cgroup " + quote(sub) + ": must be a relative path inside the container's cgroup");
  return dir + "/" + clean;
}

}  // namespace berth::cgroups
