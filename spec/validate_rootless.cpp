// Rootless rules (validate.hpp check_rootless).  A user without root can
// create no namespace but a user namespace, and owns nothing beyond the ids
// its maps give it: the other namespaces are made inside a new user
// namespace, and a mount option that hands a file system to an unmapped
// uid or gid would fail late with a bare EINVAL from mount(2).
#include "spec/validate_rules.hpp"

namespace berth::spec {

using namespace rules;

namespace {

bool mapped(const std::vector<IdMapping>& maps, uint64_t id) {
  for (const auto& m : maps)
    if (id >= m.container_id && id - m.container_id < m.size) return true;
  return false;
}

void check_rootless_user_namespace(const Config& c, Out& out) {
  if (find_ns(c, NamespaceType::kUser) == nullptr)
    report(out, "linux.namespaces", "a rootless container " + requires_ns(NamespaceType::kUser));
}

// uid=N / gid=N of tmpfs, devpts, ... (runc: "cannot specify uid= mount
// options for unmapped uid in rootless containers").  Only a new user
// namespace's maps are known here; a joined one's are the kernel's to check.
void check_rootless_mount_ids(const Config& c, Out& out) {
  const Namespace* user = find_ns(c, NamespaceType::kUser);
  if (user == nullptr || !user->path.empty()) return;
  for (size_t i = 0; i < c.mounts.size(); ++i) {
    for (const auto& opt : c.mounts[i].options) {
      std::string_view o = opt;
      bool uid = o.starts_with("uid=");
      if (!uid && !o.starts_with("gid=")) continue;
      std::string_view value = o.substr(4);
      uint64_t id = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
      if (ec != std::errc() || end != value.data() + value.size())
        continue;  // the kernel judges it
      if (mapped(uid ? c.linux->uid_mappings : c.linux->gid_mappings, id)) continue;
      report(out, at("mounts", i) + ".options",
             quote(opt) + " names a " + (uid ? "uid" : "gid") + " that " +
                 (uid ? "linux.uidMappings" : "linux.gidMappings") +
                 " does not map: a rootless container cannot give files to it");
    }
  }
}

}  // namespace

std::vector<Violation> check_rootless(const Config& c) {
  struct Rule {
    std::string_view name;
    void (*check)(const Config&, Out&);
  };
  static constexpr Rule kRules[] = {
      {"rootless-user-namespace", check_rootless_user_namespace},
      {"rootless-mount-ids", check_rootless_mount_ids},
  };
  Out out;
  for (const auto& rule : kRules) {
    size_t first = out.size();
    rule.check(c, out);
    for (size_t i = first; i < out.size(); ++i) out[i].rule = rule.name;
  }
  return out;
}

}  // namespace berth::spec
