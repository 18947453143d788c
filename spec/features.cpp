#include "spec/features.hpp"

#include <nlohmann/json.hpp>

namespace berth::spec {

std::string features_json(const Features& f) {
  using OJson = nlohmann::ordered_json;
  OJson linux;
  linux["namespaces"] = f.namespaces;
  linux["capabilities"] = f.capabilities;
  linux["cgroup"] = {{"v1", f.cgroup_v1},
                     {"v2", f.cgroup_v2},
                     {"systemd", f.cgroup_systemd},
                     {"systemdUser", f.cgroup_systemd_user},
                     {"rdma", f.cgroup_rdma}};
  OJson sec = {{"enabled", f.seccomp.enabled}};
  if (f.seccomp.enabled) {
    sec["actions"] = f.seccomp.actions;
    sec["operators"] = f.seccomp.operators;
    sec["archs"] = f.seccomp.archs;
    sec["knownFlags"] = f.seccomp.known_flags;
    sec["supportedFlags"] = f.seccomp.supported_flags;
  }
  linux["seccomp"] = std::move(sec);
  linux["apparmor"] = {{"enabled", f.apparmor}};
  linux["selinux"] = {{"enabled", f.selinux}};
  linux["intelRdt"] = {{"enabled", f.intel_rdt}, {"schemata", f.intel_rdt}};
  linux["mountExtensions"] = {{"idmap", {{"enabled", f.idmap_mounts}}}};
  linux["netDevices"] = {{"enabled", f.net_devices}};

  OJson doc;
  doc["ociVersionMin"] = f.oci_version_min;
  doc["ociVersionMax"] = f.oci_version_max;
  doc["hooks"] = f.hooks;
  doc["mountOptions"] = f.mount_options;
  doc["linux"] = std::move(linux);
  doc["annotations"] = f.annotations;
  doc["potentiallyUnsafeConfigAnnotations"] = f.potentially_unsafe_annotations;
  return doc.dump(2) + "\n";
}

}  // namespace berth::spec
