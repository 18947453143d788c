#include "src/runtime/rootless.hpp"

#include <cerrno>
#include <vector>

#include "src/cgroups/plan.hpp"

namespace berth::runtime {

bool rootless_mode(std::string_view flag, uid_t euid, bool in_user_namespace) {
  if (flag == "true") return true;
  if (flag == "false") return false;
  return euid != 0 || in_user_namespace;
}

bool is_nested_user_namespace(std::string_view uid_map) {
  // One line "0 0 4294967295", its fields padded with spaces.
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < uid_map.size()) {
    while (i < uid_map.size() && (uid_map[i] == ' ' || uid_map[i] == '\n')) ++i;
    size_t j = i;
    while (j < uid_map.size() && uid_map[j] != ' ' && uid_map[j] != '\n') ++j;
    if (j > i) fields.push_back(uid_map.substr(i, j - i));
    i = j;
  }
  return !(fields.size() == 3 && fields[0] == "0" && fields[1] == "0" && fields[2] == "4294967295");
}

Result<std::string> default_state_root(uid_t euid, const char* xdg_runtime_dir) {
  if (euid == 0) return std::string("/run/berth");
  std::string_view xdg = xdg_runtime_dir != nullptr ? xdg_runtime_dir : "";
  if (xdg.empty() || xdg.front() != '/')
    return fail("--root: not given, and XDG_RUNTIME_DIR is " +
                std::string(xdg.empty() ? "not set" : "not absolute") +
                ": a non-root user must pass --root DIR (a directory it can write)");
  std::string root(xdg);
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root + "/berth";
}

bool sets_cgroup_limits(const spec::Resources& r) {
  spec::Resources rest = r;
  rest.devices.clear();
  // Either layout: a value one of them would write is a limit the container
  // asked for.  A plan that fails counts too: create reports why.
  cgroups::HostFacts host;
  host.unified_mount = true;
  auto v1 = cgroups::plan_v1(rest, host);
  auto v2 = cgroups::plan_v2(rest);
  return !v1 || !v2 || !v1->empty() || !v2->empty();
}

bool is_permission_error(const Error& e) {
  return e.errnum() == EACCES || e.errnum() == EPERM || e.errnum() == EROFS;
}

}  // namespace berth::runtime
